import { toErrorInfo } from '../core/errors';
import { createLogger } from '../core/logging/logger';
import { readWorkerConfig } from './config';
import { createGpuWorker } from './wiring';

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
  const worker = await createGpuWorker(config, logger);
  try {
    await worker.run({ signal: stop.signal });
  } finally {
    worker.close();
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
