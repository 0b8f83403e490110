/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsJobQueue } from '../../../adapters/aws';
import { FileUriResolver, openStateDir, type StateDir } from '../../../adapters/local';
import { createDefaultDetectors } from '../../../core/detectors/registry';
import { createLogger } from '../../../core/logging/logger';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { loadPolicy } from '../../../core/policy/load-policy';
import type { Verdict } from '../../../core/verdict/verdict';
import { createModerationJobHandler, jobLogFields } from '../../../core/worker/moderation-job-handler';
import { type QueueWorkerResult, runQueueWorker } from '../../../core/worker/queue-worker';
import { createTestQueues, type TestQueues, testSqsClient } from '../../setup/sqs-test-queues';
import { allVerdicts, drainVisible, jobFor, makeLongAudio, waitUntil } from './worker-harness';

// The worker core in this process, with real parts only: SqsJobQueue on fauxqs, the heavy-tier engine with the
// default detectors and policy, a SQLite verdict store and real files.
const client = testSqsClient();
const engine = new ModerationEngine({
  policy: loadPolicy(),
  tier: 'heavy',
  detectors: createDefaultDetectors(),
});
let work: string;
let items: string;
let longAudio: string | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'winnow-worker-'));
  items = join(work, 'items');
  mkdirSync(items);
  writeFileSync(join(items, 'insult.txt'), 'you are a worthless idiot, call me at +1 415 555 0134');
  writeFileSync(join(items, 'hello.txt'), 'hello, the meeting moved to three');
  longAudio = await makeLongAudio(items);
});
afterAll(() => {
  client.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('queue worker on SQS (in process)', () => {
  let queues: TestQueues;
  let queue: SqsJobQueue<unknown>;
  let state: StateDir;
  let logs: Record<string, unknown>[];
  beforeEach(async () => {
    queues = await createTestQueues(client, { maxReceives: 3, label: 'worker' });
    queue = new SqsJobQueue<unknown>({
      client,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
    });
    state = openStateDir(join(work, `state-${Math.random().toString(36).slice(2)}`));
    logs = [];
  });
  afterEach(async () => {
    state.close();
    await queues.delete();
  });

  /** Runs the worker until `expected` jobs are finished (verdict written, message deleted). */
  async function runUntil(
    expected: number,
    options: { concurrency?: number; visibilityTimeoutSec?: number; deadLettered?: number } = {},
  ): Promise<QueueWorkerResult & { peakInFlight: number }> {
    const stop = new AbortController();
    let done = 0;
    let running = 0;
    let peakInFlight = 0;
    const handler = createModerationJobHandler({
      engine,
      verdicts: state.verdicts,
      resolver: new FileUriResolver({ roots: [items] }),
      maxReceives: 3,
    });
    const logger = createLogger({ level: 'debug', sink: (l) => logs.push(JSON.parse(l)) });
    const settled = () => {
      if (
        done >= expected &&
        logs.filter((l) => l.msg === 'invalid message moved to the dead-letter queue').length >=
          (options.deadLettered ?? 0)
      ) {
        stop.abort();
      }
    };
    const timer = setInterval(settled, 50);
    try {
      const result = await runQueueWorker({
        queue,
        handler: async (message, ctx) => {
          peakInFlight = Math.max(peakInFlight, ++running);
          try {
            return await handler(message, ctx);
          } finally {
            running--;
          }
        },
        concurrency: options.concurrency ?? 2,
        visibilityTimeoutSec: options.visibilityTimeoutSec ?? 30,
        waitTimeSec: 1,
        drainTimeoutMs: 10_000,
        signal: stop.signal,
        logger,
        logFields: (m) => jobLogFields(m.body),
        onCompleted: () => {
          done++;
        },
      });
      return { ...result, peakInFlight };
    } finally {
      clearInterval(timer);
    }
  }

  it('(a) moderates a job, writes its verdict and deletes the message', async () => {
    const job = jobFor(join(items, 'insult.txt'), { reason: 'uncertain' });
    await queue.sendBatch([job]);
    const result = await runUntil(1);
    expect(result).toMatchObject({ processed: 1, failed: 0, deadLettered: 0, released: 0 });
    const verdict = (await state.verdicts.get(job.item.uri)) as Verdict;
    expect(verdict).toMatchObject({ tier: 'heavy', runId: job.traceId, policy: { id: 'default' } });
    expect(['review', 'block']).toContain(verdict.decision);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
    expect(await drainVisible(queue)).toEqual([]);
    const written = logs.find((l) => l.msg === 'verdict written');
    expect(written).toMatchObject({ traceId: job.traceId, receiveCount: 1, reason: 'uncertain' });
    expect(typeof written?.messageId).toBe('string');
    expect(JSON.stringify(logs)).not.toContain('worthless');
  });

  it('drains a batch of 60 small text jobs with at most `concurrency` in flight', async () => {
    const jobs = Array.from({ length: 60 }, (_, n) => {
      const file = join(items, `batch-${n}.txt`);
      writeFileSync(
        file,
        n % 3 === 0 ? `spam ${n}: you have won, claim your prize at bit.ly/x${n}` : `note ${n}`,
      );
      return jobFor(file);
    });
    await queue.sendBatch(jobs);
    const started = Date.now();
    const result = await runUntil(60, { concurrency: 4 });
    const seconds = (Date.now() - started) / 1000;
    expect(result.processed).toBe(60);
    expect(result.peakInFlight).toBe(4);
    const verdicts = await allVerdicts(state);
    expect(new Set(verdicts.map((v) => v.item.uri))).toEqual(new Set(jobs.map((j) => j.item.uri)));
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
    // Recorded for the report; the bound that matters is that nothing is lost or duplicated.
    expect(seconds).toBeLessThan(30);
  });

  it('(b) keeps a long job hidden past its visibility timeout: a second consumer never receives it', async () => {
    if (!longAudio) return;
    const job = jobFor(longAudio, { reason: 'media-audio' });
    await queue.sendBatch([job]);
    const started = Date.now();
    const working = runUntil(1, { visibilityTimeoutSec: 1 });
    // A second consumer polls the same queue from the moment the worker holds the job until it is done.
    await waitUntil(
      'the worker to receive the job',
      () => logs.find((l) => l.msg === 'job received'),
      10_000,
    );
    const other = new SqsJobQueue<unknown>({ client, queueUrl: queues.queueUrl });
    const stolen: unknown[] = [];
    let running = true;
    let rivalPolls = 0;
    const rival = (async () => {
      while (running) {
        const got = await other.receive({ max: 10, waitTimeSec: 1, visibilityTimeoutSec: 30 });
        rivalPolls++;
        stolen.push(...got.map((m) => m.body));
      }
    })();
    const result = await working;
    const elapsed = Date.now() - started;
    running = false;
    await rival;

    expect(result.processed).toBe(1);
    // The job outlived its 1 s visibility timeout twice over; only the heartbeat kept it hidden.
    const written = logs.find((l) => l.msg === 'verdict written');
    expect(written?.durationMs).toBeGreaterThan(2000);
    expect(elapsed).toBeGreaterThan(2000);
    expect(rivalPolls).toBeGreaterThanOrEqual(2);
    expect(stolen).toEqual([]);
    expect(await state.verdicts.get(job.item.uri)).toMatchObject({ item: { media: 'audio' }, tier: 'heavy' });
    expect((await state.verdicts.get(job.item.uri))?.decision).not.toBe('error');
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('(d) dead-letters poison messages with the reason logged, and keeps going', async () => {
    await client.send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: '{"schema": "winnow.job/v1", oops' }),
    );
    const wrongSchema = {
      ...jobFor(join(items, 'hello.txt')),
      reason: 'because',
      item: { uri: 'secret words' },
    };
    await queue.sendBatch([wrongSchema]);
    const good = jobFor(join(items, 'hello.txt'));
    await queue.sendBatch([good]);

    const result = await runUntil(1, { deadLettered: 2 });
    expect(result).toMatchObject({ processed: 1, deadLettered: 2, failed: 0 });
    expect((await state.verdicts.get(good.item.uri))?.decision).toBe('allow');

    const dead = await drainVisible(queue.deadLetter as SqsJobQueue<unknown>);
    expect(dead).toHaveLength(2);
    expect(dead).toContainEqual(wrongSchema);
    expect(dead).toContainEqual(expect.objectContaining({ raw: '{"schema": "winnow.job/v1", oops' }));
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });

    const reasons = logs
      .filter((l) => l.msg === 'invalid message moved to the dead-letter queue')
      .map((l) => String(l.reason));
    expect(reasons).toHaveLength(2);
    expect(reasons).toContainEqual(expect.stringMatching(/^body is not valid JSON/));
    expect(reasons).toContainEqual(expect.stringMatching(/item\.uri: .*; reason: /));
    expect(JSON.stringify(logs)).not.toContain('secret words');
    expect(JSON.stringify(logs)).not.toContain('oops');
  });

  it('writes an error verdict (and deletes the job) for an item it may not read', async () => {
    const outside = join(work, 'outside.txt');
    writeFileSync(outside, 'not for the worker');
    const job = jobFor(outside);
    await queue.sendBatch([job]);
    await runUntil(1);
    expect(await state.verdicts.get(pathToFileURL(outside).href)).toMatchObject({
      decision: 'error',
      error: { code: 'unreadable', retryable: false },
    });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
  });
});
