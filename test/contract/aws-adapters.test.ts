import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  CompositeItemResolver,
  cacheTableDefinition,
  createAwsClients,
  DynamoContentCache,
  DynamoRunStateStore,
  DynamoVerdictStore,
  S3ItemResolver,
  S3ObjectStore,
  StoreItemTooLargeError,
  StoreRequestError,
  VERDICT_TABLE,
  verdictPartitionKey,
  verdictTableDefinition,
} from '../../adapters/aws';
import { FileUriResolver } from '../../adapters/local';
import type { Detector, TextContent } from '../../core/detectors/detector';
import { TransientStoreError, toErrorInfo, UnreadableItemError } from '../../core/errors';
import { createLogger } from '../../core/logging/logger';
import { ModerationEngine } from '../../core/pipeline/moderation-engine';
import type { ContentKey } from '../../core/ports/content-cache';
import type { VerdictPage } from '../../core/ports/verdict-store';
import type { Verdict } from '../../core/verdict/verdict';
import { JOB_SCHEMA_ID } from '../../core/worker/job-message';
import { createModerationJobHandler } from '../../core/worker/moderation-job-handler';
import { testPolicy } from '../helpers/test-policy';
import {
  createTestBucket,
  createTestTable,
  seedObjects,
  type TestBucket,
  type TestTable,
  testAwsClients,
} from '../setup/aws-test-resources';
import { describeContentCacheContract } from './content-cache.contract';
import { makeCachedResult, makeVerdict, readAll } from './contract-helpers';
import { describeObjectStoreContract } from './object-store.contract';
import { describeVerdictStoreContract } from './verdict-store.contract';

// The contracts the local adapters pass, against S3 as emulated by fauxqs and DynamoDB as emulated by dynalite
// (both started by test/setup/global-setup.mjs); then what only the AWS adapters promise.
const clients = testAwsClients();
const { s3, dynamo } = clients;
afterAll(() => clients.destroy());

const MiB = 1024 * 1024;

/** Clients whose endpoints refuse connections: every request fails as a network error. */
const deadClients = () =>
  createAwsClients({
    region: 'us-east-1',
    s3Endpoint: 'http://127.0.0.1:9',
    dynamoEndpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });

describeObjectStoreContract(
  'S3ObjectStore',
  async () => {
    const b = await createTestBucket(s3, 'os');
    const open = () => new S3ObjectStore({ client: s3, bucket: b.bucket });
    return { store: open(), reopen: async () => open(), cleanup: () => b.delete() };
  },
  { newlineInKeys: true },
);

describeObjectStoreContract(
  'S3ObjectStore under a key prefix',
  async () => {
    const b = await createTestBucket(s3, 'osp');
    // Objects beside the prefix that the store must never list or strip wrongly.
    for (const decoy of ['tenant/a', 'tenant/b.txt', 'tenant/a-other/x.txt', 'zzz.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: b.bucket, Key: decoy, Body: 'decoy' }));
    }
    const open = () => new S3ObjectStore({ client: s3, bucket: b.bucket, prefix: 'tenant/a/' });
    return { store: open(), reopen: async () => open(), cleanup: () => b.delete() };
  },
  { newlineInKeys: true },
);

describeVerdictStoreContract('DynamoVerdictStore', async () => {
  const t = await createTestTable(dynamo, verdictTableDefinition, 'verdicts');
  return {
    store: new DynamoVerdictStore({ client: dynamo, tableName: t.tableName }),
    cleanup: () => t.delete(),
  };
});

describeContentCacheContract('DynamoContentCache', async () => {
  const t = await createTestTable(dynamo, cacheTableDefinition, 'cache');
  return {
    cache: new DynamoContentCache({ client: dynamo, tableName: t.tableName }),
    cleanup: () => t.delete(),
  };
});

describe('S3ObjectStore beyond the contract', () => {
  let b: TestBucket;
  let store: S3ObjectStore;
  beforeEach(async () => {
    b = await createTestBucket(s3, 's3x');
    store = new S3ObjectStore({ client: s3, bucket: b.bucket, partSize: 5 * MiB });
  });
  afterEach(() => b.delete());

  /** 1 MiB chunks of random bytes. */
  const chunks = (count: number): Buffer[] => Array.from({ length: count }, () => randomBytes(MiB));
  const sha = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');

  it('uploads a 12 MiB stream in parts and streams it back intact', async () => {
    const parts = chunks(12);
    await store.put('big/stream.bin', Readable.from(parts));
    const info = await store.head('big/stream.bin');
    expect(info?.size).toBe(12 * MiB);
    // A multipart object's ETag ends in -<parts>: 5 MiB parts make 3.
    expect(info?.etag).toMatch(/-3"?$/);
    expect(sha(await readAll(await store.get('big/stream.bin')))).toBe(sha(Buffer.concat(parts)));
    const range = await readAll(await store.get('big/stream.bin', { start: 5 * MiB - 2, end: 5 * MiB + 1 }));
    expect(range).toEqual(Buffer.concat(parts).subarray(5 * MiB - 2, 5 * MiB + 2));
  });

  it('uploads a buffer over the threshold in parts, and a small one in one request', async () => {
    const small = new S3ObjectStore({
      client: s3,
      bucket: b.bucket,
      multipartThreshold: 6 * MiB,
      partSize: 5 * MiB,
    });
    const body = Buffer.concat(chunks(7));
    await small.put('big.bin', body);
    expect((await small.head('big.bin'))?.etag).toMatch(/-2"?$/);
    expect(sha(await readAll(await small.get('big.bin')))).toBe(sha(body));
    await small.put('small.bin', Buffer.from('tiny'));
    expect((await small.head('small.bin'))?.etag).not.toMatch(/-\d+"?$/);
    await small.put('empty.bin', '');
    expect(await small.head('empty.bin')).toMatchObject({ size: 0 });
    expect(await readAll(await small.get('empty.bin'))).toHaveLength(0);
  });

  it('pages through 2,500 keys: full pages, cursors that resume, pages larger than one S3 request', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `many/${String(i).padStart(4, '0')}.txt`);
    await seedObjects(b.bucket, keys);
    await store.put('other.txt', 'not under many/');

    const sizes: number[] = [];
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ prefix: 'many/', cursor });
      sizes.push(page.items.length);
      seen.push(...page.items.map((i) => i.key));
      cursor = page.cursor;
    } while (cursor);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(seen).toEqual(keys);

    const big = await store.list({ prefix: 'many/', limit: 2200 });
    expect(big.items).toHaveLength(2200);
    expect(big.cursor).toBe(keys[2199]);
    const rest = await store.list({ prefix: 'many/', cursor: big.cursor, limit: 5000 });
    expect(rest.items.map((i) => i.key)).toEqual(keys.slice(2200));
    expect(rest.cursor).toBeUndefined();

    const all = await store.list({ limit: 10_000 });
    expect(all.items).toHaveLength(2501);
    expect(all.cursor).toBeUndefined();
    // A key that was never stored works as a cursor too: the listing resumes after where it would sort.
    expect(
      (await store.list({ prefix: 'many/', cursor: 'many/1234x', limit: 2 })).items.map((i) => i.key),
    ).toEqual(['many/1235.txt', 'many/1236.txt']);
  });

  it('keeps keys with spaces, plus signs, percent signs and unicode verbatim, in keys and in URIs', async () => {
    const keys = ['a b.txt', 'a+b.txt', 'a%20b.txt', 'c%2Bd+e f.txt', 'ünï/日本語 😀.txt', 'q?x=1#frag'];
    for (const key of keys) await store.put(key, `body of ${key}`);
    const listed = (await store.list()).items.map((i) => i.key);
    expect([...listed].sort()).toEqual([...keys].sort());
    const resolver = new S3ItemResolver({ client: s3 });
    for (const key of keys) {
      expect((await readAll(await store.get(key))).toString()).toBe(`body of ${key}`);
      const uri = store.uriFor(key);
      expect(uri).toBe(`s3://${b.bucket}/${key}`);
      const source = await resolver.resolve(uri);
      expect(source.uri).toBe(uri);
      expect(source.size).toBe(Buffer.byteLength(`body of ${key}`));
      expect((await readAll(await source.open())).toString()).toBe(`body of ${key}`);
    }
  });

  it('reads an empty range past the end, and refuses invalid ranges', async () => {
    await store.put('d.txt', '0123456789');
    expect(await readAll(await store.get('d.txt', { start: 10 }))).toHaveLength(0);
    expect(await readAll(await store.get('d.txt', { start: 50, end: 60 }))).toHaveLength(0);
    await expect(store.get('d.txt', { start: 5, end: 2 })).rejects.toThrow(RangeError);
    await expect(store.get('d.txt', { start: -1 })).rejects.toThrow(RangeError);
  });

  it('maps a missing bucket to unreadable reads and a permanent write error', async () => {
    const gone = new S3ObjectStore({ client: s3, bucket: `${b.bucket}-missing` });
    await expect(gone.get('x')).rejects.toBeInstanceOf(UnreadableItemError);
    await expect(gone.list()).rejects.toBeInstanceOf(UnreadableItemError);
    expect(await gone.head('x')).toBeUndefined();
    const err = await gone.put('x', 'y').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreRequestError);
    expect(err).toMatchObject({ code: 'store-request', retryable: false });
    expect((err as Error).message).toMatch(/NoSuchBucket/);
  });

  it('maps an unreachable endpoint to TransientStoreError (retryable)', async () => {
    const dead = deadClients();
    try {
      const unreachable = new S3ObjectStore({ client: dead.s3, bucket: b.bucket });
      for (const attempt of [
        () => unreachable.get('x'),
        () => unreachable.head('x'),
        () => unreachable.list(),
        () => unreachable.put('x', 'y'),
        () => unreachable.put('x', Readable.from([Buffer.from('y')])),
      ]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TransientStoreError);
      }
    } finally {
      dead.destroy();
    }
  });

  it("passes a failing body stream's own error through, not as a store error", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('the source broke'));
      },
    });
    await expect(store.put('broken.bin', failing)).rejects.toThrow('the source broke');
    expect(await store.head('broken.bin')).toBeUndefined();
  });
});

describe('S3ItemResolver and CompositeItemResolver', () => {
  let b: TestBucket;
  beforeEach(async () => {
    b = await createTestBucket(s3, 'res');
    await s3.send(new PutObjectCommand({ Bucket: b.bucket, Key: 'in/item.txt', Body: 'hello s3' }));
  });
  afterEach(() => b.delete());

  const unreadable = async (p: Promise<unknown>, message: RegExp) => {
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreadableItemError);
    expect(toErrorInfo(err)).toMatchObject({ code: 'unreadable', retryable: false });
    expect((err as Error).message).toMatch(message);
  };

  it('resolves s3://bucket/key to its size and a stream of its bytes', async () => {
    const resolver = new S3ItemResolver({ client: s3, allowedBuckets: [b.bucket] });
    const source = await resolver.resolve(`s3://${b.bucket}/in/item.txt`, { size: 999 });
    expect(source).toMatchObject({ uri: `s3://${b.bucket}/in/item.txt`, size: 8 });
    expect((await readAll(await source.open())).toString()).toBe('hello s3');
    // The scheme in another case is the same URI.
    expect((await resolver.resolve(`S3://${b.bucket}/in/item.txt`)).uri).toBe(`s3://${b.bucket}/in/item.txt`);
  });

  it('takes the key verbatim: no percent-decoding', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b.bucket, Key: 'in/a b.txt', Body: 'spaced' }));
    const resolver = new S3ItemResolver({ client: s3 });
    await expect((await resolver.resolve(`s3://${b.bucket}/in/a%20b.txt`)).open()).rejects.toBeInstanceOf(
      UnreadableItemError,
    );
    const spaced = await resolver.resolve(`s3://${b.bucket}/in/a b.txt`);
    expect((await readAll(await spaced.open())).toString()).toBe('spaced');
  });

  it('refuses other schemes, malformed URIs and buckets that are not allowed', async () => {
    const resolver = new S3ItemResolver({ client: s3, allowedBuckets: [b.bucket] });
    await unreadable(resolver.resolve('https://example.com/x.txt'), /unsupported URI scheme in https:/);
    await unreadable(resolver.resolve('file:///etc/passwd'), /unsupported URI scheme in file:/);
    await unreadable(resolver.resolve(`s3://${b.bucket}`), /not an s3:\/\/bucket\/key URI/);
    await unreadable(resolver.resolve(`s3://${b.bucket}/`), /not an s3:\/\/bucket\/key URI/);
    await unreadable(resolver.resolve('s3:///key'), /not an s3:\/\/bucket\/key URI/);
    await unreadable(resolver.resolve('s3://other-bucket/in/item.txt'), /not among the allowed buckets/);
    await unreadable(
      new S3ItemResolver({ client: s3, allowedBuckets: [] }).resolve(`s3://${b.bucket}/x`),
      /allowed/,
    );
  });

  it('resolves a missing object to a source whose open fails as unreadable', async () => {
    const resolver = new S3ItemResolver({ client: s3 });
    const source = await resolver.resolve(`s3://${b.bucket}/in/missing.txt`, { size: 42 });
    expect(source.size).toBe(42);
    await unreadable(source.open(), /NoSuchKey/);
  });

  it('throws TransientStoreError when the object cannot be looked up for now', async () => {
    const dead = deadClients();
    try {
      const err = await new S3ItemResolver({ client: dead.s3 })
        .resolve(`s3://${b.bucket}/in/item.txt`)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientStoreError);
    } finally {
      dead.destroy();
    }
  });

  it('dispatches by scheme, and refuses schemes it has no resolver for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'winnow-composite-'));
    try {
      writeFileSync(join(dir, 'local.txt'), 'hello file');
      const resolver = new CompositeItemResolver({
        file: new FileUriResolver({ roots: [dir] }),
        S3: new S3ItemResolver({ client: s3 }),
      });
      expect(resolver.schemes).toEqual(['file', 's3']);
      const local = await resolver.resolve(pathToFileURL(join(dir, 'local.txt')).href);
      expect((await readAll(await local.open())).toString()).toBe('hello file');
      const remote = await resolver.resolve(`s3://${b.bucket}/in/item.txt`);
      expect((await readAll(await remote.open())).toString()).toBe('hello s3');
      await unreadable(
        resolver.resolve('gs://bucket/x'),
        /unsupported URI scheme in gs:.*file:\/\/, s3:\/\//,
      );
      await unreadable(resolver.resolve('no scheme at all'), /without a scheme/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DynamoVerdictStore beyond the contract', () => {
  let t: TestTable;
  let store: DynamoVerdictStore;
  const doc = DynamoDBDocumentClient.from(dynamo);
  beforeEach(async () => {
    t = await createTestTable(dynamo, verdictTableDefinition, 'vx');
    store = new DynamoVerdictStore({ client: dynamo, tableName: t.tableName });
  });
  afterEach(() => t.delete());

  const raw = async (uri: string, version = '2024-01') =>
    (
      await doc.send(
        new GetCommand({ TableName: t.tableName, Key: { pk: verdictPartitionKey(uri), sk: version } }),
      )
    ).Item;

  async function pages(fetch: (cursor?: string) => Promise<VerdictPage>): Promise<Verdict[]> {
    const out: Verdict[] = [];
    let cursor: string | undefined;
    do {
      const page = await fetch(cursor);
      out.push(...page.verdicts);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  it('does not rewrite the same verdict written again', async () => {
    const v = makeVerdict({ uri: 's3://b/again.txt', decision: 'review', categories: { spam: 'review' } });
    await store.put(v);
    const first = await raw(v.item.uri);
    await store.put(structuredClone(v));
    const second = await raw(v.item.uri);
    expect(second?.[VERDICT_TABLE.attributes.writtenAt]).toBe(first?.[VERDICT_TABLE.attributes.writtenAt]);
    expect((await store.query({})).verdicts).toEqual([v]);
  });

  it('keeps the newer verdict: a later createdAt replaces, an earlier one is ignored', async () => {
    const uri = 's3://b/newer.txt';
    const t1 = makeVerdict({ uri, decision: 'allow', createdAt: '2024-05-01T12:00:00.000Z' });
    const t2 = makeVerdict({
      uri,
      decision: 'block',
      categories: { hate: 'block' },
      createdAt: '2024-05-02T00:00:00Z',
    });
    const t3 = makeVerdict({ uri, decision: 'review', createdAt: '2024-05-03T00:00:00.000Z' });
    await store.put(t2);
    await store.put(t1);
    expect(await store.get(uri)).toEqual(t2);
    expect((await store.query({ decision: 'allow' })).verdicts).toEqual([]);
    await store.put(t3);
    expect(await store.get(uri, '2024-01')).toEqual(t3);
    expect((await store.query({ decision: 'block' })).verdicts).toEqual([]);
    // The stored time is normalised, so string order is time order whatever the writer's precision.
    expect((await raw(uri))?.createdAt).toBe('2024-05-03T00:00:00.000Z');
  });

  it('queries the byDecision and byRun indexes by time range, either way, page by page', async () => {
    const day = (d: number) => `2024-06-${String(d).padStart(2, '0')}T10:00:00.000Z`;
    const seed = Array.from({ length: 12 }, (_, i) =>
      makeVerdict({
        uri: `s3://b/t/${i}.txt`,
        decision: i % 3 === 0 ? 'block' : 'allow',
        categories: i % 3 === 0 ? { hate: 'block' } : {},
        runId: i < 6 ? 'run-a' : 'run-b',
        createdAt: day(i + 1),
      }),
    );
    for (const v of [...seed].reverse()) await store.put(v);
    const blocks = seed.filter((v) => v.decision === 'block');

    const all = await pages((cursor) => store.queryByDecision('block', { cursor, limit: 1 }));
    expect(all).toEqual(blocks);
    const ranged = await pages((cursor) =>
      store.queryByDecision('block', { from: day(4), to: new Date(day(10)), cursor, limit: 1 }),
    );
    expect(ranged.map((v) => v.createdAt)).toEqual([day(4), day(7), day(10)]);
    const newest = await store.queryByDecision('block', { from: day(2), newestFirst: true, limit: 2 });
    expect(newest.verdicts.map((v) => v.createdAt)).toEqual([day(10), day(7)]);
    expect(newest.cursor).toBeDefined();
    const older = await store.queryByDecision('block', {
      from: day(2),
      newestFirst: true,
      cursor: newest.cursor,
    });
    expect(older.verdicts.map((v) => v.createdAt)).toEqual([day(4)]);
    expect(older.cursor).toBeUndefined();
    expect((await store.queryByDecision('allow', { to: day(3) })).verdicts.map((v) => v.createdAt)).toEqual([
      day(2),
      day(3),
    ]);

    const runB = await pages((cursor) => store.queryByRun('run-b', { from: day(9), cursor, limit: 2 }));
    expect(runB).toEqual(seed.slice(8));
    // The port's query uses the same indexes.
    expect(
      await pages((cursor) => store.query({ runId: 'run-a', decision: 'block' }, { cursor, limit: 1 })),
    ).toEqual([seed[0], seed[3]]);
    await expect(store.query({ decision: 'block' }, { cursor: newest.cursor })).resolves.toBeDefined();
    await expect(store.query({ runId: 'run-a' }, { cursor: newest.cursor })).rejects.toThrow(RangeError);
    await expect(store.query({}, { cursor: 'garbage' })).rejects.toThrow('invalid verdict query cursor');
  });

  it('stores a verdict of more than 400 KB compressed, and reads it back whole', async () => {
    const base = makeVerdict({ uri: 's3://b/huge.mp4', decision: 'review', categories: { spam: 'review' } });
    const signals = Array.from({ length: 6000 }, (_, i) => ({
      detector: 'ocr',
      category: 'spam',
      label: `frame-${i}`,
      score: (i % 100) / 100,
      evidence: [
        { kind: 'note' as const, text: `frame ${i}: buy cheap watches at example.com, offer ${i * 7}` },
      ],
    }));
    const huge: Verdict = { ...base, signals };
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(400 * 1024);
    await store.put(huge);
    expect(await store.get(huge.item.uri)).toEqual(huge);
    expect((await store.query({ category: 'spam' })).verdicts).toEqual([huge]);
    const stored = (await raw(huge.item.uri))?.[VERDICT_TABLE.attributes.document];
    expect(stored).toBeInstanceOf(Uint8Array);
    expect((stored as Uint8Array).length).toBeLessThan(350 * 1024);
  });

  it('refuses a verdict too large even compressed with a permanent StoreItemTooLargeError', async () => {
    const base = makeVerdict({ uri: 's3://b/noise.bin', decision: 'allow' });
    const noise: Verdict = {
      ...base,
      signals: [
        {
          detector: 'x',
          category: null,
          label: randomBytes(600 * 1024).toString('base64'),
          score: 0,
          evidence: [],
        },
      ],
    };
    const err = await store.put(noise).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreItemTooLargeError);
    expect(toErrorInfo(err)).toMatchObject({ code: 'store-item-too-large', retryable: false });
    expect((err as Error).message).toMatch(/s3:\/\/b\/noise\.bin.*gzipped.*at most 358400 bytes/);
    expect(await store.get(base.item.uri)).toBeUndefined();
  });

  it('stores an item URI longer than a partition key may be under its hash', async () => {
    const uri = `s3://b/${'deep/'.repeat(500)}x.txt`;
    const v = makeVerdict({ uri, decision: 'block', categories: { hate: 'block' } });
    await store.put(v);
    expect(verdictPartitionKey(uri)).toMatch(/^#sha256:[0-9a-f]{64}$/);
    expect(await store.get(uri)).toEqual(v);
    expect(await store.get(uri, '2024-01')).toEqual(v);
    expect((await store.query({ decision: 'block' })).verdicts).toEqual([v]);
  });

  it('maps a missing table to StoreRequestError and an unreachable endpoint to TransientStoreError', async () => {
    const missing = new DynamoVerdictStore({ client: dynamo, tableName: `${t.tableName}-missing` });
    const err = await missing.get('s3://b/x', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreRequestError);
    expect((err as Error).message).toMatch(/ResourceNotFoundException/);
    const dead = deadClients();
    try {
      const unreachable = new DynamoVerdictStore({ client: dead.dynamo, tableName: t.tableName });
      await expect(unreachable.put(makeVerdict({ uri: 's3://b/x' }))).rejects.toBeInstanceOf(
        TransientStoreError,
      );
      await expect(unreachable.query({ decision: 'allow' })).rejects.toBeInstanceOf(TransientStoreError);
    } finally {
      dead.destroy();
    }
  });
});

describe('DynamoContentCache and DynamoRunStateStore beyond the contract', () => {
  let t: TestTable;
  beforeEach(async () => {
    t = await createTestTable(dynamo, cacheTableDefinition, 'cx');
  });
  afterEach(() => t.delete());

  const key = (over: Partial<ContentKey> = {}): ContentKey => ({
    sha256: 'd'.repeat(64),
    policyVersion: '2024-01',
    detectorsFingerprint: 'wordlist@1',
    ...over,
  });

  it('expires entries after ttlSec, before DynamoDB sweeps them', async () => {
    let now = Date.parse('2024-05-01T00:00:00Z');
    const cache = new DynamoContentCache({
      client: dynamo,
      tableName: t.tableName,
      ttlSec: 60,
      now: () => now,
    });
    const result = makeCachedResult('review');
    await cache.put(key(), result);
    expect(await cache.get(key())).toEqual(result);
    now += 61_000;
    expect(await cache.get(key())).toBeUndefined();
  });

  it('hashes a long key, and skips results too large to cache instead of failing', async () => {
    const cache = new DynamoContentCache({ client: dynamo, tableName: t.tableName });
    const long = key({ detectorsFingerprint: 'detector@1,'.repeat(200) });
    const result = makeCachedResult('block');
    await cache.put(long, result);
    expect(await cache.get(long)).toEqual(result);
    expect(await cache.get(key())).toBeUndefined();

    const noisy = {
      ...result,
      signals: [{ ...result.signals[0], label: randomBytes(600 * 1024).toString('base64') }],
    };
    await expect(cache.put(key(), noisy as typeof result)).resolves.toBeUndefined();
    expect(await cache.get(key())).toBeUndefined();
  });

  it('keeps run state in the same table as the cache', async () => {
    const cache = new DynamoContentCache({ client: dynamo, tableName: t.tableName });
    const runs = new DynamoRunStateStore({ client: dynamo, tableName: t.tableName });
    expect(await runs.getRun('scan:1')).toBeUndefined();
    await runs.putRun('scan:1', { status: 'running', cursors: ['a/b', 'ünï'] });
    await cache.put(key(), makeCachedResult('allow'));
    await runs.putRun('scan:1', { status: 'done', cursors: [] });
    expect(await runs.getRun('scan:1')).toEqual({ status: 'done', cursors: [] });
    expect(await cache.get(key())).toEqual(makeCachedResult('allow'));
  });
});

describe('the heavy-tier job handler over S3 and DynamoDB', () => {
  let b: TestBucket;
  let verdictTable: TestTable;
  let cacheTable: TestTable;
  beforeAll(async () => {
    b = await createTestBucket(s3, 'e2e');
    verdictTable = await createTestTable(dynamo, verdictTableDefinition, 'e2ev');
    cacheTable = await createTestTable(dynamo, cacheTableDefinition, 'e2ec');
  });
  afterAll(async () => {
    await b.delete();
    await verdictTable.delete();
    await cacheTable.delete();
  });

  const hateWord: Detector = {
    id: 'hate-word',
    version: '1',
    media: ['text'],
    tiers: ['heavy'],
    detect: (input) =>
      (input as TextContent).normalized.text.includes('bad')
        ? [{ detector: 'hate-word', category: 'hate', label: 'w', score: 0.9, evidence: [] }]
        : [],
  };

  it('moderates s3:// items into DynamoDB verdicts, and writes unreadable verdicts for refused URIs', async () => {
    const verdicts = new DynamoVerdictStore({ client: dynamo, tableName: verdictTable.tableName });
    const handler = createModerationJobHandler({
      engine: new ModerationEngine({
        policy: testPolicy(),
        tier: 'heavy',
        detectors: [hateWord],
        cache: new DynamoContentCache({ client: dynamo, tableName: cacheTable.tableName }),
        logger: createLogger({ level: 'silent' }),
      }),
      verdicts,
      resolver: new CompositeItemResolver({
        s3: new S3ItemResolver({ client: s3, allowedBuckets: [b.bucket] }),
      }),
      maxReceives: 3,
    });
    await s3.send(new PutObjectCommand({ Bucket: b.bucket, Key: 'up/a b+c.txt', Body: 'this is bad text' }));
    await s3.send(new PutObjectCommand({ Bucket: b.bucket, Key: 'up/copy.txt', Body: 'this is bad text' }));
    const job = (uri: string) => ({
      id: uri,
      receipt: uri,
      receiveCount: 1,
      body: {
        schema: JOB_SCHEMA_ID,
        item: { uri },
        reason: 'manual',
        policy: { id: 'test', version: '1' },
        traceId: 'trace-e2e',
        enqueuedAt: new Date().toISOString(),
      },
    });
    const ctx = { signal: new AbortController().signal, logger: createLogger({ level: 'silent' }) };

    const first = await handler(job(`s3://${b.bucket}/up/a b+c.txt`), ctx);
    expect(first).toMatchObject({ decision: 'block', cached: false, runId: 'trace-e2e' });
    expect(first.item).toMatchObject({ uri: `s3://${b.bucket}/up/a b+c.txt`, bytes: 16, media: 'text' });
    // Identical bytes: the content cache answers.
    const copy = await handler(job(`s3://${b.bucket}/up/copy.txt`), ctx);
    expect(copy).toMatchObject({ decision: 'block', cached: true });

    const refused = await handler(job('s3://somebody-elses-bucket/x.txt'), ctx);
    expect(refused).toMatchObject({ decision: 'error', error: { code: 'unreadable', retryable: false } });
    const missing = await handler(job(`s3://${b.bucket}/up/missing.txt`), ctx);
    expect(missing).toMatchObject({ decision: 'error', error: { code: 'unreadable' } });

    expect(await verdicts.get(`s3://${b.bucket}/up/a b+c.txt`)).toEqual(first);
    const byRun = await verdicts.queryByRun('trace-e2e');
    expect(byRun.verdicts.map((v) => v.item.uri).sort()).toEqual(
      [first, copy, refused, missing].map((v) => v.item.uri).sort(),
    );
  });
});
