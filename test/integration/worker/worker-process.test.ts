import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqsJobQueue } from '../../../adapters/aws';
import { openStateDir } from '../../../adapters/local';
import { createTestQueues, type TestQueues, testSqsClient } from '../../setup/sqs-test-queues';
import {
  allVerdicts,
  drainVisible,
  jobFor,
  makeLongAudio,
  WORKER_MAIN,
  WorkerProcess,
} from './worker-harness';

const HEALTHCHECK = join(WORKER_MAIN, '..', 'healthcheck.js');

// The GPU worker as it runs in production: `node dist/gpu-worker/main.js` (built by `npm run build`), configured
// by environment, consuming SQS (fauxqs), writing to a SQLite state dir. Killed and stopped by real signals.
const client = testSqsClient();
let work: string;
let items: string;
let longAudio: string | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'winnow-worker-proc-'));
  items = join(work, 'items');
  mkdirSync(items);
  writeFileSync(join(items, 'hello.txt'), 'hello, the meeting moved to three');
  longAudio = await makeLongAudio(items);
});
afterAll(() => {
  for (const w of workers) w.kill('SIGKILL');
  client.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('GPU worker process', () => {
  let queues: TestQueues;
  let queue: SqsJobQueue<unknown>;
  let stateDir: string;
  beforeEach(async () => {
    queues = await createTestQueues(client, { maxReceives: 5, label: 'gpu' });
    queue = new SqsJobQueue<unknown>({ client, queueUrl: queues.queueUrl });
    stateDir = join(work, `state-${Math.random().toString(36).slice(2)}`);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    await queues.delete();
  });

  const start = (env: Record<string, string> = {}): WorkerProcess => {
    const w = new WorkerProcess({
      WINNOW_QUEUE_URL: queues.queueUrl,
      WINNOW_DLQ_URL: queues.deadLetterQueueUrl,
      WINNOW_STATE_DIR: stateDir,
      WINNOW_FILE_ROOTS: items,
      WINNOW_HEALTH_FILE: join(stateDir, 'health.json'),
      ...env,
    });
    workers.push(w);
    return w;
  };
  const runHealthcheck = () =>
    spawnSync(process.execPath, [HEALTHCHECK], {
      env: { ...process.env, WINNOW_HEALTH_FILE: join(stateDir, 'health.json') },
      encoding: 'utf8',
    });
  const verdicts = async () => {
    const state = openStateDir(stateDir);
    try {
      return await allVerdicts(state);
    } finally {
      state.close();
    }
  };

  it('(c) a job whose worker is killed mid-job is redelivered after the visibility timeout and gets exactly one verdict', async () => {
    if (!longAudio) return;
    // Two workers, so the survivor is already polling when the other dies; each holds one job at a time.
    const env = { WINNOW_VISIBILITY_TIMEOUT_SEC: '2', WINNOW_WORKER_CONCURRENCY: '1' };
    const a = start(env);
    const b = start(env);
    await Promise.all([a.waitForLog('worker started', 30_000), b.waitForLog('worker started', 30_000)]);
    const job = jobFor(longAudio, { reason: 'media-audio' });
    await queue.sendBatch([job]);
    await Promise.race([a.waitForLog('job received'), b.waitForLog('job received')]);
    const [victim, survivor] = a.logs('job received').length > 0 ? [a, b] : [b, a];
    await new Promise((r) => setTimeout(r, 500));
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await victim.exited).signal).toBe('SIGKILL');
    expect(await verdicts()).toEqual([]);

    const redelivered = await survivor.waitForLog('job received', 20_000);
    expect(redelivered.receiveCount).toBe(2);
    expect(redelivered.traceId).toBe(job.traceId);
    // Not before the dead worker's last heartbeat ran out (visibility 2 s).
    expect(Date.now() - killedAt).toBeGreaterThan(1000);
    await survivor.waitForLog('verdict written', 30_000, { traceId: job.traceId });

    const all = await verdicts();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ item: { uri: job.item.uri, media: 'audio' }, runId: job.traceId });
    expect(all[0]?.decision).not.toBe('error');
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('(e) on SIGTERM stops receiving, finishes the in-flight job within the drain timeout and exits 0', async () => {
    if (!longAudio) return;
    const w = start({ WINNOW_DRAIN_TIMEOUT_SEC: '60', WINNOW_WORKER_CONCURRENCY: '1' });
    await w.waitForLog('worker started', 30_000);
    const long = jobFor(longAudio, { reason: 'media-audio' });
    await queue.sendBatch([long]);
    await w.waitForLog('job received');
    const healthy = runHealthcheck();
    expect(healthy.status).toBe(0);
    expect(healthy.stdout).toMatch(/^healthy: running, 1 in flight/);
    // Queued behind the long job: the only slot is busy, and then the worker is draining.
    const waiting = jobFor(join(items, 'hello.txt'));
    await queue.sendBatch([waiting]);
    w.kill('SIGTERM');
    const signalled = Date.now();
    const exit = await w.exited;
    const drainMs = Date.now() - signalled;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(drainMs).toBeLessThan(60_000);
    expect(w.logs('stop requested; draining')).toHaveLength(1);
    expect(w.logs('job received')).toHaveLength(1);
    expect(w.logs('verdict written')).toMatchObject([{ traceId: long.traceId }]);
    expect(w.logs('worker stopped')).toMatchObject([{ processed: 1, released: 0 }]);
    expect(await verdicts()).toMatchObject([{ item: { uri: long.item.uri } }]);
    expect(runHealthcheck()).toMatchObject({ status: 1, stdout: 'unhealthy: the worker has stopped\n' });
    // Nothing lost: the waiting job is still queued, never received.
    const left = await queue.receive({ max: 10, waitTimeSec: 1, visibilityTimeoutSec: 30 });
    expect(left.map((m) => [m.body, m.receiveCount])).toEqual([[waiting, 1]]);
  });

  it('(e) past the drain timeout hands the unfinished job back at once and exits 0', async () => {
    if (!longAudio) return;
    const w = start({ WINNOW_DRAIN_TIMEOUT_SEC: '1', WINNOW_VISIBILITY_TIMEOUT_SEC: '60' });
    await w.waitForLog('worker started', 30_000);
    const long = jobFor(longAudio, { reason: 'media-audio' });
    await queue.sendBatch([long]);
    await w.waitForLog('job received');
    w.kill('SIGTERM');
    const signalled = Date.now();
    const exit = await w.exited;
    const drainMs = Date.now() - signalled;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(drainMs).toBeLessThan(5000);
    expect(w.logs('worker stopped')).toMatchObject([{ processed: 0, released: 1 }]);
    expect(await verdicts()).toEqual([]);
    // Handed back with visibility 0: receivable now, not after the 60 s visibility timeout.
    const [again] = await queue.receive({ max: 1, waitTimeSec: 2, visibilityTimeoutSec: 30 });
    expect(again?.body).toEqual(long);
    expect(again?.receiveCount).toBe(2);
  });

  it('starts with a clear error listing every bad variable', async () => {
    const w = start({
      WINNOW_QUEUE_URL: 'not a url',
      WINNOW_WORKER_CONCURRENCY: 'many',
      WINNOW_DRAIN_TIMEOUT_SEC: '-1',
    });
    const exit = await w.exited;
    expect(exit.code).toBe(1);
    const failure = w.logs('worker failed')[0] as { error: { code: string; message: string } };
    expect(failure.error.code).toBe('invalid-config');
    for (const name of ['WINNOW_QUEUE_URL', 'WINNOW_WORKER_CONCURRENCY', 'WINNOW_DRAIN_TIMEOUT_SEC']) {
      expect(failure.error.message).toContain(name);
    }
    expect(await drainVisible(queue)).toEqual([]);
  });
});
