import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  createSqsClient,
  isTransientSqsError,
  SqsJobQueue,
  SqsRequestError,
  SqsStaleReceiptError,
  toSqsError,
} from '../../adapters/aws';
import { TransientStoreError } from '../../core/errors';
import { isUnparsableBody } from '../../core/worker/unparsable-body';
import { createTestQueues, testSqsClient } from '../setup/sqs-test-queues';
import { describeJobQueueContract, type TestJob } from './job-queue.contract';

// The same contract the SQLite queue passes, against SQS as emulated by fauxqs (see test/setup/global-setup.mjs).
const client = testSqsClient();
afterAll(() => client.destroy());

describeJobQueueContract('SqsJobQueue', async ({ maxReceives }) => {
  const queues = await createTestQueues(client, { maxReceives, label: 'contract' });
  return {
    queue: new SqsJobQueue<TestJob>({
      client,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      visibilityTimeoutSec: 30,
    }),
    cleanup: () => queues.delete(),
  };
});

describe('SqsJobQueue beyond the contract', () => {
  let queues: Awaited<ReturnType<typeof createTestQueues>>;
  let queue: SqsJobQueue<unknown>;
  beforeEach(async () => {
    queues = await createTestQueues(client, { maxReceives: 4, label: 'sqs-extra' });
    queue = new SqsJobQueue<unknown>({
      client,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
    });
  });
  afterEach(() => queues.delete());

  it('delivers a body that is not JSON as an UnparsableBody, and dead-letters it byte for byte', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: 'not json {' }));
    const [m] = await queue.receive({ waitTimeSec: 1, visibilityTimeoutSec: 30 });
    expect(isUnparsableBody(m?.body)).toBe(true);
    expect(m?.body).toMatchObject({ raw: 'not json {', reason: '10 bytes that are not JSON' });
    await queue.deadLetter?.sendBatch([m?.body]);
    const raw = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queues.deadLetterQueueUrl, WaitTimeSeconds: 1 }),
    );
    expect(raw.Messages?.map((x) => x.Body)).toEqual(['not json {']);
  });

  it('reads maxReceiveCount from the redrive policy', async () => {
    expect(await queue.maxReceiveCount()).toBe(4);
    expect(await queue.deadLetter?.maxReceiveCount()).toBeUndefined();
  });

  it('maps a stale receipt to SqsStaleReceiptError and a missing queue to SqsRequestError (permanent)', async () => {
    await queue.sendBatch([{ n: 1 }]);
    const [m] = await queue.receive({ waitTimeSec: 1, visibilityTimeoutSec: 30 });
    await queue.delete(m?.receipt as string);
    const stale = await queue.extendVisibility(m?.receipt as string, 10).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(SqsStaleReceiptError);
    expect(stale).toMatchObject({ code: 'stale-receipt', retryable: false });

    const gone = new SqsJobQueue({ client, queueUrl: `${queues.queueUrl}-missing` });
    const err = await gone.receive().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqsRequestError);
    expect(err).toMatchObject({ code: 'queue-request', retryable: false });
    expect((err as Error).message).toMatch(/QueueDoesNotExist/);
  });

  it('maps an unreachable endpoint to TransientStoreError (retryable)', async () => {
    const dead = createSqsClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    try {
      const err = await new SqsJobQueue({ client: dead, queueUrl: queues.queueUrl })
        .depth()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientStoreError);
    } finally {
      dead.destroy();
    }
  });

  it('classifies throttling and 5xx as transient', () => {
    expect(isTransientSqsError({ name: 'RequestThrottled' })).toBe(true);
    expect(isTransientSqsError({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isTransientSqsError({ name: 'X', code: 'ECONNRESET' })).toBe(true);
    expect(isTransientSqsError({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(toSqsError('q', { name: 'OverLimit' })).toBeInstanceOf(TransientStoreError);
  });

  it('refuses a body larger than SQS allows before sending anything', async () => {
    await expect(queue.sendBatch([{ n: 1 }, { big: 'x'.repeat(300 * 1024) }])).rejects.toThrow(RangeError);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 });
  });
});
