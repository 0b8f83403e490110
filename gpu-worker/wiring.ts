import {
  CompositeItemResolver,
  createDynamoClient,
  createS3Client,
  createSqsClient,
  DynamoContentCache,
  DynamoVerdictStore,
  S3DynamoHashBankStore,
  S3ItemResolver,
  SqsJobQueue,
} from '../adapters/aws';
import { FileUriResolver, openStateDir, type StateDir } from '../adapters/local';
import { BankMatcher } from '../core/banks/bank-matcher';
import { createDefaultDetectors, HEAVY_IMAGE_MODEL } from '../core/detectors/registry';
import type { Logger } from '../core/logging/logger';
import { ModelRegistry } from '../core/models/model-registry';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';
import type { ContentCache } from '../core/ports/content-cache';
import type { HashBankStore } from '../core/ports/hash-bank-store';
import type { ItemResolver } from '../core/ports/item-resolver';
import type { VerdictStore } from '../core/ports/verdict-store';
import { createModerationJobHandler, jobLogFields } from '../core/worker/moderation-job-handler';
import { type QueueWorkerResult, runQueueWorker } from '../core/worker/queue-worker';
import type { WorkerConfig } from './config';

/** Where the worker reads items and keeps verdicts and cached results. */
export interface WorkerStorage {
  readonly verdicts: VerdictStore;
  /** Unset: every item is scored. */
  readonly cache?: ContentCache;
  /** `file://` (inside the configured roots) and `s3://` items. */
  readonly resolver: ItemResolver;
  /** The hash banks (S3 + DynamoDB) when configured. */
  readonly banks?: HashBankStore;
  /** What backs each part, for the start log line. */
  readonly backends: {
    readonly verdicts: 'dynamodb' | 'sqlite';
    readonly cache: 'dynamodb' | 'sqlite' | 'none';
  };
  /** Closes the clients and the state dir. Idempotent. */
  close(): void;
}

/**
 * The worker's storage from its configuration:
 *
 * - verdicts: the DynamoDB verdict table when `WINNOW_VERDICT_TABLE` is set, else the SQLite store of the state dir;
 * - content cache: the DynamoDB cache table when `WINNOW_CACHE_TABLE` is set, else the state dir's SQLite cache when
 *   verdicts are local, else none (a container's local disk is not worth caching on);
 * - items: `file://` URIs inside `WINNOW_FILE_ROOTS` and `s3://` URIs (any bucket the credentials can read), through
 *   one resolver that dispatches by scheme;
 * - hash banks: the S3 + DynamoDB bank store when `WINNOW_BANK_LOCATION` is set, else none.
 *
 * The state dir is opened only when something is kept in it. Nothing here talks to AWS yet: the SDK clients connect
 * on first use.
 */
export function createWorkerStorage(config: WorkerConfig): WorkerStorage {
  const s3 = createS3Client({ region: config.region, endpoint: config.s3Endpoint });
  const dynamo =
    config.verdictTable || config.cacheTable || config.banks
      ? createDynamoClient({ region: config.region, endpoint: config.dynamoEndpoint })
      : undefined;
  let state: StateDir | undefined;
  try {
    if (!config.verdictTable) state = openStateDir(config.stateDir);
  } catch (err) {
    s3.destroy();
    dynamo?.destroy();
    throw err;
  }
  const verdicts: VerdictStore =
    config.verdictTable && dynamo
      ? new DynamoVerdictStore({ client: dynamo, tableName: config.verdictTable })
      : (state as StateDir).verdicts;
  const cache: ContentCache | undefined =
    config.cacheTable && dynamo
      ? new DynamoContentCache({ client: dynamo, tableName: config.cacheTable })
      : state?.cache;
  let closed = false;
  return {
    verdicts,
    cache,
    resolver: new CompositeItemResolver({
      file: new FileUriResolver({ roots: config.fileRoots }),
      s3: new S3ItemResolver({ client: s3 }),
    }),
    ...(config.banks && dynamo
      ? {
          banks: new S3DynamoHashBankStore({
            s3,
            bucket: config.banks.location.bucket,
            ...(config.banks.location.prefix ? { prefix: config.banks.location.prefix } : {}),
            dynamo,
            tableName: config.banks.tableName,
          }),
        }
      : {}),
    backends: {
      verdicts: config.verdictTable ? 'dynamodb' : 'sqlite',
      cache: config.cacheTable ? 'dynamodb' : state ? 'sqlite' : 'none',
    },
    close() {
      if (closed) return;
      closed = true;
      s3.destroy();
      dynamo?.destroy();
      state?.close();
    },
  };
}

/** What {@link GpuWorker.run} takes besides the configuration. */
export interface GpuWorkerRunOptions {
  /** Stops the worker: no more receives, then the drain. */
  readonly signal?: AbortSignal;
  /** Asked after an empty receive; `true` stops the worker (tests stop it once the queue is drained). */
  readonly shouldStop?: () => boolean | Promise<boolean>;
}

/** A GPU worker, built and warmed up, ready to consume its queue. */
export interface GpuWorker {
  readonly engine: ModerationEngine;
  readonly storage: WorkerStorage;
  readonly queue: SqsJobQueue<unknown>;
  /** The receive on which a retryable failure becomes an `error` verdict. */
  readonly maxReceives: number;
  /** Consumes the queue until `signal` aborts (or `shouldStop` says so), then drains. */
  run(options?: GpuWorkerRunOptions): Promise<QueueWorkerResult>;
  /** Closes the SDK clients and the state dir. Idempotent. */
  close(): void;
}

/**
 * Builds the GPU worker from its configuration: the storage ({@link createWorkerStorage}), the heavy-tier engine
 * with the default detectors (models loaded and warmed up), and the SQS queue with its dead-letter queue.
 * `maxReceives` comes from the configuration, else the queue's redrive policy, else 3. On failure everything built
 * so far is closed again.
 */
export async function createGpuWorker(config: WorkerConfig, logger: Logger): Promise<GpuWorker> {
  const storage = createWorkerStorage(config);
  const sqs = createSqsClient({ region: config.region, endpoint: config.sqsEndpoint });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    sqs.destroy();
    storage.close();
  };
  try {
    const registry = new ModelRegistry({ executionProvider: config.executionProvider, logger });
    const engine = new ModerationEngine({
      policy: loadPolicy(config.policyFile),
      tier: 'heavy',
      detectors: createDefaultDetectors(registry, {
        banks: storage.banks
          ? new BankMatcher(storage.banks, { refreshIntervalMs: (config.banks?.refreshSec ?? 60) * 1000 })
          : undefined,
      }),
      cache: storage.cache,
      logger,
    });
    await engine.warmUp();
    // The registry falls back from CUDA to CPU per model (and warns); report what the heavy image model got.
    const effective = await registry.load(HEAVY_IMAGE_MODEL).then(
      (m) => m.executionProvider,
      () => 'unavailable',
    );
    logger.info('execution provider', { requested: config.executionProvider, heavyImageModel: effective });
    const queue = new SqsJobQueue<unknown>({
      client: sqs,
      queueUrl: config.queueUrl,
      deadLetterQueueUrl: config.deadLetterQueueUrl,
      visibilityTimeoutSec: config.visibilityTimeoutSec,
    });
    const maxReceives = config.maxReceives ?? (await queue.maxReceiveCount()) ?? 3;
    logger.info('storage', {
      verdicts: storage.backends.verdicts,
      cache: storage.backends.cache,
      ...(config.verdictTable ? { verdictTable: config.verdictTable } : {}),
      ...(config.cacheTable ? { cacheTable: config.cacheTable } : {}),
      banks: config.banks ? 's3+dynamodb' : 'none',
    });
    const handler = createModerationJobHandler({
      engine,
      verdicts: storage.verdicts,
      resolver: storage.resolver,
      maxReceives,
      // Verdict writes are conditional, so a retry after a lost response is harmless.
      retry: { tries: 3, baseDelayMs: 200 },
    });
    return {
      engine,
      storage,
      queue,
      maxReceives,
      run: (options = {}) =>
        runQueueWorker({
          queue,
          handler,
          concurrency: config.concurrency,
          visibilityTimeoutSec: config.visibilityTimeoutSec,
          waitTimeSec: config.pollWaitSec,
          drainTimeoutMs: config.drainTimeoutMs,
          signal: options.signal,
          shouldStop: options.shouldStop,
          logger: logger.child({ policyVersion: engine.policy.version, maxReceives }),
          logFields: (message) => jobLogFields(message.body),
          healthFile: config.healthFile,
        }),
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}
