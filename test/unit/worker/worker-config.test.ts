import { ConfigError } from '../../../core/errors';
import { readWorkerConfig } from '../../../gpu-worker/config';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/winnow-heavy';

describe('readWorkerConfig', () => {
  it('needs only the queue URL, taking the region from it', () => {
    expect(readWorkerConfig({ WINNOW_QUEUE_URL: QUEUE }, '/srv')).toEqual({
      queueUrl: QUEUE,
      deadLetterQueueUrl: undefined,
      sqsEndpoint: undefined,
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
