import { z } from 'zod';
import { ENV } from '../core/config/env-names';
import { ConfigError } from '../core/errors';
import type { StatusMarker } from '../core/serverless/apply-actions';
import { parseS3Prefix, type S3Prefix } from '../core/serverless/s3-location';

const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error', 'silent']);
export type FunctionLogLevel = z.infer<typeof LogLevelSchema>;

/** An http(s) URL. */
const httpUrl = (what: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) ${what}` });

/** DynamoDB table names: 3–255 letters, digits, `_`, `-` and `.`. */
const tableName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3–255 letters, digits, _ - .)');

/** A `bucket` or `bucket/prefix` value. */
const s3PrefixOf = (what: string) =>
  z.string().transform((raw, ctx) => {
    try {
      return parseS3Prefix(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

/**
 * The environment of every Winnow function, in one schema. Each function needs part of it (see
 * {@link REQUIRED}); what a function does not use may be absent.
 */
const FunctionsEnvSchema = z.object({
  [ENV.awsRegion]: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'),
  [ENV.verdictTable]: tableName,
  [ENV.cacheTable]: tableName,
  [ENV.heavyQueueUrl]: httpUrl('SQS queue URL'),
  [ENV.fastQueueUrl]: httpUrl('SQS queue URL'),
  [ENV.bankLocation]: s3PrefixOf('bucket or bucket/prefix'),
  [ENV.bankTable]: tableName,
  [ENV.bankRefreshSec]: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of seconds')
    .transform(Number)
    .pipe(z.number().int().min(0).max(86_400)),
  [ENV.quarantineLocation]: s3PrefixOf('bucket or bucket/prefix'),
  [ENV.eventBusName]: z
    .string()
    .regex(
      /^(arn:[\w-]+:events:[\w-]+:\d{12}:event-bus\/)?[\w.\-/]{1,256}$/,
      'must be an event bus name or ARN',
    ),
  [ENV.statusMarker]: z.enum(['tag', 'metadata'], { error: 'must be tag or metadata' }),
  [ENV.s3Endpoint]: httpUrl('URL'),
  [ENV.sqsEndpoint]: httpUrl('URL'),
  [ENV.dynamoEndpoint]: httpUrl('URL'),
  [ENV.eventsEndpoint]: httpUrl('URL'),
  [ENV.policyFile]: z.string().min(1),
  [ENV.logLevel]: z
    .string()
    .toLowerCase()
    .pipe(z.enum(LogLevelSchema.options, { error: 'must be debug, info, warn, error or silent' })),
  [ENV.executionProvider]: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['cpu', 'cuda'], { error: 'must be cpu or cuda' })),
});

/** The Winnow functions (one config per deployable, each reading only its part). */
export type FunctionRole = 'upload' | 'fast-queue' | 'action' | 'backfill' | 'sweep';

/** Variables each function cannot run without. */
const REQUIRED: Record<FunctionRole, readonly (keyof z.infer<typeof FunctionsEnvSchema>)[]> = {
  upload: [ENV.awsRegion, ENV.verdictTable, ENV.heavyQueueUrl],
  'fast-queue': [ENV.awsRegion, ENV.verdictTable, ENV.heavyQueueUrl],
  action: [ENV.awsRegion],
  backfill: [ENV.awsRegion, ENV.verdictTable, ENV.cacheTable, ENV.fastQueueUrl, ENV.heavyQueueUrl],
  sweep: [ENV.awsRegion, ENV.verdictTable, ENV.heavyQueueUrl],
};

/** Settings every function has. */
interface CommonConfig {
  readonly region: string;
  readonly logLevel: FunctionLogLevel;
  /** The policy file; unset: the bundled default policy. */
  readonly policyFile?: string;
  /** Endpoint overrides for emulators; all unset in AWS. */
  readonly endpoints: {
    readonly s3?: string;
    readonly sqs?: string;
    readonly dynamodb?: string;
    readonly events?: string;
  };
}

/** Where the hash banks are (S3 + DynamoDB), when images are matched against them. */
export interface BankConfig {
  /** Entry snapshots: the bucket and key prefix (empty: the store's default, `hash-banks/`). */
  readonly location: S3Prefix;
  /** The table of the bank registry item. */
  readonly tableName: string;
  /** Seconds between version checks. */
  readonly refreshSec: number;
}

/** The upload and fast-queue functions' configuration. */
export interface ModerationConfig extends CommonConfig {
  readonly role: 'upload' | 'fast-queue';
  readonly verdictTable: string;
  /** The content cache table; unset: no cache (every item is scored). */
  readonly cacheTable?: string;
  readonly heavyQueueUrl: string;
  /** Never moderated: the quarantine action's copies land here. */
  readonly quarantine?: S3Prefix;
  readonly executionProvider: 'cpu' | 'cuda';
  /** The hash banks; unset: nothing is matched against banks. */
  readonly banks?: BankConfig;
}

/** The action function's configuration. */
export interface ActionConfig extends CommonConfig {
  readonly role: 'action';
  readonly quarantine?: S3Prefix;
  /** The bus of verdict events; unset: the account's default bus. */
  readonly eventBusName?: string;
  readonly statusMarker: StatusMarker;
}

/** The backfill-batch function's configuration. */
export interface BackfillConfig extends CommonConfig {
  readonly role: 'backfill';
  /** Verdicts under the current policy version are read to skip items already scored. */
  readonly verdictTable: string;
  /** Holds the runs' cost ledgers (keys `backfill-cost#<run>`). */
  readonly cacheTable: string;
  readonly fastQueueUrl: string;
  readonly heavyQueueUrl: string;
}

/** The sweep function's configuration. */
export interface SweepConfig extends CommonConfig {
  readonly role: 'sweep';
  /** Read (every item's latest verdict) and written (the new verdicts). */
  readonly verdictTable: string;
  /** The content cache table; unset: no cache (every re-scored item is scored). */
  readonly cacheTable?: string;
  /** Audio and video to re-score, and uncertain re-scored images, go here. */
  readonly heavyQueueUrl: string;
  /** The bus of change events; unset: the account's default bus. */
  readonly eventBusName?: string;
  readonly executionProvider: 'cpu' | 'cuda';
  /** The hash banks; unset: nothing is matched against banks. */
  readonly banks?: BankConfig;
}

/** Reads and validates the upload or fast-queue function's environment (see {@link readConfig}). */
export function readModerationConfig(
  role: 'upload' | 'fast-queue',
  env: NodeJS.ProcessEnv = process.env,
): ModerationConfig {
  const e = readConfig(role, env);
  return {
    ...common(e),
    role,
    verdictTable: e[ENV.verdictTable] as string,
    cacheTable: e[ENV.cacheTable],
    heavyQueueUrl: e[ENV.heavyQueueUrl] as string,
    quarantine: e[ENV.quarantineLocation],
    executionProvider: e[ENV.executionProvider] ?? 'cpu',
    banks: banksOf(role, e),
  };
}

/** Reads and validates the action function's environment (see {@link readConfig}). */
export function readActionConfig(env: NodeJS.ProcessEnv = process.env): ActionConfig {
  const e = readConfig('action', env);
  return {
    ...common(e),
    role: 'action',
    quarantine: e[ENV.quarantineLocation],
    eventBusName: e[ENV.eventBusName],
    statusMarker: e[ENV.statusMarker] ?? 'tag',
  };
}

/** Reads and validates the backfill-batch function's environment (see {@link readConfig}). */
export function readBackfillConfig(env: NodeJS.ProcessEnv = process.env): BackfillConfig {
  const e = readConfig('backfill', env);
  return {
    ...common(e),
    role: 'backfill',
    verdictTable: e[ENV.verdictTable] as string,
    cacheTable: e[ENV.cacheTable] as string,
    fastQueueUrl: e[ENV.fastQueueUrl] as string,
    heavyQueueUrl: e[ENV.heavyQueueUrl] as string,
  };
}

/** Reads and validates the sweep function's environment (see {@link readConfig}). */
export function readSweepConfig(env: NodeJS.ProcessEnv = process.env): SweepConfig {
  const e = readConfig('sweep', env);
  return {
    ...common(e),
    role: 'sweep',
    verdictTable: e[ENV.verdictTable] as string,
    cacheTable: e[ENV.cacheTable],
    heavyQueueUrl: e[ENV.heavyQueueUrl] as string,
    eventBusName: e[ENV.eventBusName],
    executionProvider: e[ENV.executionProvider] ?? 'cpu',
    banks: banksOf('sweep', e),
  };
}

type ParsedEnv = Partial<z.infer<typeof FunctionsEnvSchema>>;

/**
 * Validates the environment against the one schema, then checks the variables this function requires. Every bad
 * or missing variable is listed in one `ConfigError`, so a misconfigured deployment is fixed in one go. Empty
 * values count as unset.
 */
function readConfig(role: FunctionRole, env: NodeJS.ProcessEnv): ParsedEnv {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = FunctionsEnvSchema.partial().safeParse(set);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(environment)'}: ${i.message}`);
  for (const name of REQUIRED[role]) {
    if (set[name] === undefined) problems.push(`  - ${name}: required by the ${role} function`);
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid environment for the Winnow ${role} function:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/** The bank settings when a bank location is set; the registry table defaults to the cache table. */
function banksOf(role: FunctionRole, e: ParsedEnv): BankConfig | undefined {
  const location = e[ENV.bankLocation];
  if (!location) return undefined;
  const tableName = e[ENV.bankTable] ?? e[ENV.cacheTable];
  if (!tableName) {
    throw new ConfigError(
      `invalid environment for the Winnow ${role} function:\n  - ${ENV.bankTable}: required with ` +
        `${ENV.bankLocation} when ${ENV.cacheTable} is unset`,
    );
  }
  return { location, tableName, refreshSec: e[ENV.bankRefreshSec] ?? 60 };
}

function common(e: ParsedEnv): CommonConfig {
  return {
    region: e[ENV.awsRegion] as string,
    logLevel: e[ENV.logLevel] ?? 'info',
    policyFile: e[ENV.policyFile],
    endpoints: {
      s3: e[ENV.s3Endpoint],
      sqs: e[ENV.sqsEndpoint],
      dynamodb: e[ENV.dynamoEndpoint],
      events: e[ENV.eventsEndpoint],
    },
  };
}

/** True inside AWS Lambda (the runtime sets the function name); the handlers then start loading at import. */
export function runningInLambda(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[ENV.lambdaFunctionName] ?? '') !== '';
}
