import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createAwsClients,
  createSqsClient,
  DynamoVerdictStore,
  SqsJobQueue,
  verdictTableDefinition,
} from '../../adapters/aws';
import { FileUriResolver } from '../../adapters/local';
import type { Detector, TextContent } from '../../core/detectors/detector';
import { createLogger } from '../../core/logging/logger';
import { ModerationEngine } from '../../core/pipeline/moderation-engine';
import type { VerdictStore } from '../../core/ports/verdict-store';
import type { Verdict } from '../../core/verdict/verdict';
import { JOB_SCHEMA_ID, type JobMessage } from '../../core/worker/job-message';
import { createModerationJobHandler } from '../../core/worker/moderation-job-handler';
import { runQueueWorker } from '../../core/worker/queue-worker';
import { TcpFaultProxy } from '../helpers/tcp-fault-proxy';
import { testPolicy } from '../helpers/test-policy';
import { createTestTable, dynamoEndpoint, type TestTable } from '../setup/aws-test-resources';
import { createTestQueues, sqsEndpoint, TEST_AWS_ENV, type TestQueues } from '../setup/sqs-test-queues';

// The GPU worker's job handler and queue worker, on the emulators (the shared fauxqs behind a fault proxy, the
// shared dynalite): the verdict is written, then SQS connections are reset long enough that deleting the message
// fails. The message comes back after its visibility timeout. The redelivery must not moderate the item again and
// rewrite its verdict (a second write is a second verdict event, and its actions run again).

const credentials = {
  accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY,
};

let work: string;
let proxy: TcpFaultProxy;
let table: TestTable;
let queues: TestQueues;
const clients = createAwsClients({ region: 'us-east-1', dynamoEndpoint: dynamoEndpoint(), credentials });
const admin = createSqsClient({ region: 'us-east-1', endpoint: sqsEndpoint(), credentials });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'winnow-fault-redelivery-'));
  proxy = await TcpFaultProxy.start(Number(new URL(sqsEndpoint()).port));
  table = await createTestTable(clients.dynamo, verdictTableDefinition, 'fault-redelivery');
  queues = await createTestQueues(admin, {
    maxReceives: 5,
    visibilityTimeoutSec: 2,
    label: 'fault-redelivery',
  });
});
afterAll(async () => {
  await queues.delete();
  await table.delete();
  clients.destroy();
  admin.destroy();
  await proxy.close();
  rmSync(work, { recursive: true, force: true });
});

it('a job whose message could not be deleted after its verdict was written is not moderated again', async () => {
  const file = join(work, 'item.txt');
  writeFileSync(file, 'this is bad text');
  let detections = 0;
  const detector: Detector = {
    id: 'hate-word',
    version: '1',
    media: ['text'],
    tiers: ['heavy'],
    detect: (input) => {
      detections++;
      const found = (input as TextContent).normalized.text.includes('bad');
      return found ? [{ detector: 'hate-word', category: 'hate', label: 'w', score: 0.9, evidence: [] }] : [];
    },
  };
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'debug',
    sink: (l) => logs.push(JSON.parse(l) as Record<string, unknown>),
  });
  const policy = testPolicy();
  const dynamo = new DynamoVerdictStore({ client: clients.dynamo, tableName: table.tableName });
  // Cuts SQS off right after the first verdict write, so the delete that follows fails (the SDK's retries too).
  let cut = false;
  const verdicts: VerdictStore = {
    put: async (v) => {
      await dynamo.put(v);
      if (!cut) {
        cut = true;
        proxy.resetFor(1500);
      }
    },
    get: (uri, version) => dynamo.get(uri, version),
    query: (filter, page) => dynamo.query(filter, page),
  };
  const job: JobMessage = {
    schema: JOB_SCHEMA_ID,
    item: { uri: pathToFileURL(file).href },
    reason: 'manual',
    policy: { id: policy.id, version: policy.version },
    traceId: 'trace-redelivery',
    enqueuedAt: new Date().toISOString(),
  };
  const sqs = createSqsClient({ region: 'us-east-1', endpoint: proxy.endpoint, credentials });
  try {
    const queue = new SqsJobQueue<unknown>({ client: sqs, queueUrl: queues.queueUrl });
    await new SqsJobQueue<unknown>({ client: admin, queueUrl: queues.queueUrl }).sendBatch([job]);
    const handler = createModerationJobHandler({
      engine: new ModerationEngine({ policy, tier: 'heavy', detectors: [detector], logger }),
      verdicts,
      resolver: new FileUriResolver({ roots: [work] }),
      maxReceives: 5,
    });
    const completed: Verdict[] = [];
    const result = await runQueueWorker({
      queue,
      handler,
      concurrency: 1,
      visibilityTimeoutSec: 2,
      waitTimeSec: 1,
      retryDelaySec: () => 1,
      logger,
      onCompleted: (_, v) => completed.push(v),
      shouldStop: async () => {
        const depth = await queue.depth().catch(() => undefined);
        return depth !== undefined && completed.length > 0 && depth.visible === 0 && depth.inFlight === 0;
      },
    });

    const received = logs.filter((l) => l.msg === 'job received');
    expect(received.map((l) => l.receiveCount)).toEqual([1, 2]);
    expect(result).toMatchObject({ processed: 1, failed: 1 });
    expect(detections).toBe(1);
    expect(logs.filter((l) => l.msg === 'verdict written')).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'verdict already written; repeated job skipped')).toHaveLength(1);
    const stored = await dynamo.get(job.item.uri, policy.version);
    expect(stored).toMatchObject({ decision: 'block', runId: job.traceId, tier: 'heavy' });
    expect(completed).toEqual([stored]);
  } finally {
    sqs.destroy();
  }
});
