import type { JobQueue, ReceivedMessage, ReceiveOptions } from '../../core/ports/job-queue';
import { eventually, sleep } from './contract-helpers';

/** The message body the suite sends. */
export interface TestJob {
  n: number;
}

/** One fresh, empty queue under test, with a dead-letter queue. */
export interface JobQueueFixture {
  readonly queue: JobQueue<TestJob>;
  cleanup(): Promise<void>;
}

/** How the suite wants the queue set up. */
export interface JobQueueFixtureOptions {
  /** Receives before a message is dead-lettered (SQS `maxReceiveCount`). */
  readonly maxReceives: number;
}

/** Receives until `count` messages have arrived (long polling, so eventually consistent backends pass). */
async function receiveN(
  queue: JobQueue<TestJob>,
  count: number,
  options: ReceiveOptions = {},
): Promise<ReceivedMessage<TestJob>[]> {
  const out: ReceivedMessage<TestJob>[] = [];
  const deadline = Date.now() + 5000;
  while (out.length < count && Date.now() < deadline) {
    out.push(...(await queue.receive({ max: Math.min(10, count - out.length), waitTimeSec: 1, ...options })));
  }
  return out;
}

/**
 * The {@link JobQueue} contract, using only the port. Timeouts are whole seconds (as SQS needs) and the suite
 * tolerates at-least-once delivery and approximate depth counts, so it runs unchanged against SQS.
 */
export function describeJobQueueContract(
  name: string,
  factory: (options: JobQueueFixtureOptions) => Promise<JobQueueFixture>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let fx: JobQueueFixture | undefined;
    const open = async (maxReceives = 5): Promise<JobQueue<TestJob>> => {
      // A test may open more than one; only the latest is cleaned up after it, so clean up the previous now.
      await fx?.cleanup();
      fx = await factory({ maxReceives });
      return fx.queue;
    };
    afterEach(async () => {
      await fx?.cleanup();
      fx = undefined;
    });

    it('starts empty', async () => {
      const queue = await open();
      expect(await queue.receive({ waitTimeSec: 0 })).toEqual([]);
      expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
    });

    it('sends, receives and deletes', async () => {
      const queue = await open();
      await queue.sendBatch([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const got = await receiveN(queue, 3, { visibilityTimeoutSec: 30 });
      expect(got.map((m) => m.body.n).sort()).toEqual([1, 2, 3]);
      expect(new Set(got.map((m) => m.id)).size).toBe(3);
      expect(new Set(got.map((m) => m.receipt)).size).toBe(3);
      for (const m of got) expect(m.receiveCount).toBe(1);
      await eventually(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 3 }));

      for (const m of got) await queue.delete(m.receipt);
      await eventually(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }));
      expect(await queue.receive({ waitTimeSec: 0 })).toEqual([]);
    });

    it('sends more messages than one backend batch, and receives at most `max` at a time', async () => {
      const queue = await open();
      const bodies = Array.from({ length: 25 }, (_, n) => ({ n }));
      await queue.sendBatch(bodies);
      await eventually(async () => expect((await queue.depth()).visible).toBe(25));
      const first = await queue.receive({ max: 4, waitTimeSec: 1, visibilityTimeoutSec: 30 });
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(4);
      const rest = await receiveN(queue, 25 - first.length, { visibilityTimeoutSec: 30 });
      const ns = [...first, ...rest].map((m) => m.body.n);
      expect(new Set(ns)).toEqual(new Set(bodies.map((b) => b.n)));
    });

    it('hides a received message; it comes back after the timeout unless its visibility was extended', async () => {
      const queue = await open();
      await queue.sendBatch([{ n: 1 }, { n: 2 }]);
      const got = await receiveN(queue, 2, { visibilityTimeoutSec: 1 });
      expect(got).toHaveLength(2);
      const expiring = got.find((m) => m.body.n === 1) as ReceivedMessage<TestJob>;
      const extended = got.find((m) => m.body.n === 2) as ReceivedMessage<TestJob>;
      await queue.extendVisibility(extended.receipt, 30);

      expect(await queue.receive({ max: 10, waitTimeSec: 0 })).toEqual([]);
      await sleep(1500);

      const again = await receiveN(queue, 1, { visibilityTimeoutSec: 30 });
      expect(again.map((m) => m.body.n)).toEqual([1]);
      const redelivered = again[0] as ReceivedMessage<TestJob>;
      expect(redelivered.id).toBe(expiring.id);
      expect(redelivered.receiveCount).toBe(2);
      expect(redelivered.receipt).not.toBe(expiring.receipt);
      expect(await queue.receive({ max: 10, waitTimeSec: 0 })).toEqual([]);

      await queue.delete(redelivered.receipt);
      await queue.delete(extended.receipt);
      await eventually(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }));
    });

    it('makes a message visible at once with a zero extension, counting receives', async () => {
      const queue = await open();
      await queue.sendBatch([{ n: 7 }]);
      const [first] = await receiveN(queue, 1, { visibilityTimeoutSec: 30 });
      expect(first?.receiveCount).toBe(1);
      await queue.extendVisibility((first as ReceivedMessage<TestJob>).receipt, 0);
      const [second] = await receiveN(queue, 1, { visibilityTimeoutSec: 30 });
      expect(second).toMatchObject({ id: first?.id, body: { n: 7 }, receiveCount: 2 });
      expect(second?.receipt).not.toBe(first?.receipt);

      // A stale receipt must not fail the caller (SQS accepts it; the message may or may not go).
      await expect(queue.delete((first as ReceivedMessage<TestJob>).receipt)).resolves.toBeUndefined();
      await queue.delete((second as ReceivedMessage<TestJob>).receipt);
      await eventually(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }));
    });

    it('dead-letters a message instead of receiving it more than maxReceives times', async () => {
      const queue = await open(2);
      expect(queue.deadLetter).toBeDefined();
      const dlq = queue.deadLetter as JobQueue<TestJob>;
      await queue.sendBatch([{ n: 42 }]);
      for (let i = 1; i <= 2; i++) {
        const [m] = await receiveN(queue, 1, { visibilityTimeoutSec: 30 });
        expect(m?.receiveCount).toBe(i);
        await queue.extendVisibility((m as ReceivedMessage<TestJob>).receipt, 0);
      }
      expect(await queue.receive({ waitTimeSec: 1, visibilityTimeoutSec: 30 })).toEqual([]);
      const dead = await receiveN(dlq, 1, { visibilityTimeoutSec: 30 });
      expect(dead.map((m) => m.body)).toEqual([{ n: 42 }]);
      await dlq.delete((dead[0] as ReceivedMessage<TestJob>).receipt);
      await eventually(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }));
    });

    it('long polling returns as soon as a message arrives', async () => {
      const queue = await open();
      const started = Date.now();
      const pending = queue.receive({ waitTimeSec: 5, visibilityTimeoutSec: 30 });
      await sleep(300);
      await queue.sendBatch([{ n: 9 }]);
      const got = await pending;
      expect(got.map((m) => m.body)).toEqual([{ n: 9 }]);
      expect(Date.now() - started).toBeLessThan(4000);
    });
  });
}
