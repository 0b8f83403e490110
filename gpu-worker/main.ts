import { createSqsClient, SqsJobQueue } from '../adapters/aws';
import { FileUriResolver, openStateDir } from '../adapters/local';
import { createDefaultDetectors, HEAVY_IMAGE_MODEL } from '../core/detectors/registry';
import { toErrorInfo } from '../core/errors';
import { createLogger } from '../core/logging/logger';
import { ModelRegistry } from '../core/models/model-registry';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';
import { createModerationJobHandler, jobLogFields } from '../core/worker/moderation-job-handler';
import { runQueueWorker } from '../core/worker/queue-worker';
import { readWorkerConfig } from './config';

/** The GPU worker: consumes `winnow.job/v1` messages from SQS with the heavy tier until SIGTERM, then drains. */
async function main(): Promise<void> {
  const config = readWorkerConfig();
  const logger = createLogger({ level: config.logLevel, base: { service: 'winnow-gpu-worker' } });
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info('stop requested; draining', { signal, drainTimeoutMs: config.drainTimeoutMs });
      stop.abort();
    });
  }
  const state = openStateDir(config.stateDir);
  const client = createSqsClient({ region: config.region, endpoint: config.sqsEndpoint });
  try {
    const registry = new ModelRegistry({ executionProvider: config.executionProvider, logger });
    const engine = new ModerationEngine({
      policy: loadPolicy(config.policyFile),
      tier: 'heavy',
      detectors: createDefaultDetectors(registry),
      cache: state.cache,
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
      client,
      queueUrl: config.queueUrl,
      deadLetterQueueUrl: config.deadLetterQueueUrl,
      visibilityTimeoutSec: config.visibilityTimeoutSec,
    });
    const maxReceives = config.maxReceives ?? (await queue.maxReceiveCount()) ?? 3;
    await runQueueWorker({
      queue,
      handler: createModerationJobHandler({
        engine,
        verdicts: state.verdicts,
        resolver: new FileUriResolver({ roots: config.fileRoots }),
        maxReceives,
      }),
      concurrency: config.concurrency,
      visibilityTimeoutSec: config.visibilityTimeoutSec,
      waitTimeSec: config.pollWaitSec,
      drainTimeoutMs: config.drainTimeoutMs,
      signal: stop.signal,
      logger: logger.child({ policyVersion: engine.policy.version, maxReceives }),
      logFields: (message) => jobLogFields(message.body),
      healthFile: config.healthFile,
    });
  } finally {
    client.destroy();
    state.close();
  }
}

main().then(
  // Exit at once: a job handed back at the drain deadline may still be running, and must not hold the process.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'worker failed', error: toErrorInfo(err) })}\n`,
    );
    process.exit(1);
  },
);
