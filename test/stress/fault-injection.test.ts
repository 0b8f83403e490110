import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type Message, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AttributeValue as StreamAttributeValue } from 'aws-lambda';
import {
  type AwsClients,
  cacheTableDefinition,
  createAwsClients,
  SqsJobQueue,
  verdictTableDefinition,
} from '../../adapters/aws';
import { ENV } from '../../core/config/env-names';
import { loadPolicy } from '../../core/policy/load-policy';
import { plannedActions, verdictEventId } from '../../core/serverless/apply-actions';
import { objectVersionToken } from '../../core/serverless/object-version';
import { parseS3Prefix, quarantineLocation } from '../../core/serverless/s3-location';
import { verdictInStoredRecord } from '../../core/serverless/stored-verdict';
import type { Verdict } from '../../core/verdict/verdict';
import { fromStreamImage } from '../../functions/dynamodb-image';
import { prng } from '../helpers/prng';
import { atScale, STRESS } from '../helpers/stress-scale';
import { waitUntil } from '../integration/worker/worker-harness';
import { createTestBucket, createTestTable } from '../setup/aws-test-resources';
import { createTestQueues, TEST_AWS_ENV, type TestQueues } from '../setup/sqs-test-queues';
import { FaultEmulators } from './fault-emulators';
import { EventSink } from './fault-event-sink';
import { type FaultItem, faultItems, uploadItems } from './fault-items';
import { EventSourceMapping } from './fault-lambda';
import { KilledWorkerPool } from './fault-workers';

// Fault injection on the emulated AWS stack, with the real code: the fast-queue and action Lambda handlers
// (dist/functions, each in a child process driven by an event source mapping written here) and the GPU worker
// (dist/gpu-worker/main.js), all on this suite's own fauxqs (SQS, S3) and dynalite (DynamoDB, on disk, behind a TCP
// fault proxy). During the run the handler hosts and the workers are SIGKILLed at seeded random points, the
// DynamoDB emulator is restarted, and the proxy resets or stalls DynamoDB connections in windows. Then: every item
// has exactly one final verdict, none is lost, each action's effect exists exactly once, and retries were counted.

const ITEMS = atScale(160, 1000);
const SEED = Number(process.env.WINNOW_FAULT_SEED ?? 20_261_126);
/** dynalite restarts, at these fractions of the items verdicted. */
const RESTART_AT = atScale([0.4], [0.3, 0.7]);
const RUN_TIMEOUT_MS = atScale(240_000, 900_000);

jest.setTimeout(RUN_TIMEOUT_MS + 120_000);

let work: string;
let emulators: FaultEmulators | undefined;
let clients: AwsClients;
let sink: EventSink | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  clients?.destroy();
  await sink?.close();
  await emulators?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function sendBodies(sqs: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
      }),
    );
    if ((out.Failed ?? []).length > 0) throw new Error('send failed');
  }
}

async function empty(queues: TestQueues): Promise<boolean> {
  for (const url of [queues.queueUrl, queues.deadLetterQueueUrl]) {
    const depth = await new SqsJobQueue({ client: clients.sqs, queueUrl: url }).depth();
    if (depth.visible + depth.inFlight > 0) return false;
  }
  return true;
}

/** Every item of the verdict table, as DynamoDB returns it (attribute values). */
async function scanTable(tableName: string): Promise<Record<string, AttributeValue>[]> {
  const out: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamo.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** An item of the table as its DynamoDB stream image (binary as base64, as stream events carry it). */
function streamImage(item: Record<string, AttributeValue>): Record<string, StreamAttributeValue> {
  return Object.fromEntries(
    Object.entries(item).map(([k, v]) => [k, v.B ? { B: Buffer.from(v.B).toString('base64') } : v]),
  ) as Record<string, StreamAttributeValue>;
}

const sqsRecord = (m: Message, arn: string) => ({
  messageId: m.MessageId,
  receiptHandle: m.ReceiptHandle,
  body: m.Body ?? '',
  attributes: {
    ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: 'AIDAFAULTSUITE',
    ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: m.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: arn,
  awsRegion: TEST_AWS_ENV.AWS_REGION,
});

describe(`fault injection: ${ITEMS} items on the emulated AWS stack${STRESS ? ' (full scale)' : ''}`, () => {
  it('kills, an emulator restart and store faults lose nothing, double nothing, and are counted', async () => {
    const startedAt = Date.now();
    console.log(`fault injection: seed ${SEED} (set WINNOW_FAULT_SEED to replay)`);
    const random = prng(SEED);
    work = mkdtempSync(join(tmpdir(), 'winnow-fault-'));
    emulators = await FaultEmulators.start(join(work, 'dynamo'));
    sink = await EventSink.start();
    clients = createAwsClients({
      region: TEST_AWS_ENV.AWS_REGION,
      s3Endpoint: emulators.s3Endpoint,
      sqsEndpoint: emulators.sqsEndpoint,
      dynamoEndpoint: emulators.dynamoEndpoint,
      credentials: {
        accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
      maxAttempts: 5,
    });
    const [source, quarantine, verdictTable, cacheTable, fast, heavy, actions] = await Promise.all([
      createTestBucket(clients.s3, 'fault-src'),
      createTestBucket(clients.s3, 'fault-quarantine'),
      createTestTable(clients.dynamo, verdictTableDefinition, 'fault-verdicts'),
      createTestTable(clients.dynamo, cacheTableDefinition, 'fault-cache'),
      createTestQueues(clients.sqs, { maxReceives: 10, visibilityTimeoutSec: 3, label: 'fault-fast' }),
      createTestQueues(clients.sqs, { maxReceives: 10, visibilityTimeoutSec: 2, label: 'fault-heavy' }),
      createTestQueues(clients.sqs, { maxReceives: 10, visibilityTimeoutSec: 3, label: 'fault-actions' }),
    ]);
    const policy = loadPolicy();
    const quarantinePrefix = `${quarantine.bucket}/winnow/`;
    const items = faultItems(ITEMS, source.bucket);
    await uploadItems(clients.s3, source.bucket, items, policy, (r) => {
      const token = objectVersionToken({ ...r, eventName: 'ObjectCreated:Put' });
      if (!token) throw new Error('no object version token');
      return token;
    });

    const common = {
      ...TEST_AWS_ENV,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      [ENV.s3Endpoint]: emulators.s3Endpoint,
      [ENV.sqsEndpoint]: emulators.sqsEndpoint,
      [ENV.dynamoEndpoint]: emulators.dynamoEndpoint,
      [ENV.executionProvider]: 'cpu',
    };
    const functionsEnv = {
      ...common,
      [ENV.verdictTable]: verdictTable.tableName,
      [ENV.cacheTable]: cacheTable.tableName,
      [ENV.heavyQueueUrl]: heavy.queueUrl,
      [ENV.fastQueueUrl]: fast.queueUrl,
      [ENV.quarantineLocation]: quarantinePrefix,
      [ENV.statusMarker]: 'metadata',
      [ENV.eventsEndpoint]: sink.endpoint,
      [ENV.logLevel]: 'warn',
    };
    const lambdaLines: Record<string, unknown>[] = [];
    const fastArn = `arn:aws:sqs:us-east-1:000000000000:${fast.queueUrl.split('/').pop()}`;
    const fastMapping = new EventSourceMapping({
      sqs: clients.sqs,
      queueUrl: fast.queueUrl,
      module: 'fast-queue-handler',
      env: functionsEnv,
      toEvent: (messages) => ({ Records: messages.map((m) => sqsRecord(m, fastArn)) }),
      visibilitySec: 3,
      random,
      killProbability: 0.12,
      maxKillDelayMs: 600,
      killAtLeastOnceFrom: 3,
      lines: lambdaLines,
    });
    const workers = new KilledWorkerPool(
      {
        ...common,
        [ENV.queueUrl]: heavy.queueUrl,
        [ENV.deadLetterQueueUrl]: heavy.deadLetterQueueUrl,
        [ENV.verdictTable]: verdictTable.tableName,
        [ENV.cacheTable]: cacheTable.tableName,
        [ENV.workerConcurrency]: '2',
        [ENV.pollWaitSec]: '1',
        [ENV.visibilityTimeoutSec]: '2',
        [ENV.drainTimeoutSec]: '2',
        // Debug, for the receive counts of redelivered jobs.
        [ENV.logLevel]: 'debug',
      },
      1,
      random,
      { min: 2500, max: 6000 },
    );
    cleanups.push(
      () => fastMapping.stop(),
      () => workers.stop(),
    );

    // Store faults: the proxy resets or stalls every DynamoDB connection in windows, a few times a second.
    let faultWindows = 0;
    let faultTimer: NodeJS.Timeout | undefined;
    const injectFaults = () => {
      faultTimer = setTimeout(
        () => {
          const r = random();
          if (r < 0.5) emulators?.dynamoProxy.resetFor(200 + Math.floor(random() * 700));
          else emulators?.dynamoProxy.stallFor(300 + Math.floor(random() * 900));
          faultWindows++;
          injectFaults();
        },
        800 + Math.floor(random() * 1700),
      );
    };
    cleanups.push(async () => clearTimeout(faultTimer));

    await sendBodies(
      clients.sqs,
      fast.queueUrl,
      items.filter((i) => i.route === 'fast').map((i) => i.body as string),
    );
    await sendBodies(
      clients.sqs,
      heavy.queueUrl,
      items.filter((i) => i.route === 'heavy').map((i) => i.body as string),
    );
    fastMapping.start();
    workers.start();
    injectFaults();

    // Until every item has a verdict and both queues are empty; the DynamoDB emulator restarts on the way.
    const restarts = [...RESTART_AT];
    const moderated = await waitUntil(
      'every item verdicted and the queues drained',
      async () => {
        const rows = await scanTable(verdictTable.tableName).catch(() => undefined);
        if (!rows) return undefined;
        if (restarts.length > 0 && rows.length >= ITEMS * (restarts[0] as number)) {
          restarts.shift();
          await emulators?.restartDynamo();
          return undefined;
        }
        if (rows.length < ITEMS || restarts.length > 0) return undefined;
        return (await empty(fast)) && (await empty(heavy)) ? rows : undefined;
      },
      RUN_TIMEOUT_MS,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nfast mapping: ${JSON.stringify(fastMapping.stats)}\nworkers: ${JSON.stringify(workers.stats)}`,
      );
    });
    clearTimeout(faultTimer);
    const moderatedMs = Date.now() - startedAt;
    await fastMapping.stop();
    await workers.stop();

    // The verdict table's stream, which dynalite lacks: one INSERT record per verdict, through a queue to the action
    // handler, whose hosts are killed at random too.
    const actionArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/verdicts/stream/2026-11-26T00:00:00.000';
    await sendBodies(
      clients.sqs,
      actions.queueUrl,
      moderated.map((item) => JSON.stringify(streamImage(item))),
    );
    const actionMapping = new EventSourceMapping({
      sqs: clients.sqs,
      queueUrl: actions.queueUrl,
      module: 'action-handler',
      env: functionsEnv,
      toEvent: (messages) => ({
        Records: messages.map((m) => ({
          eventID: m.MessageId,
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: TEST_AWS_ENV.AWS_REGION,
          eventSourceARN: actionArn,
          dynamodb: {
            Keys: {},
            NewImage: JSON.parse(m.Body ?? '{}'),
            SequenceNumber: m.MessageId,
            SizeBytes: (m.Body ?? '').length,
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
        })),
      }),
      visibilitySec: 3,
      random,
      killProbability: 0.2,
      maxKillDelayMs: 300,
      killAtLeastOnceFrom: 2,
      lines: lambdaLines,
    });
    cleanups.push(() => actionMapping.stop());
    actionMapping.start();
    await waitUntil(
      'the actions applied',
      async () => ((await empty(actions)) ? true : undefined),
      RUN_TIMEOUT_MS,
    );
    await actionMapping.stop();

    // Every item has exactly one final verdict, its own, and no other verdict exists.
    const rows = await scanTable(verdictTable.tableName);
    const byUri = new Map<string, Verdict[]>();
    for (const row of rows) {
      const verdict = verdictInStoredRecord(fromStreamImage(streamImage(row)));
      expect(verdict).toBeDefined();
      const list = byUri.get((verdict as Verdict).item.uri) ?? [];
      list.push(verdict as Verdict);
      byUri.set((verdict as Verdict).item.uri, list);
    }
    expect(rows).toHaveLength(ITEMS);
    const decisions = new Map<string, Set<string>>();
    const verdictOf = new Map<FaultItem, Verdict>();
    for (const item of items) {
      const found = byUri.get(item.uri) ?? [];
      expect({ uri: item.uri, verdicts: found.length }).toEqual({ uri: item.uri, verdicts: 1 });
      const verdict = found[0] as Verdict;
      expect(verdict).toMatchObject({
        runId: item.traceId,
        tier: item.route,
        policy: { version: policy.version },
      });
      expect({ uri: item.uri, decision: verdict.decision }).not.toEqual({ uri: item.uri, decision: 'error' });
      verdictOf.set(item, verdict);
      const seen = decisions.get(`${item.route}:${item.template}`) ?? new Set();
      seen.add(verdict.decision);
      decisions.set(`${item.route}:${item.template}`, seen);
    }
    // The same text decides the same way, whatever faults its run met.
    for (const [template, seen] of decisions)
      expect({ template, decisions: [...seen] }).toMatchObject({ template, decisions: [expect.any(String)] });

    // None lost: every queue and dead-letter queue is empty.
    for (const q of [fast, heavy, actions]) expect(await empty(q)).toBe(true);

    // Actions applied once: one quarantine copy per item whose verdict asks for it and none for any other; the
    // status marker on every item whose verdict asks for a tag; one distinct verdict event per notify.
    const prefix = parseS3Prefix(quarantinePrefix);
    const wantQuarantine = new Set<string>();
    const wantEvents = new Set<string>();
    let blocked = 0;
    for (const [item, verdict] of verdictOf) {
      const planned = plannedActions(verdict);
      if (verdict.decision === 'block') blocked++;
      if (planned.includes('quarantine')) {
        wantQuarantine.add(quarantineLocation({ bucket: source.bucket, key: item.key }, prefix).key);
      }
      if (planned.includes('notify')) wantEvents.add(verdictEventId(verdict));
      const head = await clients.s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: item.key }));
      expect({ key: item.key, marker: head.Metadata?.['winnow-decision'] }).toEqual({
        key: item.key,
        marker: planned.includes('tag') ? verdict.decision : undefined,
      });
    }
    const copies: string[] = [];
    let token: string | undefined;
    do {
      const page = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: quarantine.bucket, ContinuationToken: token }),
      );
      copies.push(...(page.Contents ?? []).map((o) => o.Key as string));
      token = page.NextContinuationToken;
    } while (token);
    expect(blocked).toBeGreaterThan(0);
    expect(wantQuarantine.size).toBeGreaterThan(0);
    expect(copies.sort()).toEqual([...wantQuarantine].sort());
    expect([...sink.deliveries.keys()].sort()).toEqual([...wantEvents].sort());
    const repeatedEvents = [...sink.deliveries.values()].reduce((n, c) => n + c - 1, 0);

    // Retries were counted: the functions and the worker log each store retry; each follows at least one
    // connection the proxy cut (by a fault window or while the emulator was down), so there are no more of them.
    const stats = emulators.dynamoProxy.stats;
    const functionRetries = lambdaLines.filter((l) => l.message === 'store call failed; retrying').length;
    const actionRetries = lambdaLines.filter((l) => l.message === 'action failed; retrying').length;
    const workerRetries = workers.logs('verdict store failed; retrying').length;
    const workerRedeliveries = workers.logs('job received').filter((l) => Number(l.receiveCount) > 1).length;
    const jobRetries = workers.logs('job failed; it will be retried').length;
    const storeRetries = functionRetries + workerRetries;
    const resets = stats.injectedResets + stats.upstreamResets;
    const rewrites = Math.max(
      0,
      workers.logs('verdict written').length - items.filter((i) => i.route === 'heavy').length,
    );
    const skippedRepeats = workers.logs('verdict already written; repeated job skipped').length;
    const fastItemFailures = lambdaLines.filter(
      (l) => l.message === 'item failed; it will be retried',
    ).length;

    console.log(
      `fault injection (seed ${SEED}): ${ITEMS} items (${wantQuarantine.size} quarantined, ${wantEvents.size} notified); ` +
        `kills: fast-queue handler ${fastMapping.stats.kills}, action handler ${actionMapping.stats.kills}, ` +
        `GPU worker ${workers.stats.kills}; DynamoDB emulator restarts ${emulators.restarts}; ` +
        `fault windows ${faultWindows} (connections reset: ${stats.injectedResets} injected, ${stats.upstreamResets} by the restarts); ` +
        `retries counted: store ${storeRetries} (functions ${functionRetries}, worker ${workerRetries}), actions ${actionRetries}, ` +
        `worker job retries ${jobRetries}, fast items left to a redelivery ${fastItemFailures} ` +
        `(${fastMapping.stats.reportedFailures} in batchItemFailures); ` +
        `redeliveries: fast queue ${fastMapping.stats.redeliveries}, ` +
        `heavy queue ${workerRedeliveries}, actions ${actionMapping.stats.redeliveries}; ` +
        `repeated verdict events ${repeatedEvents} (same id); heavy jobs repeated after their verdict ` +
        `${skippedRepeats} (skipped), heavy verdicts written twice ${rewrites}; ` +
        `moderated in ${(moderatedMs / 1000).toFixed(1)} s, wall ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
    expect(fastMapping.stats.kills).toBeGreaterThan(0);
    expect(actionMapping.stats.kills).toBeGreaterThan(0);
    expect(workers.stats.kills).toBeGreaterThan(0);
    expect(faultWindows).toBeGreaterThan(0);
    expect(emulators.restarts).toBe(RESTART_AT.length);
    expect(resets).toBeGreaterThan(0);
    expect(storeRetries).toBeGreaterThan(0);
    expect(storeRetries).toBeLessThanOrEqual(resets);
    if (fastMapping.stats.kills > 0) expect(fastMapping.stats.redeliveries).toBeGreaterThan(0);
  });
});
