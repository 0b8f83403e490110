import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context, S3Event, S3EventRecord, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type AwsClients,
  cacheTableDefinition,
  DynamoVerdictStore,
  SqsJobQueue,
  verdictTableDefinition,
} from '../../adapters/aws';
import { ENV } from '../../core/config/env-names';
import { createLogger, type LogLevel } from '../../core/logging/logger';
import { objectVersionToken } from '../../core/serverless/object-version';
import type { Verdict } from '../../core/verdict/verdict';
import type { QueueWorkerResult } from '../../core/worker/queue-worker';
import { createFastQueueHandler } from '../../functions/fast-queue-handler';
import { createUploadHandler, type UploadSummary } from '../../functions/upload-handler';
import { moderationRuntime } from '../../functions/wiring';
import { readWorkerConfig } from '../../gpu-worker/config';
import { createGpuWorker, type GpuWorker } from '../../gpu-worker/wiring';
import { WorkerProcess } from '../integration/worker/worker-harness';
import {
  createTestBucket,
  createTestTable,
  type TestBucket,
  type TestTable,
  testAwsClients,
} from '../setup/aws-test-resources';
import { createTestQueues, TEST_AWS_ENV, type TestQueues } from '../setup/sqs-test-queues';

/** The emulator endpoints test/setup/global-setup.mjs exports; the end-to-end tests need all three. */
export const EMULATOR_ENDPOINTS = [
  'WINNOW_TEST_S3_ENDPOINT',
  'WINNOW_TEST_SQS_ENDPOINT',
  'WINNOW_TEST_DYNAMODB_ENDPOINT',
] as const;

/** The emulator endpoint variables that are not set (the end-to-end suite skips when any is missing). */
export function missingEmulators(env: NodeJS.ProcessEnv = process.env): string[] {
  return EMULATOR_ENDPOINTS.filter((name) => !env[name]);
}

/**
 * Encodes an object key as S3 writes it into event notifications: `application/x-www-form-urlencoded` of the UTF-8
 * bytes, as Java's `URLEncoder` does (letters, digits and `.-*_` kept, a space as `+`, every other byte as `%XX`),
 * except that `/` is kept. So `in/a b+c.txt` is `in/a+b%2Bc.txt` and `café.txt` is `caf%C3%A9.txt`.
 */
export function encodeS3EventKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/^[A-Za-z0-9.\-*_/]$/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

let sequence = 0n;
/** S3's `sequencer`: upper-case hex that grows with each event of a key (here: with each event at all). */
function nextSequencer(): string {
  sequence += 1n;
  return (BigInt(Date.now()) * 1_000_000n + sequence).toString(16).toUpperCase().padStart(18, '0');
}

/** The runtime of the functions is built once per module registry (one Lambda container), so one harness per file. */
let created = false;

/** Options for {@link AwsHarness.create}. */
export interface AwsHarnessOptions {
  /** The heavy queue's `RedrivePolicy.maxReceiveCount` (the worker's `maxReceives`). Default 3. */
  readonly heavyMaxReceives?: number;
  /** Log level of the functions (Powertools) and of the in-process worker. Default `WINNOW_E2E_LOG_LEVEL` or silent. */
  readonly logLevel?: LogLevel;
  /** `WINNOW_POLICY` of the functions and the worker (the same file, as production needs); default the bundled one. */
  readonly policyFile?: string;
}

/** What {@link AwsHarness.runWorker} and {@link AwsHarness.runWorkerProcess} report. */
export interface WorkerRun {
  readonly elapsedMs: number;
  /** The in-process worker's counts; undefined for the child process. */
  readonly result?: QueueWorkerResult;
  /** The worker's JSON log lines. */
  readonly logs: readonly Record<string, unknown>[];
}

/**
 * The AWS deployment of Winnow on emulators (fauxqs for S3 and SQS, dynalite for DynamoDB), driven through its real
 * entry points:
 *
 * - fresh resources: a source and a quarantine bucket, the verdict and cache tables (created from the adapters'
 *   own `CreateTable` definitions), a fast and a heavy queue, each with a dead-letter queue named in a
 *   `RedrivePolicy`;
 * - {@link putObject} uploads through the SDK and returns the S3 event record real S3 would send (no emulator sends
 *   notifications), URL-encoded key and all;
 * - {@link uploadHandler} and {@link fastQueueHandler} are the Lambda handlers built the production way: the functions'
 *   environment variables are set, then `functions/wiring.ts` builds their runtime (clients, adapters, policy,
 *   models) from them;
 * - {@link runWorker} runs the GPU worker in this process, wired by `gpu-worker/wiring.ts` from the worker's
 *   environment (heavy SQS queue, S3 item resolver, DynamoDB verdict store and cache), until the heavy queue is
 *   drained; {@link runWorkerProcess} does the same with the built `dist/gpu-worker/main.js` as a child process.
 *
 * The functions' runtime is cached per module registry, as a Lambda container caches it, so create one harness per
 * test file. The environment it sets is restored by {@link dispose}.
 */
export class AwsHarness {
  readonly clients: AwsClients;
  readonly source: TestBucket;
  readonly quarantine: TestBucket;
  readonly verdictTable: TestTable;
  readonly cacheTable: TestTable;
  readonly fastQueues: TestQueues;
  readonly heavyQueues: TestQueues;
  /** The verdict table, read through the adapter the functions and the worker write with. */
  readonly verdicts: DynamoVerdictStore;
  readonly heavyQueue: SqsJobQueue<unknown>;
  readonly heavyDeadLetterQueue: SqsJobQueue<unknown>;
  readonly fastQueue: SqsJobQueue<unknown>;
  readonly logLevel: LogLevel;
  readonly policyFile?: string;
  /** The upload function's handler (S3 notifications, EventBridge events, SQS batches). */
  readonly uploadHandler: (event: unknown, context?: Context) => Promise<UploadSummary | SQSBatchResponse>;
  /** The fast-queue function's handler. */
  readonly fastQueueHandler: (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;
  private readonly savedEnv: Record<string, string | undefined>;
  private worker?: Promise<GpuWorker>;
  private readonly children: WorkerProcess[] = [];
  /** The in-process worker's log lines, all runs together. */
  private readonly workerLogs: Record<string, unknown>[] = [];

  private constructor(
    parts: Pick<
      AwsHarness,
      'clients' | 'source' | 'quarantine' | 'verdictTable' | 'cacheTable' | 'fastQueues' | 'heavyQueues'
    > & {
      logLevel: LogLevel;
      policyFile?: string;
      savedEnv: Record<string, string | undefined>;
    },
  ) {
    this.clients = parts.clients;
    this.source = parts.source;
    this.quarantine = parts.quarantine;
    this.verdictTable = parts.verdictTable;
    this.cacheTable = parts.cacheTable;
    this.fastQueues = parts.fastQueues;
    this.heavyQueues = parts.heavyQueues;
    this.logLevel = parts.logLevel;
    this.policyFile = parts.policyFile;
    this.savedEnv = parts.savedEnv;
    const { dynamo, sqs } = this.clients;
    this.verdicts = new DynamoVerdictStore({ client: dynamo, tableName: this.verdictTable.tableName });
    this.heavyQueue = new SqsJobQueue({
      client: sqs,
      queueUrl: this.heavyQueues.queueUrl,
      deadLetterQueueUrl: this.heavyQueues.deadLetterQueueUrl,
    });
    this.heavyDeadLetterQueue = this.heavyQueue.deadLetter as SqsJobQueue<unknown>;
    this.fastQueue = new SqsJobQueue({ client: sqs, queueUrl: this.fastQueues.queueUrl });
    // The handlers exactly as the Lambda modules export them, over the runtime wiring.ts builds from the environment.
    this.uploadHandler = createUploadHandler(() => moderationRuntime('upload'));
    this.fastQueueHandler = createFastQueueHandler(() => moderationRuntime('fast-queue'));
  }

  /**
   * Creates the resources, sets the functions' environment and builds both functions' runtimes (loading the fast
   * tier's models), so the first event is not slowed by the cold start.
   */
  static async create(options: AwsHarnessOptions = {}): Promise<AwsHarness> {
    if (created)
      throw new Error('one AwsHarness per test file: the functions cache their runtime per module');
    created = true;
    const missing = missingEmulators();
    if (missing.length > 0) throw new Error(`emulator endpoints not set: ${missing.join(', ')}`);
    const logLevel =
      options.logLevel ?? ((process.env.WINNOW_E2E_LOG_LEVEL as LogLevel | undefined) || 'silent');
    const clients = testAwsClients();
    const [source, quarantine, verdictTable, cacheTable, fastQueues, heavyQueues] = await Promise.all([
      createTestBucket(clients.s3, 'e2e-src'),
      createTestBucket(clients.s3, 'e2e-quarantine'),
      createTestTable(clients.dynamo, verdictTableDefinition, 'e2e-verdicts'),
      createTestTable(clients.dynamo, cacheTableDefinition, 'e2e-cache'),
      createTestQueues(clients.sqs, { maxReceives: 3, label: 'e2e-fast' }),
      createTestQueues(clients.sqs, {
        maxReceives: options.heavyMaxReceives ?? 3,
        visibilityTimeoutSec: 60,
        label: 'e2e-heavy',
      }),
    ]);
    const env: Record<string, string> = {
      ...TEST_AWS_ENV,
      [ENV.verdictTable]: verdictTable.tableName,
      [ENV.cacheTable]: cacheTable.tableName,
      [ENV.heavyQueueUrl]: heavyQueues.queueUrl,
      [ENV.fastQueueUrl]: fastQueues.queueUrl,
      [ENV.quarantineLocation]: `${quarantine.bucket}/winnow/`,
      [ENV.s3Endpoint]: endpoint('WINNOW_TEST_S3_ENDPOINT'),
      [ENV.sqsEndpoint]: endpoint('WINNOW_TEST_SQS_ENDPOINT'),
      [ENV.dynamoEndpoint]: endpoint('WINNOW_TEST_DYNAMODB_ENDPOINT'),
      [ENV.logLevel]: logLevel,
      [ENV.executionProvider]: 'cpu',
      ...(options.policyFile ? { [ENV.policyFile]: options.policyFile } : {}),
      // Powertools Metrics writes EMF lines to stdout after every invocation; not wanted in test output.
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const savedEnv: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(env)) {
      savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
    const harness = new AwsHarness({
      policyFile: options.policyFile,
      clients,
      source,
      quarantine,
      verdictTable,
      cacheTable,
      fastQueues,
      heavyQueues,
      logLevel,
      savedEnv,
    });
    // Both functions' cold starts, as Lambda's init phase runs them.
    await Promise.all([moderationRuntime('upload'), moderationRuntime('fast-queue')]);
    return harness;
  }

  /** The functions' environment, as the infrastructure sets it (here pointing at the emulators). */
  functionsEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of Object.keys(this.savedEnv)) out[name] = process.env[name] as string;
    return out;
  }

  /** The GPU worker's environment: the heavy queue and its DLQ, the verdict and cache tables, the emulators. */
  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...TEST_AWS_ENV,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [ENV.queueUrl]: this.heavyQueues.queueUrl,
      [ENV.deadLetterQueueUrl]: this.heavyQueues.deadLetterQueueUrl,
      [ENV.verdictTable]: this.verdictTable.tableName,
      [ENV.cacheTable]: this.cacheTable.tableName,
      [ENV.s3Endpoint]: endpoint('WINNOW_TEST_S3_ENDPOINT'),
      [ENV.sqsEndpoint]: endpoint('WINNOW_TEST_SQS_ENDPOINT'),
      [ENV.dynamoEndpoint]: endpoint('WINNOW_TEST_DYNAMODB_ENDPOINT'),
      [ENV.workerConcurrency]: '2',
      [ENV.pollWaitSec]: '1',
      [ENV.visibilityTimeoutSec]: '60',
      [ENV.drainTimeoutSec]: '30',
      [ENV.logLevel]: 'info',
      ...(this.policyFile ? { [ENV.policyFile]: this.policyFile } : {}),
      ...extra,
    };
  }

  /** `s3://bucket/key` of an object in the source bucket (the key verbatim). */
  uri(key: string, bucket = this.source.bucket): string {
    return `s3://${bucket}/${key}`;
  }

  /**
   * Uploads an object through the SDK (`PutObject`) and returns the record S3 sends to its notification targets for
   * it: `ObjectCreated:Put`, the key URL-encoded, the size, the ETag (unquoted), no `versionId` (the bucket is not
   * versioned) and a `sequencer`.
   */
  async putObject(key: string, bytes: Buffer | string, bucket = this.source.bucket): Promise<S3EventRecord> {
    const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const out = await this.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const etag = (out.ETag ?? '').replace(/^"(.*)"$/, '$1');
    if (!etag) throw new Error(`PutObject of ${key} returned no ETag`);
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: TEST_AWS_ENV.AWS_REGION,
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AIDAE2EWINNOWTESTER' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: {
        'x-amz-request-id': out.$metadata.requestId ?? randomBytes(8).toString('hex').toUpperCase(),
        'x-amz-id-2': out.$metadata.extendedRequestId ?? randomBytes(32).toString('base64'),
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'winnow-upload',
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: 'A3E2EWINNOWOWNER' },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key: encodeS3EventKey(key),
          size: body.length,
          eTag: etag,
          ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
          sequencer: nextSequencer(),
        },
      },
    };
  }

  /** The object version token (the fast tier's trace id and so the verdicts' `runId`) of an event record. */
  traceIdOf(record: S3EventRecord): string {
    const token = objectVersionToken({
      bucket: record.s3.bucket.name,
      key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
      etag: record.s3.object.eTag,
      ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
      eventName: record.eventName,
    });
    if (!token) throw new Error('the record has neither a version id nor an ETag');
    return token;
  }

  /**
   * Sends bodies (S3 notifications, job messages, anything) to the fast queue and receives them back as the SQS
   * event the Lambda event source mapping would hand the fast-queue function: real message ids, receipt handles,
   * attributes and MD5s. At most 10 bodies (one batch).
   */
  async fastQueueEvent(bodies: readonly string[]): Promise<SQSEvent> {
    if (bodies.length === 0 || bodies.length > 10) throw new RangeError('1 to 10 bodies per batch');
    const { sqs } = this.clients;
    const queueUrl = this.fastQueues.queueUrl;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    const records: SQSRecord[] = [];
    const arn = `arn:aws:sqs:${TEST_AWS_ENV.AWS_REGION}:000000000000:${queueUrl.split('/').pop()}`;
    for (let tries = 0; records.length < bodies.length && tries < 20; tries++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      for (const m of out.Messages ?? []) {
        const a = m.Attributes ?? {};
        records.push({
          messageId: m.MessageId as string,
          receiptHandle: m.ReceiptHandle as string,
          body: m.Body ?? '',
          attributes: {
            ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
            SentTimestamp: a.SentTimestamp ?? String(Date.now()),
            SenderId: a.SenderId ?? 'AIDAE2EWINNOWTESTER',
            ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: m.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: arn,
          awsRegion: TEST_AWS_ENV.AWS_REGION,
        });
      }
    }
    if (records.length !== bodies.length) {
      throw new Error(`received ${records.length} of ${bodies.length} messages from the fast queue`);
    }
    return { Records: records };
  }

  /**
   * Hands an SQS event to the fast-queue function and then does what the event source mapping does with the
   * answer: deletes the messages not listed in `batchItemFailures`.
   */
  async deliverToFastQueueFunction(event: SQSEvent): Promise<SQSBatchResponse> {
    const response = await this.fastQueueHandler(event);
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const record of event.Records) {
      if (!failed.has(record.messageId)) await this.fastQueue.delete(record.receiptHandle);
    }
    return response;
  }

  /**
   * Runs the GPU worker in this process, built by `gpu-worker/wiring.ts` from {@link workerEnv} (once, then reused:
   * the heavy-tier models load once), until the heavy queue holds nothing visible or in flight, or `timeoutMs`.
   */
  async runWorker(timeoutMs = 60_000): Promise<WorkerRun> {
    const sink = (line: string) => {
      this.workerLogs.push(JSON.parse(line) as Record<string, unknown>);
      if (this.logLevel !== 'silent') process.stderr.write(`${line}\n`);
    };
    // The worker logs at info, kept for the test; they reach stderr only when the harness logs too.
    const logger = createLogger({ level: 'info', sink, base: { service: 'winnow-gpu-worker' } });
    const firstLog = this.workerLogs.length;
    this.worker ??= createGpuWorker(readWorkerConfig(this.workerEnv()), logger);
    const worker = await this.worker;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeoutMs);
    const started = Date.now();
    try {
      const result = await worker.run({ signal: stop.signal, shouldStop: () => this.heavyQueueEmpty() });
      if (result.stoppedBy !== 'idle')
        throw new Error(`the worker did not drain the heavy queue in ${timeoutMs} ms`);
      return { elapsedMs: Date.now() - started, result, logs: this.workerLogs.slice(firstLog) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs `node dist/gpu-worker/main.js` (built by `npm run build`) with {@link workerEnv}, waits until it has
   * started, the heavy queue is drained and nothing is in flight, then stops it with SIGTERM and checks it exits 0.
   */
  async runWorkerProcess(timeoutMs = 90_000, extraEnv: Record<string, string> = {}): Promise<WorkerRun> {
    const started = Date.now();
    const worker = new WorkerProcess(this.workerEnv(extraEnv));
    this.children.push(worker);
    try {
      await worker.waitForLog('worker started', timeoutMs);
      const deadline = started + timeoutMs;
      for (;;) {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited early:\n${worker.dump()}`);
        if (await this.heavyQueueEmpty()) break;
        if (Date.now() > deadline)
          throw new Error(`the worker did not drain the heavy queue:\n${worker.dump()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      worker.kill('SIGTERM');
      const exit = await worker.exited;
      if (exit.code !== 0)
        throw new Error(`the worker exited with ${JSON.stringify(exit)}:\n${worker.dump()}`);
      return { elapsedMs: Date.now() - started, logs: worker.lines };
    } finally {
      worker.kill('SIGKILL');
    }
  }

  /** The raw bodies of every visible message of a queue (hidden for `visibilitySec` once received). */
  async receiveAll(queueUrl: string, visibilitySec = 30): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const got = await this.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: visibilitySec,
        }),
      );
      const messages = got.Messages ?? [];
      if (messages.length === 0) return out;
      out.push(...messages.map((m) => m.Body ?? ''));
    }
  }

  /** True when the heavy queue holds no message, visible or in flight. */
  async heavyQueueEmpty(): Promise<boolean> {
    const depth = await this.heavyQueue.depth();
    return depth.visible === 0 && depth.inFlight === 0;
  }

  /** Every verdict in the verdict table. */
  async allVerdicts(): Promise<Verdict[]> {
    const out: Verdict[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.verdicts.query({}, { cursor, limit: 500 });
      out.push(...page.verdicts);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  /** Every verdict whose `runId` is this trace id (the `byRun` index). */
  async verdictsOfRun(runId: string): Promise<Verdict[]> {
    const out: Verdict[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.verdicts.queryByRun(runId, { cursor });
      out.push(...page.verdicts);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  /** Stops workers, deletes the resources (best effort) and restores the environment. */
  async dispose(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    const worker = await this.worker?.catch(() => undefined);
    worker?.close();
    await Promise.all([
      this.source.delete(),
      this.quarantine.delete(),
      this.verdictTable.delete(),
      this.cacheTable.delete(),
      this.fastQueues.delete(),
      this.heavyQueues.delete(),
    ]).catch(() => undefined);
    this.clients.destroy();
    for (const [name, value] of Object.entries(this.savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** S3 event notification of records (one notification; S3 itself sends one record per notification). */
export function s3Notification(records: readonly S3EventRecord[]): S3Event {
  return { Records: [...records] };
}

function endpoint(name: (typeof EMULATOR_ENDPOINTS)[number]): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through jest (test/setup/global-setup.mjs)`);
  return value;
}
