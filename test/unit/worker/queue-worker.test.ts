import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientStoreError, UnsupportedMediaError } from '../../../core/errors';
import { createLogger, type Logger } from '../../../core/logging/logger';
import type { JobQueue, QueueDepth, ReceivedMessage, ReceiveOptions } from '../../../core/ports/job-queue';
import { checkHealth, type WorkerHealth } from '../../../core/worker/health-file';
import { type QueueWorkerOptions, runQueueWorker } from '../../../core/worker/queue-worker';
import { InvalidMessageError, JobReleasedError, RetryLaterError } from '../../../core/worker/worker-errors';

/** An in-memory queue that records every call, for driving the worker through edge cases. */
class StubQueue<T> implements JobQueue<T> {
  readonly calls: string[] = [];
  readonly maxAsked: number[] = [];
  readonly extended: { receipt: string; seconds: number }[] = [];
  readonly deleted: string[] = [];
  readonly sent: T[] = [];
  deadLetter?: StubQueue<T>;
  /** Failures to throw from the next receives, in order. */
  receiveErrors: Error[] = [];
  /** Makes `receive` wait this long before answering (a long poll). */
  receiveDelayMs = 0;
  private pending: T[] = [];
  private n = 0;

  constructor(bodies: T[] = [], withDeadLetter = true) {
    this.pending = [...bodies];
    if (withDeadLetter) this.deadLetter = new StubQueue<T>([], false);
  }

  async sendBatch(bodies: readonly T[]): Promise<void> {
    this.sent.push(...bodies);
    this.pending.push(...bodies);
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<T>[]> {
    this.calls.push('receive');
    const err = this.receiveErrors.shift();
    if (err) throw err;
    if (this.receiveDelayMs > 0) await sleep(this.receiveDelayMs);
    const max = options.max ?? 1;
    this.maxAsked.push(max);
    return this.pending.splice(0, max).map((body) => {
      this.n++;
      return { id: `m${this.n}`, receipt: `r${this.n}`, body, receiveCount: 1 };
    });
  }

  async extendVisibility(receipt: string, seconds: number): Promise<void> {
    this.calls.push(`extend ${receipt} ${seconds}`);
    this.extended.push({ receipt, seconds });
  }

  async delete(receipt: string): Promise<void> {
    this.calls.push(`delete ${receipt}`);
    this.deleted.push(receipt);
  }

  async depth(): Promise<QueueDepth> {
    return { visible: this.pending.length, inFlight: 0 };
  }

  get size(): number {
    return this.pending.length;
  }
}

function captureLogs(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  return {
    logger: createLogger({ level: 'debug', sink: (l) => out.push(l) }),
    lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Runs a worker that stops once the stub queue is empty and nothing is in flight. */
function runUntilEmpty<T, R>(
  queue: StubQueue<T>,
  options: Partial<QueueWorkerOptions<T, R>> & Pick<QueueWorkerOptions<T, R>, 'handler'>,
) {
  return runQueueWorker<T, R>({
    queue,
    concurrency: 2,
    visibilityTimeoutSec: 30,
    waitTimeSec: 0,
    shouldStop: () => queue.size === 0,
    idleDelayMs: () => 5,
    ...options,
  });
}

describe('runQueueWorker', () => {
  it('never has more than `concurrency` messages in flight, and asks only for free slots', async () => {
    const queue = new StubQueue(Array.from({ length: 40 }, (_, n) => ({ n })));
    let running = 0;
    let peak = 0;
    const result = await runUntilEmpty(queue, {
      concurrency: 3,
      receiveBatch: 10,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(2 + Math.random() * 5);
        running--;
      },
    });
    expect(result).toMatchObject({ processed: 40, failed: 0, stoppedBy: 'idle' });
    expect(peak).toBe(3);
    expect(Math.max(...queue.maxAsked)).toBeLessThanOrEqual(3);
    expect(queue.deleted).toHaveLength(40);
  });

  it('deletes a message only after its handler resolved, then reports it', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    const events: string[] = [];
    await runUntilEmpty(queue, {
      handler: async () => {
        events.push('handler start');
        await sleep(10);
        events.push(`handler end (deleted so far: ${queue.deleted.length})`);
        return 'verdict';
      },
      onCompleted: (m, result) => events.push(`completed ${m.id} ${result}`),
    });
    expect(events).toEqual(['handler start', 'handler end (deleted so far: 0)', 'completed m1 verdict']);
    expect(queue.deleted).toEqual(['r1']);
  });

  it('leaves a failed message for a retry after the backoff, and keeps going', async () => {
    const queue = new StubQueue([{ n: 1 }, { n: 2 }]);
    const logs = captureLogs();
    const result = await runUntilEmpty(queue, {
      concurrency: 1,
      logger: logs.logger,
      retryDelaySec: (count) => count * 7,
      handler: async (m) => {
        if (m.body.n === 1) throw new TransientStoreError('verdict store busy');
      },
    });
    expect(result).toMatchObject({ processed: 1, failed: 1 });
    expect(queue.deleted).toEqual(['r2']);
    expect(queue.extended).toEqual([{ receipt: 'r1', seconds: 7 }]);
    const failure = logs.lines().find((l) => l.msg === 'job failed; it will be retried');
    expect(failure).toMatchObject({ level: 'error', messageId: 'm1', receiveCount: 1, retryInSec: 7 });
    expect(failure?.error).toMatchObject({ code: 'transient-store', retryable: true });
  });

  it('logs a RetryLaterError quietly (the handler already said why)', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    const logs = captureLogs();
    await runUntilEmpty(queue, {
      logger: logs.logger,
      handler: async () => {
        throw new RetryLaterError('detector timed out');
      },
    });
    expect(queue.extended).toEqual([{ receipt: 'r1', seconds: 2 }]);
    expect(logs.lines().some((l) => l.level === 'error')).toBe(false);
  });

  it('moves an invalid message to the dead-letter queue with the reason logged, and deletes it', async () => {
    const queue = new StubQueue<unknown>(['not a job', { ok: true }]);
    const logs = captureLogs();
    const handled: unknown[] = [];
    const result = await runUntilEmpty(queue, {
      concurrency: 1,
      logger: logs.logger,
      logFields: (m) => ({ traceId: `t-${m.id}` }),
      handler: async (m) => {
        if (typeof m.body === 'string') throw new InvalidMessageError('body is not a JSON object');
        handled.push(m.body);
      },
    });
    expect(result).toMatchObject({ processed: 1, deadLettered: 1, failed: 0 });
    expect(queue.deadLetter?.sent).toEqual(['not a job']);
    expect(queue.deleted).toEqual(['r1', 'r2']);
    expect(handled).toEqual([{ ok: true }]);
    const line = logs.lines().find((l) => l.msg === 'invalid message moved to the dead-letter queue');
    expect(line).toMatchObject({
      level: 'warn',
      messageId: 'm1',
      traceId: 't-m1',
      receiveCount: 1,
      reason: 'body is not a JSON object',
    });
    expect(JSON.stringify(logs.lines())).not.toContain('not a job');
  });

  it('without a dead-letter queue, leaves an invalid message to the redrive policy instead of dropping it', async () => {
    const queue = new StubQueue<unknown>(['junk'], false);
    const result = await runUntilEmpty(queue, {
      handler: async () => {
        throw new InvalidMessageError('junk');
      },
    });
    expect(result).toMatchObject({ processed: 0, deadLettered: 0, failed: 1 });
    expect(queue.deleted).toEqual([]);
    expect(queue.extended).toEqual([{ receipt: 'r1', seconds: 2 }]);
  });

  it('treats other permanent errors as failures to retry (the queue dead-letters them after maxReceiveCount)', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    const result = await runUntilEmpty(queue, {
      handler: async () => {
        throw new UnsupportedMediaError('nope');
      },
    });
    expect(result).toMatchObject({ failed: 1, deadLettered: 0 });
    expect(queue.deadLetter?.sent).toEqual([]);
  });

  it('extends the visibility of each in-flight message while its handler runs, and stops after', async () => {
    const queue = new StubQueue([{ n: 1 }, { n: 2 }]);
    await runUntilEmpty(queue, {
      heartbeatIntervalMs: 20,
      visibilityTimeoutSec: 9,
      handler: async () => {
        await sleep(150);
      },
    });
    const beats = (receipt: string) => queue.extended.filter((e) => e.receipt === receipt && e.seconds === 9);
    expect(beats('r1').length).toBeGreaterThanOrEqual(3);
    expect(beats('r2').length).toBeGreaterThanOrEqual(3);
    const after = queue.extended.length;
    await sleep(80);
    expect(queue.extended.length).toBe(after);
  });

  it('on abort, stops receiving and lets in-flight handlers finish within the drain timeout', async () => {
    const queue = new StubQueue(Array.from({ length: 10 }, (_, n) => ({ n })));
    const stop = new AbortController();
    const result = await runQueueWorker({
      queue,
      concurrency: 2,
      visibilityTimeoutSec: 30,
      waitTimeSec: 0,
      drainTimeoutMs: 5000,
      signal: stop.signal,
      handler: async () => {
        stop.abort();
        await sleep(50);
      },
    });
    expect(result).toMatchObject({ processed: 2, released: 0, stoppedBy: 'signal' });
    expect(queue.calls.filter((c) => c === 'receive')).toHaveLength(1);
    expect(queue.deleted).toEqual(['r1', 'r2']);
    expect(queue.size).toBe(8);
  });

  it('after the drain timeout, hands unfinished messages back at once and never deletes them', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    const stop = new AbortController();
    let handlerSignal: AbortSignal | undefined;
    let finish: () => void = () => {};
    const started = Date.now();
    const result = await runQueueWorker({
      queue,
      concurrency: 1,
      visibilityTimeoutSec: 30,
      waitTimeSec: 0,
      drainTimeoutMs: 100,
      signal: stop.signal,
      handler: (_m, ctx) => {
        handlerSignal = ctx.signal;
        stop.abort();
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toMatchObject({ processed: 0, released: 1 });
    expect(queue.extended).toEqual([{ receipt: 'r1', seconds: 0 }]);
    expect(handlerSignal?.aborted).toBe(true);
    finish();
    await sleep(20);
    expect(queue.deleted).toEqual([]);
  });

  it('hands a message back at once when its handler gives up because the worker is stopping', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    const result = await runUntilEmpty(queue, {
      handler: async () => {
        throw new JobReleasedError('stopping');
      },
    });
    expect(result).toMatchObject({ released: 1, failed: 0 });
    expect(queue.extended).toEqual([{ receipt: 'r1', seconds: 0 }]);
  });

  it('releases messages that a long poll returns after the stop', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    queue.receiveDelayMs = 150;
    const stop = new AbortController();
    const handled: unknown[] = [];
    setTimeout(() => stop.abort(), 30);
    const result = await runQueueWorker({
      queue,
      concurrency: 1,
      visibilityTimeoutSec: 30,
      waitTimeSec: 1,
      signal: stop.signal,
      handler: async (m) => {
        handled.push(m.body);
      },
    });
    expect(handled).toEqual([]);
    expect(result.released).toBe(1);
    expect(queue.extended).toEqual([{ receipt: 'r1', seconds: 0 }]);
  });

  it('retries a receive that failed transiently, with backoff', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    queue.receiveErrors = [new TransientStoreError('throttled')];
    const logs = captureLogs();
    const result = await runUntilEmpty(queue, { logger: logs.logger, handler: async () => {} });
    expect(result.processed).toBe(1);
    expect(logs.lines().find((l) => l.msg === 'receive failed; retrying')).toMatchObject({ retryInMs: 1000 });
  });

  it('stops and rethrows when a receive fails for good, after finishing in-flight work', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    let done = false;
    const gone = Object.assign(new Error('QueueDoesNotExist'), { name: 'QueueDoesNotExist' });
    const originalReceive = queue.receive.bind(queue);
    let calls = 0;
    queue.receive = async (o) => {
      calls++;
      if (calls === 2) throw gone;
      return originalReceive(o);
    };
    await expect(
      runQueueWorker({
        queue,
        concurrency: 2,
        visibilityTimeoutSec: 30,
        waitTimeSec: 0,
        handler: async () => {
          await sleep(30);
          done = true;
        },
      }),
    ).rejects.toBe(gone);
    expect(done).toBe(true);
    expect(queue.deleted).toEqual(['r1']);
  });

  it('keeps a health file: running with live counts, then stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'winnow-health-'));
    try {
      const file = join(dir, 'sub', 'health.json');
      const queue = new StubQueue([{ n: 1 }, { n: 2 }]);
      const seen: WorkerHealth[] = [];
      await runUntilEmpty(queue, {
        concurrency: 1,
        healthFile: file,
        healthIntervalMs: 10,
        handler: async () => {
          await sleep(40);
          seen.push(JSON.parse(readFileSync(file, 'utf8')) as WorkerHealth);
        },
      });
      expect(seen[0]).toMatchObject({ state: 'running', inFlight: 1, concurrency: 1, pid: process.pid });
      expect(seen[1]).toMatchObject({ state: 'running', processed: 1 });
      const final = JSON.parse(readFileSync(file, 'utf8')) as WorkerHealth;
      expect(final).toMatchObject({ state: 'stopped', inFlight: 0, processed: 2 });
      expect(Date.parse(final.lastPollAt as string)).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects invalid settings before touching the queue', async () => {
    const queue = new StubQueue([{ n: 1 }]);
    const base = { queue, handler: async () => {}, visibilityTimeoutSec: 30, concurrency: 1 };
    await expect(runQueueWorker({ ...base, concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(runQueueWorker({ ...base, visibilityTimeoutSec: 0 })).rejects.toThrow(
      /visibilityTimeoutSec/,
    );
    await expect(runQueueWorker({ ...base, waitTimeSec: 21 })).rejects.toThrow(/waitTimeSec/);
    await expect(runQueueWorker({ ...base, receiveBatch: 11 })).rejects.toThrow(/receiveBatch/);
    expect(queue.calls).toEqual([]);
  });
});

describe('checkHealth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-checkhealth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const now = new Date('2026-11-26T12:00:00.000Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
  const write = (h: Partial<WorkerHealth>): string => {
    const file = join(dir, `${Math.random()}.json`);
    const base: WorkerHealth = {
      state: 'running',
      pid: 1,
      concurrency: 2,
      inFlight: 0,
      processed: 0,
      failed: 0,
      deadLettered: 0,
      released: 0,
      lastPollAt: ago(5),
      startedAt: ago(100),
      updatedAt: ago(1),
    };
    writeFileSync(file, JSON.stringify({ ...base, ...h }));
    return file;
  };

  it('is healthy while fresh and polling, also while draining', () => {
    expect(checkHealth(write({}), 60_000, now).healthy).toBe(true);
    expect(checkHealth(write({ state: 'draining', lastPollAt: ago(500) }), 60_000, now).healthy).toBe(true);
  });

  it('is healthy without recent polls when every slot is busy (long jobs)', () => {
    expect(checkHealth(write({ inFlight: 2, lastPollAt: ago(500) }), 60_000, now).healthy).toBe(true);
  });

  it('is unhealthy when stopped, stale, stuck or unreadable', () => {
    expect(checkHealth(write({ state: 'stopped' }), 60_000, now)).toMatchObject({ healthy: false });
    expect(checkHealth(write({ updatedAt: ago(120) }), 60_000, now).reason).toMatch(/stale/);
    expect(checkHealth(write({ lastPollAt: ago(120) }), 60_000, now).reason).toMatch(/no receive/);
    expect(checkHealth(join(dir, 'missing.json'), 60_000, now).reason).toMatch(/cannot read/);
  });
});
