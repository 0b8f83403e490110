import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TransientStoreError } from '../../core/errors';
import type { JobQueue, QueueDepth, ReceivedMessage, ReceiveOptions } from '../../core/ports/job-queue';
import { isUnparsableBody, unparsableBody } from '../../core/worker/unparsable-body';
import { SqsRequestError, toSqsError } from './sqs-errors';

/** Options for {@link SqsJobQueue}. */
export interface SqsJobQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /**
   * The queue that the main queue's `RedrivePolicy` dead-letters into. Set it so a consumer can also move
   * invalid messages there at once; SQS itself moves messages after `maxReceiveCount` receives.
   */
  readonly deadLetterQueueUrl?: string;
  /** Default seconds a received message stays hidden; unset: the queue's own default. */
  readonly visibilityTimeoutSec?: number;
}

/** SQS limits: entries per batch, and bytes per batch (and per message). */
const MAX_BATCH = 10;
const MAX_BATCH_BYTES = 256 * 1024;
/** Tries for batch entries SQS failed on its side (not the sender's fault). */
const SEND_TRIES = 3;

/**
 * A {@link JobQueue} over Amazon SQS (standard queues). Bodies are sent as JSON; sends are split into batches
 * of at most 10 entries and 256 KiB. Receives ask for `ApproximateReceiveCount`, so `receiveCount` is SQS's.
 *
 * Bodies are whatever producers sent, so `T` is the sender's promise, not a check: validate bodies. A body that is
 * not JSON does not fail `receive`; it arrives as an `UnparsableBody` marker (`core/worker/unparsable-body`), and
 * sending that marker (to the dead-letter queue) sends the raw body unchanged.
 *
 * Failures map to Winnow errors: throttling, 5xx and network errors to `TransientStoreError` (retryable); a
 * receipt SQS no longer accepts in `extendVisibility` to `SqsStaleReceiptError`; anything else (missing queue, no
 * permission) to `SqsRequestError` (permanent).
 */
export class SqsJobQueue<T = unknown> implements JobQueue<T> {
  readonly queueUrl: string;
  readonly deadLetter?: SqsJobQueue<T>;
  private readonly client: SQSClient;
  private readonly visibilityTimeoutSec?: number;

  constructor(options: SqsJobQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.visibilityTimeoutSec = options.visibilityTimeoutSec;
    if (options.deadLetterQueueUrl !== undefined) {
      this.deadLetter = new SqsJobQueue<T>({
        client: options.client,
        queueUrl: options.deadLetterQueueUrl,
        visibilityTimeoutSec: options.visibilityTimeoutSec,
      });
    }
  }

  async sendBatch(bodies: readonly T[]): Promise<void> {
    const encoded = bodies.map((b) => {
      if (isUnparsableBody(b)) return b.raw;
      const json = JSON.stringify(b);
      if (json === undefined) throw new TypeError('queue message bodies must be JSON-serialisable');
      if (Buffer.byteLength(json) > MAX_BATCH_BYTES) {
        throw new RangeError(
          `a queue message body is ${Buffer.byteLength(json)} bytes; SQS allows ${MAX_BATCH_BYTES}`,
        );
      }
      return json;
    });
    for (const chunk of chunks(encoded)) await this.sendChunk(chunk);
  }

  private async sendChunk(bodies: readonly string[]): Promise<void> {
    let entries: SendMessageBatchRequestEntry[] = bodies.map((body, i) => ({
      Id: String(i),
      MessageBody: body,
    }));
    for (let attempt = 1; ; attempt++) {
      const out = await this.call('send', () =>
        this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries })),
      );
      const failed = out.Failed ?? [];
      if (failed.length === 0) return;
      const senderFaults = failed.filter((f) => f.SenderFault);
      if (senderFaults.length > 0) {
        throw new SqsRequestError(
          `queue ${this.queueUrl}: send: SQS refused ${senderFaults.length} message(s): ` +
            [...new Set(senderFaults.map((f) => f.Code))].join(', '),
        );
      }
      if (attempt >= SEND_TRIES) {
        throw new TransientStoreError(
          `queue ${this.queueUrl}: send: ${failed.length} message(s) failed ${SEND_TRIES} times: ` +
            [...new Set(failed.map((f) => f.Code))].join(', '),
        );
      }
      const retry = new Set(failed.map((f) => f.Id));
      entries = entries.filter((e) => retry.has(e.Id));
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<T>[]> {
    const max = options.max ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH) {
      throw new RangeError(`max must be an integer from 1 to ${MAX_BATCH}, got ${max}`);
    }
    const visibility = options.visibilityTimeoutSec ?? this.visibilityTimeoutSec;
    const out = await this.call('receive', () =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: options.waitTimeSec ?? 0,
          ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      ),
    );
    return (out.Messages ?? []).flatMap((m) => {
      if (!m.ReceiptHandle || !m.MessageId) return [];
      const count = Number(m.Attributes?.ApproximateReceiveCount);
      return [
        {
          id: m.MessageId,
          receipt: m.ReceiptHandle,
          body: decodeBody(m.Body ?? '') as T,
          receiveCount: Number.isInteger(count) && count > 0 ? count : 1,
        },
      ];
    });
  }

  async extendVisibility(receipt: string, seconds: number): Promise<void> {
    await this.call('extend visibility', () =>
      this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: receipt,
          VisibilityTimeout: Math.round(seconds),
        }),
      ),
    );
  }

  async delete(receipt: string): Promise<void> {
    await this.call('delete', () =>
      this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt })),
    );
  }

  async depth(): Promise<QueueDepth> {
    const out = await this.call('depth', () =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      ),
    );
    return {
      visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  /** The queue's `RedrivePolicy.maxReceiveCount`, or undefined when it has no dead-letter queue. */
  async maxReceiveCount(): Promise<number | undefined> {
    const out = await this.call('read redrive policy', () =>
      this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['RedrivePolicy'] }),
      ),
    );
    const raw = out.Attributes?.RedrivePolicy;
    if (!raw) return undefined;
    try {
      const n = Number((JSON.parse(raw) as { maxReceiveCount?: unknown }).maxReceiveCount);
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  private async call<R>(what: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw toSqsError(`queue ${this.queueUrl}: ${what}`, err);
    }
  }
}

/** Parses a body as JSON; a body that is not JSON becomes an `UnparsableBody`, so receiving never fails. */
function decodeBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return unparsableBody(raw, `${Buffer.byteLength(raw)} bytes that are not JSON`);
  }
}

/** Splits encoded bodies into SQS batches: at most 10 entries and 256 KiB each. */
function* chunks(bodies: readonly string[]): Generator<string[]> {
  let chunk: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = Buffer.byteLength(body);
    if (chunk.length === MAX_BATCH || (chunk.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(body);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
