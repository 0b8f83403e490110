import type { S3Client } from '@aws-sdk/client-s3';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  cachePartitionKey,
  createAwsClients,
  createS3Client,
  decodeS3EncodedKey,
  formatS3Uri,
  isTransientAwsError,
  normaliseTime,
  parseS3Uri,
  S3ObjectStore,
  StoreRequestError,
  toStoreError,
  verdictPartitionKey,
} from '../../../adapters/aws';
import { TransientStoreError, UnreadableItemError } from '../../../core/errors';

describe('s3:// URIs', () => {
  it('formats and parses keys verbatim, with no percent-decoding', () => {
    for (const key of [
      'a.txt',
      'dir/a b.txt',
      'a+b%20c.txt',
      'q?x=1#frag',
      'ünï/日本語 😀',
      'trailing/',
      '/lead',
    ]) {
      const uri = formatS3Uri('my-bucket', key);
      expect(uri).toBe(`s3://my-bucket/${key}`);
      expect(parseS3Uri(uri)).toEqual({ bucket: 'my-bucket', key });
    }
    expect(parseS3Uri('S3://b.example/k')).toEqual({ bucket: 'b.example', key: 'k' });
    expect(parseS3Uri('s3://Legacy_Bucket/k')).toEqual({ bucket: 'Legacy_Bucket', key: 'k' });
  });

  it('rejects what is not s3://bucket/key', () => {
    for (const uri of [
      's3://bucket',
      's3://bucket/',
      's3:///key',
      's3:/bucket/key',
      'https://b/k',
      's3://bad bucket/k',
    ]) {
      expect(parseS3Uri(uri)).toBeUndefined();
    }
  });

  it('decodes keys as S3 URL-encodes them in events and url-encoded listings', () => {
    expect(decodeS3EncodedKey('a+b%2Bc%20d.txt')).toBe('a b+c d.txt');
    expect(decodeS3EncodedKey('%C3%BCn%C3%AF/%E6%97%A5.txt')).toBe('ünï/日.txt');
    expect(decodeS3EncodedKey('per%25cent')).toBe('per%cent');
    expect(() => decodeS3EncodedKey('bad%zz')).toThrow(URIError);
  });
});

describe('S3ObjectStore listing requests', () => {
  /** A client that answers ListObjectsV2 from a script and records the requests. */
  const fakeClient = (answers: object[]) => {
    const requests: Record<string, unknown>[] = [];
    const client = {
      send: async (command: unknown) => {
        expect(command).toBeInstanceOf(ListObjectsV2Command);
        requests.push({ ...(command as ListObjectsV2Command).input });
        return answers.shift() ?? {};
      },
    } as unknown as S3Client;
    return { client, requests };
  };

  it('asks for url-encoded keys and decodes them when S3 says it encoded them', async () => {
    const { client, requests } = fakeClient([
      {
        EncodingType: 'url',
        Contents: [
          { Key: 'p/a+b%2Bc.txt', Size: 3 },
          { Key: 'p/%0D%0Ax', Size: 1 },
        ],
      },
    ]);
    const store = new S3ObjectStore({ client, bucket: 'b', prefix: 'p/' });
    const page = await store.list({ prefix: 'a', cursor: 'a', limit: 5 });
    expect(page.items.map((i) => i.key)).toEqual(['a b+c.txt', '\r\nx']);
    expect(page.cursor).toBeUndefined();
    expect(requests).toEqual([
      { Bucket: 'b', Prefix: 'p/a', StartAfter: 'p/a', MaxKeys: 5, EncodingType: 'url' },
    ]);
  });

  it('keeps keys as they came when the server ignored EncodingType', async () => {
    const { client } = fakeClient([{ Contents: [{ Key: 'a+b%2B.txt', Size: 1 }] }]);
    expect((await new S3ObjectStore({ client, bucket: 'b' }).list()).items[0]?.key).toBe('a+b%2B.txt');
  });

  it('fills a page from several S3 responses, and gives the last key as the cursor', async () => {
    const keys = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ Key: `k${String(from + i).padStart(5, '0')}`, Size: 1 }));
    const { client, requests } = fakeClient([
      { Contents: keys(0, 1000), IsTruncated: true, NextContinuationToken: 't1' },
      { Contents: keys(1000, 500), IsTruncated: true, NextContinuationToken: 't2' },
    ]);
    const page = await new S3ObjectStore({ client, bucket: 'b' }).list({ limit: 1500, cursor: 'k' });
    expect(page.items).toHaveLength(1500);
    expect(page.cursor).toBe('k01499');
    expect(requests.map((r) => [r.StartAfter, r.ContinuationToken, r.MaxKeys])).toEqual([
      ['k', undefined, 1000],
      [undefined, 't1', 500],
    ]);
  });
});

describe('AWS error mapping', () => {
  it('classifies throttling, 5xx and network failures as transient', () => {
    for (const name of [
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'SlowDown',
      'InternalError',
    ]) {
      expect(isTransientAwsError({ name })).toBe(true);
    }
    expect(isTransientAwsError({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientAwsError({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isTransientAwsError({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })).toBe(
      false,
    );
  });

  it('maps to TransientStoreError or StoreRequestError, and leaves Winnow errors alone', () => {
    expect(toStoreError('put', { name: 'SlowDown' })).toBeInstanceOf(TransientStoreError);
    const denied = toStoreError('put', Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    expect(denied).toBeInstanceOf(StoreRequestError);
    expect(denied.message).toBe('put: AccessDeniedException: no');
    const own = new UnreadableItemError('x');
    expect(toStoreError('get', own)).toBe(own);
  });
});

describe('DynamoDB keys and times', () => {
  it('keeps short URIs as partition keys and hashes long ones', () => {
    expect(verdictPartitionKey('s3://b/k')).toBe('s3://b/k');
    const long = `file:///${'ü'.repeat(1100)}`;
    expect(verdictPartitionKey(long)).toMatch(/^#sha256:[0-9a-f]{64}$/);
    expect(verdictPartitionKey(long)).toBe(verdictPartitionKey(long));
  });

  it('uses the content key string, hashed when it is long', () => {
    const key = { sha256: 'a'.repeat(64), policyVersion: 'v1', detectorsFingerprint: 'x@1' };
    expect(cachePartitionKey(key)).toBe(`${'a'.repeat(64)}:v1:x@1`);
    expect(cachePartitionKey({ ...key, detectorsFingerprint: 'x'.repeat(2000) })).toMatch(/^h:[0-9a-f]{64}$/);
  });

  it('normalises times to fixed-width ISO strings', () => {
    expect(normaliseTime('2024-05-01T12:00:00Z')).toBe('2024-05-01T12:00:00.000Z');
    expect(normaliseTime('2024-05-01T12:00:00.5Z')).toBe('2024-05-01T12:00:00.500Z');
    expect(normaliseTime(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(() => normaliseTime('yesterday')).toThrow(RangeError);
  });
});

describe('AWS clients', () => {
  it('uses path-style S3 addressing with an endpoint, and virtual hosts without', async () => {
    const local = createS3Client({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' });
    const aws = createS3Client({ region: 'eu-west-1' });
    try {
      expect(local.config.forcePathStyle).toBe(true);
      expect(await local.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
      expect(await local.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 4566 });
      expect(aws.config.forcePathStyle).toBeFalsy();
      expect(await aws.config.region()).toBe('eu-west-1');
    } finally {
      local.destroy();
      aws.destroy();
    }
  });

  it('creates each client on first use, with its own endpoint', async () => {
    const clients = createAwsClients({
      region: 'us-west-2',
      dynamoEndpoint: 'http://127.0.0.1:8000',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      expect(clients.dynamo).toBe(clients.dynamo);
      expect(await clients.dynamo.config.endpoint?.()).toMatchObject({ port: 8000 });
      expect(clients.s3.config.forcePathStyle).toBeFalsy();
      expect(await clients.sqs.config.region()).toBe('us-west-2');
      expect(await clients.s3.config.credentials()).toMatchObject({ accessKeyId: 'a' });
    } finally {
      clients.destroy();
    }
  });
});
