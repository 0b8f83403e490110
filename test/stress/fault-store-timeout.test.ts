import { createAwsClients, DynamoVerdictStore, verdictTableDefinition } from '../../adapters/aws';
import { loadPolicy } from '../../core/policy/load-policy';
import { errorVerdict } from '../../core/verdict/build-verdict';
import { TcpFaultProxy } from '../helpers/tcp-fault-proxy';
import { createTestTable, dynamoEndpoint, type TestTable, testAwsClients } from '../setup/aws-test-resources';
import { TEST_AWS_ENV } from '../setup/sqs-test-queues';

// A DynamoDB endpoint that stops answering (the connection stays open, nothing comes back) must fail the verdict
// store's call with a retryable error after the request timeout, not hold it forever: a worker's visibility
// heartbeat would keep such a job hidden, and its item without a verdict, for as long as the worker lives.

let proxy: TcpFaultProxy;
let table: TestTable;
const admin = testAwsClients();

beforeAll(async () => {
  proxy = await TcpFaultProxy.start(Number(new URL(dynamoEndpoint()).port));
  table = await createTestTable(admin.dynamo, verdictTableDefinition, 'fault-timeout');
});
afterAll(async () => {
  await table.delete();
  admin.destroy();
  await proxy.close();
});

it('a hung DynamoDB connection fails the verdict write retryably after the timeout, and a retry then passes', async () => {
  const clients = createAwsClients({
    region: TEST_AWS_ENV.AWS_REGION,
    dynamoEndpoint: proxy.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
    dynamoRequestTimeoutMs: 300,
  });
  try {
    const store = new DynamoVerdictStore({ client: clients.dynamo, tableName: table.tableName });
    const verdict = errorVerdict(
      { uri: 's3://bucket/hung.txt', sha256: '', media: 'text', format: 'text', bytes: 0 },
      { code: 'empty-item', message: 'empty', retryable: false },
      { policy: loadPolicy(), tier: 'fast', createdAt: new Date('2026-11-26T00:00:00Z') },
    );
    proxy.stallFor(6000);
    const started = Date.now();
    await expect(store.put(verdict)).rejects.toMatchObject({ code: 'transient-store', retryable: true });
    // Two tries of 300 ms and the SDK's backoff, well before the stall ends.
    expect(Date.now() - started).toBeLessThan(4000);
    await new Promise((r) => setTimeout(r, 6500 - (Date.now() - started)));
    await store.put(verdict);
    expect(await store.get(verdict.item.uri)).toEqual(verdict);
  } finally {
    clients.destroy();
  }
});
