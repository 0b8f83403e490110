import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsJobQueue } from '../../adapters/aws';
import { atScale, STRESS } from '../helpers/stress-scale';
import { createTestQueues, type TestQueues, testSqsClient } from '../setup/sqs-test-queues';
import { check, fillQueue, runRawConsumers, runWorkers } from './load-run';

// Load through the emulated SQS queue (the shared fauxqs): M messages drained by N real queue workers
// (core/worker/queue-worker over adapters/aws/sqs-job-queue), each handler recording its message's number, so loss
// and duplicates are counted exactly. The same drain with bare SDK calls, in the same process, is the baseline for
// the per-message overhead of the worker. Figures are printed only: timings on a shared machine are no test.

const MESSAGES = atScale(1500, 10_000);
const WORKER_COUNTS = atScale([2], [1, 2, 4]);
/** Messages in flight per worker. */
const CONCURRENCY = 16;
const VISIBILITY_SEC = 30;

jest.setTimeout(atScale(120_000, 900_000));

const clients: SQSClient[] = [];
afterAll(() => {
  for (const c of clients) c.destroy();
});

function clientsFor(n: number): SQSClient[] {
  const made = Array.from({ length: n }, () => testSqsClient());
  clients.push(...made);
  return made;
}

describe(`load: ${MESSAGES} messages through the emulated SQS queue${STRESS ? ' (full scale)' : ''}`, () => {
  let queues: TestQueues | undefined;
  afterEach(async () => {
    await queues?.delete();
    queues = undefined;
  });

  it.each(WORKER_COUNTS)('%i worker(s): every message handled exactly once, none lost', async (workers) => {
    const [admin] = clientsFor(1) as [SQSClient];
    queues = await createTestQueues(admin, {
      maxReceives: 5,
      visibilityTimeoutSec: VISIBILITY_SEC,
      label: 'load',
    });
    const q = queues;

    // Baseline: bare SDK receive and delete, the same in-flight bound.
    const rawFillMs = await fillQueue(admin, q.queueUrl, MESSAGES);
    const raw = await runRawConsumers({
      clients: clientsFor(workers),
      queueUrl: q.queueUrl,
      total: MESSAGES,
      lanesPerClient: Math.ceil(CONCURRENCY / 10),
      visibilityTimeoutSec: VISIBILITY_SEC,
    });
    const rawCheck = check(raw.tally, MESSAGES);
    expect(rawCheck.missing).toEqual([]);

    // The queue workers.
    const fillMs = await fillQueue(admin, q.queueUrl, MESSAGES);
    const run = await runWorkers({
      clients: clientsFor(workers),
      queueUrl: q.queueUrl,
      deadLetterQueueUrl: q.deadLetterQueueUrl,
      total: MESSAGES,
      concurrency: CONCURRENCY,
      visibilityTimeoutSec: VISIBILITY_SEC,
    });
    const result = check(run.tally, MESSAGES);
    expect(result.missing).toEqual([]);
    expect(result.duplicates).toEqual([]);
    expect(result.handled).toBe(MESSAGES);
    expect(run.processed).toBe(MESSAGES);
    expect(run.failed).toBe(0);
    // Nothing left behind: no message visible or in flight, none dead-lettered.
    const main = new SqsJobQueue({ client: admin, queueUrl: q.queueUrl });
    const dlq = new SqsJobQueue({ client: admin, queueUrl: q.deadLetterQueueUrl });
    expect(await main.depth()).toEqual({ visible: 0, inFlight: 0 });
    expect(await dlq.depth()).toEqual({ visible: 0, inFlight: 0 });

    // The consumer's own cost is its CPU time per message (the emulator runs in another process); wall time on a
    // shared 2-core machine mostly measures the emulator.
    const overheadUs = run.cpuMicrosPerMessage - raw.cpuMicrosPerMessage;
    console.log(
      `load: ${MESSAGES} messages, ${workers} worker(s) x ${CONCURRENCY} in flight: ` +
        `queue workers ${run.perSecond.toFixed(0)} msg/s (${run.elapsedMs.toFixed(0)} ms, ` +
        `${run.cpuMicrosPerMessage.toFixed(0)} us CPU/message); ` +
        `bare SDK ${raw.perSecond.toFixed(0)} msg/s (${raw.elapsedMs.toFixed(0)} ms, ` +
        `${raw.cpuMicrosPerMessage.toFixed(0)} us CPU/message); ` +
        `worker overhead ${overheadUs.toFixed(0)} us CPU/message; ` +
        `send ${((MESSAGES * 1000) / fillMs).toFixed(0)} msg/s (baseline fill ${((MESSAGES * 1000) / rawFillMs).toFixed(0)} msg/s); ` +
        `lost 0, duplicated 0`,
    );
  });
});
