import { ConfigError } from '../../../core/errors';
import {
  readActionConfig,
  readModerationConfig,
  readSweepConfig,
  runningInLambda,
} from '../../../functions/config';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/winnow-heavy';

describe('functions config', () => {
  it('reads what the moderation functions need, with defaults', () => {
    expect(
      readModerationConfig('upload', {
        AWS_REGION: 'eu-west-1',
        WINNOW_VERDICT_TABLE: 'winnow-verdicts',
        WINNOW_HEAVY_QUEUE_URL: QUEUE,
        WINNOW_STATE_DIR: '/tmp/ignored',
      }),
    ).toEqual({
      role: 'upload',
      region: 'eu-west-1',
      logLevel: 'info',
      policyFile: undefined,
      endpoints: { s3: undefined, sqs: undefined, dynamodb: undefined, events: undefined },
      verdictTable: 'winnow-verdicts',
      cacheTable: undefined,
      heavyQueueUrl: QUEUE,
      quarantine: undefined,
      executionProvider: 'cpu',
    });
  });

  it('reads every setting', () => {
    const config = readModerationConfig('fast-queue', {
      AWS_REGION: 'us-east-1',
      WINNOW_VERDICT_TABLE: 'v_t.1',
      WINNOW_CACHE_TABLE: 'cache',
      WINNOW_HEAVY_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/heavy',
      WINNOW_QUARANTINE_LOCATION: 's3://quarantine/held',
      WINNOW_S3_ENDPOINT: 'http://127.0.0.1:9000',
      WINNOW_SQS_ENDPOINT: 'http://127.0.0.1:4566',
      WINNOW_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      WINNOW_POLICY: 'policies/strict.yaml',
      WINNOW_LOG_LEVEL: 'DEBUG',
      WINNOW_EP: 'CPU',
    });
    expect(config).toMatchObject({
      role: 'fast-queue',
      cacheTable: 'cache',
      quarantine: { bucket: 'quarantine', prefix: 'held/' },
      endpoints: {
        s3: 'http://127.0.0.1:9000',
        sqs: 'http://127.0.0.1:4566',
        dynamodb: 'http://127.0.0.1:8000',
      },
      policyFile: 'policies/strict.yaml',
      logLevel: 'debug',
    });
  });

  it('lists every bad or missing variable in one error', () => {
    let err: unknown;
    try {
      readModerationConfig('upload', {
        AWS_REGION: 'Ireland',
        WINNOW_HEAVY_QUEUE_URL: 'ftp://queue',
        WINNOW_CACHE_TABLE: 'x',
        WINNOW_LOG_LEVEL: 'loud',
        WINNOW_STATUS_MARKER: 'paint',
        WINNOW_VERDICT_TABLE: '  ',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/^invalid environment for the Winnow upload function:/);
    for (const expected of [
      /AWS_REGION: must be an AWS region/,
      /WINNOW_HEAVY_QUEUE_URL: must be an http\(s\) SQS queue URL/,
      /WINNOW_CACHE_TABLE: must be a DynamoDB table name/,
      /WINNOW_LOG_LEVEL: must be debug, info, warn, error or silent/,
      /WINNOW_STATUS_MARKER: must be tag or metadata/,
      /WINNOW_VERDICT_TABLE: required by the upload function/,
    ]) {
      expect(message).toMatch(expected);
    }
  });

  it('asks the action function only for what it uses', () => {
    expect(readActionConfig({ AWS_REGION: 'eu-west-1' })).toMatchObject({
      role: 'action',
      statusMarker: 'tag',
      quarantine: undefined,
      eventBusName: undefined,
    });
    expect(
      readActionConfig({
        AWS_REGION: 'eu-west-1',
        WINNOW_STATUS_MARKER: 'metadata',
        WINNOW_QUARANTINE_LOCATION: 'quarantine',
        WINNOW_EVENT_BUS: 'winnow-verdicts',
        WINNOW_EVENTS_ENDPOINT: 'http://127.0.0.1:4010',
      }),
    ).toMatchObject({
      statusMarker: 'metadata',
      quarantine: { bucket: 'quarantine', prefix: '' },
      eventBusName: 'winnow-verdicts',
      endpoints: { events: 'http://127.0.0.1:4010' },
    });
    expect(() => readActionConfig({})).toThrow(/AWS_REGION: required by the action function/);
    expect(() => readActionConfig({ AWS_REGION: 'eu-west-1', WINNOW_QUARANTINE_LOCATION: 'x/y' })).toThrow(
      /WINNOW_QUARANTINE_LOCATION: must be bucket or bucket\/prefix/,
    );
  });

  it('reads the hash bank location, with the cache table as the registry table by default', () => {
    const base = {
      AWS_REGION: 'eu-west-1',
      WINNOW_VERDICT_TABLE: 'winnow-verdicts',
      WINNOW_HEAVY_QUEUE_URL: QUEUE,
    };
    expect(readModerationConfig('upload', base).banks).toBeUndefined();
    expect(
      readModerationConfig('upload', {
        ...base,
        WINNOW_CACHE_TABLE: 'winnow-cache',
        WINNOW_BANK_LOCATION: 'banks-bucket',
      }).banks,
    ).toEqual({
      location: { bucket: 'banks-bucket', prefix: '' },
      tableName: 'winnow-cache',
      refreshSec: 60,
    });
    expect(
      readSweepConfig({
        ...base,
        WINNOW_BANK_LOCATION: 's3://banks-bucket/lists',
        WINNOW_BANK_TABLE: 'winnow-banks',
        WINNOW_BANK_REFRESH_SEC: '15',
      }).banks,
    ).toEqual({
      location: { bucket: 'banks-bucket', prefix: 'lists/' },
      tableName: 'winnow-banks',
      refreshSec: 15,
    });
    expect(() => readModerationConfig('upload', { ...base, WINNOW_BANK_LOCATION: 'banks-bucket' })).toThrow(
      /WINNOW_BANK_TABLE: required with WINNOW_BANK_LOCATION when WINNOW_CACHE_TABLE is unset/,
    );
    expect(() =>
      readModerationConfig('upload', {
        ...base,
        WINNOW_CACHE_TABLE: 'winnow-cache',
        WINNOW_BANK_LOCATION: 'banks-bucket',
        WINNOW_BANK_REFRESH_SEC: 'soon',
      }),
    ).toThrow(/WINNOW_BANK_REFRESH_SEC: must be a whole number of seconds/);
  });

  it('knows when it runs in Lambda', () => {
    expect(runningInLambda({ AWS_LAMBDA_FUNCTION_NAME: 'winnow-upload' })).toBe(true);
    expect(runningInLambda({})).toBe(false);
  });
});
