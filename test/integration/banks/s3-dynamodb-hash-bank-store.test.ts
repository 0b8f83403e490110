import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type AwsClients, cacheTableDefinition, S3DynamoHashBankStore } from '../../../adapters/aws';
import { BankMatcher } from '../../../core/banks/bank-matcher';
import { runCli } from '../../helpers/run-cli';
import {
  createTestBucket,
  createTestTable,
  dynamoEndpoint,
  s3Endpoint,
  type TestBucket,
  type TestTable,
  testAwsClients,
} from '../../setup/aws-test-resources';
import { TEST_AWS_ENV } from '../../setup/sqs-test-queues';
import { hashBankStoreContract } from '../../unit/banks/hash-bank-store-contract';

describe('S3DynamoHashBankStore (emulators)', () => {
  let clients: AwsClients;
  let bucket: TestBucket;
  let table: TestTable;
  let prefix = 0;
  const makeStore = () =>
    new S3DynamoHashBankStore({
      s3: clients.s3,
      bucket: bucket.bucket,
      dynamo: clients.dynamo,
      tableName: table.tableName,
      // A fresh registry per test, in the shared table.
      registryKey: `hash-banks-${++prefix}`,
      prefix: `banks-${prefix}/`,
    });

  beforeAll(async () => {
    clients = testAwsClients();
    bucket = await createTestBucket(clients.s3, 'banks');
    table = await createTestTable(clients.dynamo, cacheTableDefinition, 'banks');
  });
  afterAll(async () => {
    await bucket.delete();
    await table.delete();
    clients.destroy();
  });

  hashBankStoreContract(makeStore);

  it('keeps at most two snapshots, and another store instance sees every change', async () => {
    const writer = makeStore();
    const reader = new S3DynamoHashBankStore({
      s3: clients.s3,
      bucket: bucket.bucket,
      dynamo: clients.dynamo,
      tableName: table.tableName,
      registryKey: `hash-banks-${prefix}`,
      prefix: `banks-${prefix}/`,
    });
    await writer.putBank('shared');
    for (let i = 0; i < 4; i++) {
      await writer.addEntries('shared', [{ hash: i.toString(16).padStart(64, 'a'), kind: 'pdq' }]);
    }
    const listed = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: `banks-${prefix}/` }),
    );
    expect(listed.Contents?.length).toBe(2);
    const bank = await reader.getBank('shared');
    expect(bank).toMatchObject({ version: 4, entryCount: 4 });
    expect((await reader.listEntries('shared')).entries).toHaveLength(4);

    const matcher = new BankMatcher(reader, { refreshIntervalMs: 0 });
    expect(await matcher.match('pdq', '0'.padStart(64, 'a'), 0)).toHaveLength(1);
    await writer.removeEntries('shared', [{ hash: '0'.padStart(64, 'a'), kind: 'pdq' }]);
    expect(await matcher.match('pdq', '0'.padStart(64, 'a'), 0)).toEqual([]);
  });

  it('serialises racing writers with the registry condition', async () => {
    const a = makeStore();
    const b = new S3DynamoHashBankStore({
      s3: clients.s3,
      bucket: bucket.bucket,
      dynamo: clients.dynamo,
      tableName: table.tableName,
      registryKey: `hash-banks-${prefix}`,
      prefix: `banks-${prefix}/`,
    });
    await a.putBank('race');
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        (i % 2 ? a : b).addEntries('race', [{ hash: i.toString(16).padStart(32, '0'), kind: 'md5' }]),
      ),
    );
    expect(await a.getBank('race')).toMatchObject({ version: 4, entryCount: 4 });
  });
});

describe('winnow bank --aws (emulators)', () => {
  it('imports into and matches from the S3 + DynamoDB banks the deployed functions read', async () => {
    const clients = testAwsClients();
    const bucket = await createTestBucket(clients.s3, 'bank-cli');
    const table = await createTestTable(clients.dynamo, cacheTableDefinition, 'bank-cli');
    const dir = mkdtempSync(join(tmpdir(), 'winnow-bank-aws-'));
    try {
      const pdq = 'f'.repeat(64);
      writeFileSync(join(dir, 'list.txt'), `${pdq}\n`);
      const env = {
        ...TEST_AWS_ENV,
        WINNOW_S3_ENDPOINT: s3Endpoint(),
        WINNOW_DYNAMODB_ENDPOINT: dynamoEndpoint(),
        WINNOW_BANK_TABLE: table.tableName,
      };
      const aws = ['--aws', `${bucket.bucket}/banks`];
      const imported = await runCli(['bank', 'import', 'partner', join(dir, 'list.txt'), ...aws], { env });
      expect(imported.stderr).toBe('');
      expect(imported.stdout).toContain('1 added');
      const matched = await runCli(['bank', 'match', pdq, '--json', ...aws], { env });
      expect(matched.code).toBe(0);
      expect(JSON.parse(matched.stdout).matches[0]).toMatchObject({ bankName: 'partner', distance: 0 });
      // The snapshot is under the prefix, where a function with WINNOW_BANK_LOCATION=<bucket>/banks reads it.
      const listed = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: 'banks/' }),
      );
      expect(listed.KeyCount).toBe(1);
      // Nothing was written to a local state dir.
      expect(existsSync(join(dir, '.winnow'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await bucket.delete();
      await table.delete();
      clients.destroy();
    }
  }, 60_000);
});
