import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CompositeItemResolver,
  createDynamoClient,
  createS3Client,
  createSqsClient,
  DynamoContentCache,
  DynamoVerdictStore,
  S3DynamoHashBankStore,
  S3ItemResolver,
  S3ObjectStore,
  SqsJobQueue,
} from '../adapters/aws';
import { BankMatcher } from '../core/banks/bank-matcher';
import { ENV } from '../core/config/env-names';
import { createCostModel } from '../core/cost/measured-cost-model';
import { createDefaultDetectors } from '../core/detectors/registry';
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/logging/logger';
import { ModelRegistry } from '../core/models/model-registry';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';
import type { Policy } from '../core/policy/policy';
import type { ObjectStore } from '../core/ports/object-store';
import { FastTier } from '../core/serverless/fast-tier';
import { partitionOf } from '../core/serverless/s3-location';
import type { JobMessage } from '../core/worker/job-message';
import { AwsActionTarget } from './aws-action-target';
import type { BackfillRuntime } from './backfill-batch-handler';
import {
  type BankConfig,
  readActionConfig,
  readBackfillConfig,
  readModerationConfig,
  readSweepConfig,
} from './config';
import { DynamoCostLedger } from './dynamodb-cost-ledger';
import { EventBridgeChangePublisher } from './eventbridge-change-publisher';
import { createTelemetry } from './observability';
import type { ActionRuntime, ModerationRuntime } from './runtime';
import type { SweepRuntime } from './sweep-handler';

/**
 * Builds each function's runtime once per container (module scope, on first use): the configuration read from the
 * environment, the AWS SDK clients and adapters, the policy, the detectors with their models loaded, Powertools
 * logging and metrics. The only module of `functions/` that names AWS adapter classes, so the handlers can be
 * tested with stubs. A build that fails (bad configuration) is not kept: the next invocation tries again and
 * fails with the same clear error.
 */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    if (!built) {
      const attempt = build();
      built = attempt;
      attempt.catch(() => {
        if (built === attempt) built = undefined;
      });
    }
    return built;
  };
}

/** Store and queue calls a function retries itself before leaving the record to a redelivery. */
const STORE_RETRY = { tries: 3, baseDelayMs: 200 } as const;

const moderation = {
  upload: once(() => buildModeration('upload')),
  'fast-queue': once(() => buildModeration('fast-queue')),
};

export function moderationRuntime(role: 'upload' | 'fast-queue'): Promise<ModerationRuntime> {
  return moderation[role]();
}

export const actionRuntime: () => Promise<ActionRuntime> = once(() => buildAction());
export const backfillRuntime: () => Promise<BackfillRuntime> = once(() => buildBackfill());
export const sweepRuntime: () => Promise<SweepRuntime> = once(() => buildSweep());

async function buildModeration(role: 'upload' | 'fast-queue'): Promise<ModerationRuntime> {
  const config = readModerationConfig(role);
  const telemetry = createTelemetry({ service: `winnow-${role}`, level: config.logLevel });
  const { logger } = telemetry;
  const s3 = createS3Client({ region: config.region, endpoint: config.endpoints.s3 });
  const dynamo = createDynamoClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  const sqs = createSqsClient({ region: config.region, endpoint: config.endpoints.sqs });
  const policy = loadPolicy(config.policyFile);
  const engine = fastTierEngine(config, policy, s3, dynamo, logger);
  const started = performance.now();
  await engine.warmUp();
  logger.info('fast tier ready', {
    policyId: policy.id,
    policyVersion: policy.version,
    detectorsFingerprint: engine.fingerprint,
    warmUpMs: Math.round(performance.now() - started),
  });
  const stores = new Map<string, ObjectStore>();
  const objects = (bucket: string): ObjectStore => {
    let store = stores.get(bucket);
    if (!store) {
      store = new S3ObjectStore({ client: s3, bucket });
      stores.set(bucket, store);
    }
    return store;
  };
  return {
    telemetry,
    fastTier: new FastTier({
      engine,
      verdicts: new DynamoVerdictStore({ client: dynamo, tableName: config.verdictTable }),
      heavyQueue: new SqsJobQueue<JobMessage>({ client: sqs, queueUrl: config.heavyQueueUrl }),
      objects,
      skip: config.quarantine ? [config.quarantine] : [],
      metrics: telemetry.metrics,
      logger,
      retry: STORE_RETRY,
    }),
  };
}

/** The hash banks in S3 + DynamoDB, when configured; a warm container re-checks their versions every `refreshSec`. */
function bankMatcher(
  banks: BankConfig | undefined,
  s3: S3Client,
  dynamo: DynamoDBClient,
): BankMatcher | undefined {
  if (!banks) return undefined;
  const store = new S3DynamoHashBankStore({
    s3,
    bucket: banks.location.bucket,
    ...(banks.location.prefix ? { prefix: banks.location.prefix } : {}),
    dynamo,
    tableName: banks.tableName,
  });
  return new BankMatcher(store, { refreshIntervalMs: banks.refreshSec * 1000 });
}

async function buildAction(): Promise<ActionRuntime> {
  const config = readActionConfig();
  const telemetry = createTelemetry({ service: 'winnow-action', level: config.logLevel });
  const policy = loadPolicy(config.policyFile);
  const quarantines = policy.categories.some((c) =>
    [...c.actions.review, ...c.actions.block].includes('quarantine'),
  );
  if (quarantines && !config.quarantine) {
    throw new ConfigError(
      `invalid environment for the Winnow action function:\n  - ${ENV.quarantineLocation}: required, ` +
        `policy ${policy.id} ${policy.version} uses the quarantine action`,
    );
  }
  return {
    telemetry,
    target: new AwsActionTarget({
      s3: createS3Client({ region: config.region, endpoint: config.endpoints.s3 }),
      events: new EventBridgeClient({
        region: config.region,
        ...(config.endpoints.events ? { endpoint: config.endpoints.events } : {}),
      }),
      eventBusName: config.eventBusName,
    }),
    options: {
      marker: config.statusMarker,
      quarantine: config.quarantine,
      partition: partitionOf(config.region),
      retry: { tries: 3, baseDelayMs: 200 },
    },
  };
}

async function buildBackfill(): Promise<BackfillRuntime> {
  const config = readBackfillConfig();
  const telemetry = createTelemetry({ service: 'winnow-backfill', level: config.logLevel });
  const dynamo = createDynamoClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  const sqs = createSqsClient({ region: config.region, endpoint: config.endpoints.sqs });
  const policy = loadPolicy(config.policyFile);
  const costModel = createCostModel();
  telemetry.logger.info('backfill ready', {
    policyId: policy.id,
    policyVersion: policy.version,
    pricesVersion: costModel.pricesVersion,
  });
  return {
    telemetry,
    deps: {
      verdicts: new DynamoVerdictStore({ client: dynamo, tableName: config.verdictTable }),
      fastQueue: new SqsJobQueue<JobMessage>({ client: sqs, queueUrl: config.fastQueueUrl }),
      heavyQueue: new SqsJobQueue<JobMessage>({ client: sqs, queueUrl: config.heavyQueueUrl }),
      policy: { id: policy.id, version: policy.version },
      costModel,
      ledger: new DynamoCostLedger({ client: dynamo, tableName: config.cacheTable }),
    },
  };
}

async function buildSweep(): Promise<SweepRuntime> {
  const config = readSweepConfig();
  const telemetry = createTelemetry({ service: 'winnow-sweep', level: config.logLevel });
  const { logger } = telemetry;
  const s3 = createS3Client({ region: config.region, endpoint: config.endpoints.s3 });
  const dynamo = createDynamoClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  const sqs = createSqsClient({ region: config.region, endpoint: config.endpoints.sqs });
  const policy = loadPolicy(config.policyFile);
  const engine = fastTierEngine(config, policy, s3, dynamo, logger);
  const started = performance.now();
  await engine.warmUp();
  const costModel = createCostModel();
  logger.info('sweep ready', {
    policyId: policy.id,
    policyVersion: policy.version,
    detectorsFingerprint: engine.fingerprint,
    pricesVersion: costModel.pricesVersion,
    warmUpMs: Math.round(performance.now() - started),
  });
  return {
    telemetry,
    verdicts: new DynamoVerdictStore({ client: dynamo, tableName: config.verdictTable }),
    engine,
    // Which buckets may be read is the function's IAM policy's to say (the sweeps' buckets and prefixes).
    resolver: new CompositeItemResolver({ s3: new S3ItemResolver({ client: s3 }) }),
    heavyQueue: new SqsJobQueue<JobMessage>({ client: sqs, queueUrl: config.heavyQueueUrl }),
    changes: new EventBridgeChangePublisher({
      events: new EventBridgeClient({
        region: config.region,
        ...(config.endpoints.events ? { endpoint: config.endpoints.events } : {}),
      }),
      eventBusName: config.eventBusName,
    }),
    costModel,
    partition: partitionOf(config.region),
  };
}

/** The fast-tier engine the upload, fast-queue and sweep functions share, so a sweep decides as they do. */
function fastTierEngine(
  config: Pick<ReturnType<typeof readModerationConfig>, 'executionProvider' | 'banks' | 'cacheTable'>,
  policy: Policy,
  s3: ReturnType<typeof createS3Client>,
  dynamo: ReturnType<typeof createDynamoClient>,
  logger: Logger,
): ModerationEngine {
  return new ModerationEngine({
    policy,
    tier: 'fast',
    detectors: createDefaultDetectors(
      new ModelRegistry({ executionProvider: config.executionProvider, logger }),
      { banks: bankMatcher(config.banks, s3, dynamo) },
    ),
    cache: config.cacheTable
      ? new DynamoContentCache({ client: dynamo, tableName: config.cacheTable })
      : undefined,
    logger,
  });
}
