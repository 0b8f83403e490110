import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoContentCache, DynamoVerdictStore, S3DynamoHashBankStore } from '../../../adapters/aws';
import { SqliteContentCache, SqliteVerdictStore } from '../../../adapters/local';
import { ConfigError, UnreadableItemError } from '../../../core/errors';
import { readWorkerConfig } from '../../../gpu-worker/config';
import { createWorkerStorage } from '../../../gpu-worker/wiring';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/winnow-heavy';

describe('readWorkerConfig', () => {
  it('needs only the queue URL, taking the region from it', () => {
    expect(readWorkerConfig({ WINNOW_QUEUE_URL: QUEUE }, '/srv')).toEqual({
      queueUrl: QUEUE,
      deadLetterQueueUrl: undefined,
      sqsEndpoint: undefined,
      s3Endpoint: undefined,
      dynamoEndpoint: undefined,
      verdictTable: undefined,
      cacheTable: undefined,
      region: 'eu-west-1',
      concurrency: 4,
      visibilityTimeoutSec: 120,
      pollWaitSec: 20,
      drainTimeoutMs: 90_000,
      maxReceives: undefined,
      healthFile: undefined,
      fileRoots: [],
      stateDir: '/srv/.winnow',
      policyFile: undefined,
      logLevel: 'info',
      executionProvider: 'cpu',
    });
  });

  it('reads every setting, resolving paths against the working directory', () => {
    const config = readWorkerConfig(
      {
        WINNOW_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/q',
        WINNOW_DLQ_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/q-dlq',
        WINNOW_SQS_ENDPOINT: 'http://127.0.0.1:4566',
        WINNOW_S3_ENDPOINT: 'http://127.0.0.1:4567',
        WINNOW_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
        WINNOW_VERDICT_TABLE: 'winnow-verdicts',
        WINNOW_CACHE_TABLE: 'winnow-cache',
        AWS_REGION: 'us-east-1',
        WINNOW_WORKER_CONCURRENCY: '8',
        WINNOW_VISIBILITY_TIMEOUT_SEC: '300',
        WINNOW_POLL_WAIT_SEC: '0',
        WINNOW_DRAIN_TIMEOUT_SEC: '100',
        WINNOW_MAX_RECEIVES: '5',
        WINNOW_HEALTH_FILE: 'run/health.json',
        WINNOW_FILE_ROOTS: '/data/a:relative/b:',
        WINNOW_STATE_DIR: '/var/lib/winnow',
        WINNOW_LOG_LEVEL: 'debug',
        WINNOW_EP: 'CUDA',
      },
      '/srv',
    );
    expect(config).toMatchObject({
      s3Endpoint: 'http://127.0.0.1:4567',
      dynamoEndpoint: 'http://127.0.0.1:8000',
      verdictTable: 'winnow-verdicts',
      cacheTable: 'winnow-cache',
      region: 'us-east-1',
      concurrency: 8,
      visibilityTimeoutSec: 300,
      pollWaitSec: 0,
      drainTimeoutMs: 100_000,
      maxReceives: 5,
      healthFile: '/srv/run/health.json',
      fileRoots: ['/data/a', '/srv/relative/b'],
      stateDir: '/var/lib/winnow',
      logLevel: 'debug',
      executionProvider: 'cuda',
    });
  });

  it('treats empty variables as unset', () => {
    expect(
      readWorkerConfig({ WINNOW_QUEUE_URL: QUEUE, WINNOW_WORKER_CONCURRENCY: ' ', WINNOW_EP: '' }),
    ).toMatchObject({
      concurrency: 4,
      executionProvider: 'cpu',
    });
  });

  it('lists every bad or missing variable in one ConfigError', () => {
    let err: unknown;
    try {
      readWorkerConfig({
        WINNOW_WORKER_CONCURRENCY: 'four',
        WINNOW_POLL_WAIT_SEC: '21',
        WINNOW_DRAIN_TIMEOUT_SEC: '-1',
        WINNOW_EP: 'tpu',
        WINNOW_LOG_LEVEL: 'loud',
        AWS_REGION: 'mars',
        WINNOW_VERDICT_TABLE: 'no',
        WINNOW_CACHE_TABLE: 'bad name!',
        WINNOW_S3_ENDPOINT: 'ftp://example.com',
        WINNOW_DYNAMODB_ENDPOINT: 'not a url',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('WINNOW_QUEUE_URL: required');
    for (const name of [
      'WINNOW_WORKER_CONCURRENCY',
      'WINNOW_POLL_WAIT_SEC',
      'WINNOW_DRAIN_TIMEOUT_SEC',
      'WINNOW_EP: must be cpu or cuda',
      'WINNOW_LOG_LEVEL',
      'AWS_REGION: must be an AWS region',
      'WINNOW_VERDICT_TABLE: must be a DynamoDB table name',
      'WINNOW_CACHE_TABLE: must be a DynamoDB table name',
      'WINNOW_S3_ENDPOINT: must be an http(s) URL',
      'WINNOW_DYNAMODB_ENDPOINT: must be an http(s) URL',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('needs a region when the queue URL names none', () => {
    expect(() => readWorkerConfig({ WINNOW_QUEUE_URL: 'http://localhost:4566/000000000000/q' })).toThrow(
      /AWS_REGION: required/,
    );
  });
});

describe('createWorkerStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-worker-storage-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (env: Record<string, string> = {}) =>
    readWorkerConfig({ WINNOW_QUEUE_URL: QUEUE, WINNOW_STATE_DIR: join(dir, 'state'), ...env }, dir);

  it('keeps verdicts and cached results in the state dir when no table is set', () => {
    const storage = createWorkerStorage(config());
    try {
      expect(storage.backends).toEqual({ verdicts: 'sqlite', cache: 'sqlite' });
      expect(storage.verdicts).toBeInstanceOf(SqliteVerdictStore);
      expect(storage.cache).toBeInstanceOf(SqliteContentCache);
      expect(existsSync(join(dir, 'state'))).toBe(true);
    } finally {
      storage.close();
      storage.close();
    }
  });

  it('uses the DynamoDB tables when they are set, and opens no state dir', () => {
    const storage = createWorkerStorage(
      config({ WINNOW_VERDICT_TABLE: 'winnow-verdicts', WINNOW_CACHE_TABLE: 'winnow-cache' }),
    );
    try {
      expect(storage.backends).toEqual({ verdicts: 'dynamodb', cache: 'dynamodb' });
      expect(storage.verdicts).toBeInstanceOf(DynamoVerdictStore);
      expect((storage.verdicts as DynamoVerdictStore).tableName).toBe('winnow-verdicts');
      expect(storage.cache).toBeInstanceOf(DynamoContentCache);
      expect(existsSync(join(dir, 'state'))).toBe(false);
    } finally {
      storage.close();
    }
  });

  it('opens the S3 + DynamoDB hash bank store when a bank location is set', () => {
    expect(readWorkerConfig({ WINNOW_QUEUE_URL: QUEUE }).banks).toBeUndefined();
    expect(() => readWorkerConfig({ WINNOW_QUEUE_URL: QUEUE, WINNOW_BANK_LOCATION: 'banks' })).toThrow(
      /WINNOW_BANK_TABLE: required with WINNOW_BANK_LOCATION/,
    );
    const c = config({
      WINNOW_VERDICT_TABLE: 'winnow-verdicts',
      WINNOW_CACHE_TABLE: 'winnow-cache',
      WINNOW_BANK_LOCATION: 'banks/lists',
      WINNOW_BANK_REFRESH_SEC: '30',
    });
    expect(c.banks).toEqual({
      location: { bucket: 'banks', prefix: 'lists/' },
      tableName: 'winnow-cache',
      refreshSec: 30,
    });
    const storage = createWorkerStorage(c);
    try {
      expect(storage.banks).toBeInstanceOf(S3DynamoHashBankStore);
    } finally {
      storage.close();
    }
    const without = createWorkerStorage(config({ WINNOW_VERDICT_TABLE: 'winnow-verdicts' }));
    try {
      expect(without.banks).toBeUndefined();
    } finally {
      without.close();
    }
  });

  it('scores every item when verdicts go to DynamoDB without a cache table', () => {
    const storage = createWorkerStorage(config({ WINNOW_VERDICT_TABLE: 'winnow-verdicts' }));
    try {
      expect(storage.backends).toEqual({ verdicts: 'dynamodb', cache: 'none' });
      expect(storage.cache).toBeUndefined();
      expect(existsSync(join(dir, 'state'))).toBe(false);
    } finally {
      storage.close();
    }
  });

  it('resolves file:// and s3:// URIs, and refuses other schemes naming both', async () => {
    const storage = createWorkerStorage(config({ WINNOW_VERDICT_TABLE: 'winnow-verdicts' }));
    try {
      const refused = storage.resolver.resolve('https://example.com/a.txt');
      await expect(refused).rejects.toBeInstanceOf(UnreadableItemError);
      await expect(refused).rejects.toThrow(/file:\/\/, s3:\/\//);
      // A file outside the roots (there are none) is refused by the file resolver, not as an unknown scheme.
      const outside = storage.resolver.resolve('file:///etc/hostname');
      await expect(outside).rejects.toBeInstanceOf(UnreadableItemError);
      await expect(outside).rejects.not.toThrow(/unsupported URI scheme/);
    } finally {
      storage.close();
    }
  });
});
