import { delimiter, resolve } from 'node:path';
import { z } from 'zod';
import { regionOfQueueUrl } from '../adapters/aws';
import { ENV } from '../core/config/env-names';
import { ConfigError } from '../core/errors';
import { parseS3Prefix, type S3Prefix } from '../core/serverless/s3-location';

const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error', 'silent']);

/** A whole number from the environment, within bounds. */
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** An http(s) URL; a missing one is reported as required. */
const httpUrl = (what: string) =>
  z.url({
    protocol: /^https?$/,
    error: (issue) => (issue.input === undefined ? 'required' : `must be an http(s) ${what}`),
  });

/** DynamoDB table names: 3–255 letters, digits, `_`, `-` and `.`. */
const tableName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3–255 letters, digits, _ - .)');

const WorkerEnvSchema = z.object({
  [ENV.queueUrl]: httpUrl('SQS queue URL'),
  [ENV.deadLetterQueueUrl]: httpUrl('SQS queue URL').optional(),
  [ENV.sqsEndpoint]: httpUrl('URL').optional(),
  [ENV.s3Endpoint]: httpUrl('URL').optional(),
  [ENV.dynamoEndpoint]: httpUrl('URL').optional(),
  [ENV.verdictTable]: tableName.optional(),
  [ENV.cacheTable]: tableName.optional(),
  [ENV.bankLocation]: z
    .string()
    .transform((raw, ctx) => {
      try {
        return parseS3Prefix(raw);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `must be bucket or bucket/prefix: ${(err as Error).message}`,
        });
        return z.NEVER;
      }
    })
    .optional(),
  [ENV.bankTable]: tableName.optional(),
  [ENV.bankRefreshSec]: int(0, 86_400).default(60),
  [ENV.awsRegion]: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1')
    .optional(),
  [ENV.workerConcurrency]: int(1, 256).default(4),
  [ENV.visibilityTimeoutSec]: int(1, 12 * 60 * 60).default(120),
  [ENV.pollWaitSec]: int(0, 20).default(20),
  [ENV.drainTimeoutSec]: int(0, 60 * 60).default(90),
  [ENV.maxReceives]: int(1, 1000).optional(),
  [ENV.healthFile]: z.string().min(1).optional(),
  [ENV.fileRoots]: z.string().optional(),
  [ENV.stateDir]: z.string().min(1).optional(),
  [ENV.policyFile]: z.string().min(1).optional(),
  [ENV.logLevel]: LogLevelSchema.default('info'),
  [ENV.executionProvider]: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['cpu', 'cuda'], { error: 'must be cpu or cuda' }))
    .default('cpu'),
});

/** The GPU worker's configuration, read from the environment once. */
export interface WorkerConfig {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl?: string;
  readonly sqsEndpoint?: string;
  /** S3 endpoint override (an emulator); `s3://` items are read through it. */
  readonly s3Endpoint?: string;
  /** DynamoDB endpoint override (an emulator). */
  readonly dynamoEndpoint?: string;
  /** The DynamoDB verdict table; unset: verdicts go to the SQLite store in {@link stateDir}. */
  readonly verdictTable?: string;
  /**
   * The DynamoDB content-cache table; unset: the state dir's SQLite cache when verdicts are local, else no cache
   * (every item is scored).
   */
  readonly cacheTable?: string;
  /**
   * The hash banks (S3 + DynamoDB) images and videos are matched against; unset: none. The registry table defaults
   * to {@link cacheTable}.
   */
  readonly banks?: {
    readonly location: S3Prefix;
    readonly tableName: string;
    readonly refreshSec: number;
  };
  readonly region: string;
  readonly concurrency: number;
  readonly visibilityTimeoutSec: number;
  readonly pollWaitSec: number;
  readonly drainTimeoutMs: number;
  readonly maxReceives?: number;
  readonly healthFile?: string;
  readonly fileRoots: readonly string[];
  /** Local SQLite verdicts and cache; opened only when {@link verdictTable} is unset. */
  readonly stateDir: string;
  readonly policyFile?: string;
  readonly logLevel: z.infer<typeof LogLevelSchema>;
  readonly executionProvider: 'cpu' | 'cuda';
}

/**
 * Reads and validates the GPU worker's environment. Every bad or missing variable is listed in one
 * `ConfigError`, so a misconfigured deployment is fixed in one go. Empty values count as unset.
 */
export function readWorkerConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): WorkerConfig {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = WorkerEnvSchema.safeParse(set);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(environment)'}: ${i.message}`);
  const e = parsed.success ? parsed.data : undefined;
  const queueUrl = set[ENV.queueUrl];
  const region =
    set[ENV.awsRegion] ??
    set.AWS_DEFAULT_REGION ??
    (queueUrl === undefined ? undefined : regionOfQueueUrl(queueUrl));
  if (!region && !problems.some((p) => p.includes(ENV.awsRegion))) {
    problems.push(`  - ${ENV.awsRegion}: required (the queue URL names no region)`);
  }
  const bankTable = e?.[ENV.bankTable] ?? e?.[ENV.cacheTable];
  if (e?.[ENV.bankLocation] && !bankTable) {
    problems.push(`  - ${ENV.bankTable}: required with ${ENV.bankLocation} when ${ENV.cacheTable} is unset`);
  }
  if (!e || !region || problems.length > 0) {
    throw new ConfigError(`invalid GPU worker environment:\n${problems.join('\n')}`);
  }
  const healthFile = e[ENV.healthFile];
  const bankLocation = e[ENV.bankLocation];
  return {
    queueUrl: e[ENV.queueUrl],
    deadLetterQueueUrl: e[ENV.deadLetterQueueUrl],
    sqsEndpoint: e[ENV.sqsEndpoint],
    s3Endpoint: e[ENV.s3Endpoint],
    dynamoEndpoint: e[ENV.dynamoEndpoint],
    verdictTable: e[ENV.verdictTable],
    cacheTable: e[ENV.cacheTable],
    banks:
      bankLocation && bankTable
        ? { location: bankLocation, tableName: bankTable, refreshSec: e[ENV.bankRefreshSec] }
        : undefined,
    region,
    concurrency: e[ENV.workerConcurrency],
    visibilityTimeoutSec: e[ENV.visibilityTimeoutSec],
    pollWaitSec: e[ENV.pollWaitSec],
    drainTimeoutMs: e[ENV.drainTimeoutSec] * 1000,
    maxReceives: e[ENV.maxReceives],
    healthFile: healthFile === undefined ? undefined : resolve(cwd, healthFile),
    fileRoots: (e[ENV.fileRoots] ?? '')
      .split(delimiter)
      .filter((r) => r.trim() !== '')
      .map((r) => resolve(cwd, r)),
    stateDir: resolve(cwd, e[ENV.stateDir] ?? '.winnow'),
    policyFile: e[ENV.policyFile],
    logLevel: e[ENV.logLevel],
    executionProvider: e[ENV.executionProvider],
  };
}
