import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsJobQueue } from '../../adapters/aws';
import { runQueueWorker } from '../../core/worker/queue-worker';

/** One load message: its sequence number is the fact each consumer records. */
export interface LoadMessage {
  readonly n: number;
  readonly pad: string;
}

/** How many times each message number was handled, and when the last one was. */
export interface Tally {
  readonly counts: Map<number, number>;
  lastAt: number;
}

/** What a consumer run measured. */
export interface LoadRun {
  readonly messages: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** This process's CPU time (user + system) per message, in microseconds: the consumer's own cost. */
  readonly cpuMicrosPerMessage: number;
  readonly tally: Tally;
}

function cpuMicros(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return used.user + used.system;
}

const newTally = (): Tally => ({ counts: new Map(), lastAt: 0 });

function record(tally: Tally, n: number): void {
  tally.counts.set(n, (tally.counts.get(n) ?? 0) + 1);
  tally.lastAt = performance.now();
}

/** Messages handled, duplicates (handled more than once) and missing numbers of `[0, total)`. */
export function check(
  tally: Tally,
  total: number,
): { handled: number; duplicates: number[]; missing: number[] } {
  const duplicates: number[] = [];
  const missing: number[] = [];
  let handled = 0;
  for (let n = 0; n < total; n++) {
    const c = tally.counts.get(n) ?? 0;
    handled += c;
    if (c === 0) missing.push(n);
    if (c > 1) duplicates.push(n);
  }
  for (const [n, c] of tally.counts) if (n < 0 || n >= total) handled += c;
  return { handled, duplicates, missing };
}

/** Sends `total` small messages (numbered from 0) in batches of 10, `parallel` batches at a time. */
export async function fillQueue(
  client: SQSClient,
  queueUrl: string,
  total: number,
  parallel = 8,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    for (;;) {
      const from = next;
      if (from >= total) return;
      next = Math.min(total, from + 10);
      const entries = [];
      for (let n = from; n < next; n++) {
        const body: LoadMessage = { n, pad: 'x'.repeat(64) };
        entries.push({ Id: String(n), MessageBody: JSON.stringify(body) });
      }
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if ((out.Failed ?? []).length > 0) throw new Error(`send failed for ${out.Failed?.length} messages`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return performance.now() - started;
}

/**
 * Drains the queue with `workers` real queue workers (`runQueueWorker` over `SqsJobQueue`, each with its own SQS
 * client and `concurrency` messages in flight); each handler records its message's number. Stops once every
 * number was recorded and the queue is empty.
 */
export async function runWorkers(options: {
  readonly clients: readonly SQSClient[];
  readonly queueUrl: string;
  readonly deadLetterQueueUrl?: string;
  readonly total: number;
  readonly concurrency: number;
  readonly visibilityTimeoutSec: number;
}): Promise<LoadRun & { processed: number; failed: number }> {
  const tally = newTally();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const results = await Promise.all(
    options.clients.map((client) => {
      const queue = new SqsJobQueue<LoadMessage>({
        client,
        queueUrl: options.queueUrl,
        ...(options.deadLetterQueueUrl ? { deadLetterQueueUrl: options.deadLetterQueueUrl } : {}),
      });
      return runQueueWorker<LoadMessage>({
        queue,
        handler: async (message) => {
          record(tally, message.body.n);
        },
        concurrency: options.concurrency,
        visibilityTimeoutSec: options.visibilityTimeoutSec,
        waitTimeSec: 1,
        shouldStop: async () => tally.counts.size >= options.total && (await queueEmpty(queue)),
      });
    }),
  );
  const elapsedMs = tally.lastAt - started;
  return {
    messages: options.total,
    elapsedMs,
    perSecond: (options.total * 1000) / elapsedMs,
    cpuMicrosPerMessage: cpuMicros(cpu) / options.total,
    tally,
    processed: results.reduce((n, r) => n + r.processed, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
  };
}

async function queueEmpty(queue: SqsJobQueue<unknown>): Promise<boolean> {
  const depth = await queue.depth();
  return depth.visible === 0 && depth.inFlight === 0;
}

/**
 * The baseline: the same drain with bare SDK calls and no worker around them: `lanes` loops of ReceiveMessage (10
 * at a time) and one DeleteMessage per message, in parallel, recording each number as the workers' handlers do.
 */
export async function runRawConsumers(options: {
  readonly clients: readonly SQSClient[];
  readonly queueUrl: string;
  readonly total: number;
  readonly lanesPerClient: number;
  readonly visibilityTimeoutSec: number;
}): Promise<LoadRun> {
  const tally = newTally();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const lane = async (client: SQSClient) => {
    while (tally.counts.size < options.total) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: options.visibilityTimeoutSec,
        }),
      );
      await Promise.all(
        (out.Messages ?? []).map(async (m) => {
          record(tally, (JSON.parse(m.Body ?? '{}') as LoadMessage).n);
          await client.send(
            new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: m.ReceiptHandle }),
          );
        }),
      );
    }
  };
  await Promise.all(
    options.clients.flatMap((c) => Array.from({ length: options.lanesPerClient }, () => lane(c))),
  );
  const elapsedMs = tally.lastAt - started;
  return {
    messages: options.total,
    elapsedMs,
    perSecond: (options.total * 1000) / elapsedMs,
    cpuMicrosPerMessage: cpuMicros(cpu) / options.total,
    tally,
  };
}
