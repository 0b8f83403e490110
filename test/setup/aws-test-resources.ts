import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type AwsClients, createAwsClients } from '../../adapters/aws';
import { TEST_AWS_ENV } from './sqs-test-queues';

function endpoint(name: string, what: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run through jest (test/setup/global-setup.mjs starts ${what})`);
  return value;
}

/** The S3 endpoint (fauxqs) that test/setup/global-setup.mjs started. */
export const s3Endpoint = (): string => endpoint('WINNOW_TEST_S3_ENDPOINT', 'fauxqs');

/** The DynamoDB endpoint (dynalite) that test/setup/global-setup.mjs started. */
export const dynamoEndpoint = (): string => endpoint('WINNOW_TEST_DYNAMODB_ENDPOINT', 'dynalite');

/** S3, DynamoDB and SQS clients for the emulators, with dummy credentials. */
export function testAwsClients(): AwsClients {
  return createAwsClients({
    region: TEST_AWS_ENV.AWS_REGION,
    s3Endpoint: s3Endpoint(),
    dynamoEndpoint: dynamoEndpoint(),
    sqsEndpoint: process.env.WINNOW_TEST_SQS_ENDPOINT,
    credentials: {
      accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
    // Emulators do not throttle; fail fast.
    maxAttempts: 1,
  });
}

/** A unique name: lower case, digits and `-`, valid for buckets and tables. */
export const uniqueName = (label: string): string => `${label}-${randomBytes(6).toString('hex')}`;

/** A fresh bucket on the emulator. */
export interface TestBucket {
  readonly bucket: string;
  /** Deletes every object, then the bucket (best effort). */
  delete(): Promise<void>;
}

export async function createTestBucket(s3: S3Client, label = 'bkt'): Promise<TestBucket> {
  const bucket = uniqueName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    async delete() {
      try {
        let token: string | undefined;
        do {
          const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
          const keys = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
          if (keys.length > 0) {
            await s3.send(
              new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
            );
          }
          token = out.NextContinuationToken;
        } while (token);
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      } catch {
        // The emulator goes away with the test run anyway.
      }
    },
  };
}

/** A fresh table on the emulator. */
export interface TestTable {
  readonly tableName: string;
  delete(): Promise<void>;
}

/**
 * Waits until a new table is ACTIVE: dynalite answers CreateTable while the table is still CREATING, and a request
 * in that window fails with ResourceNotFoundException (seen as a rare flake).
 */
export async function untilActive(
  dynamo: DynamoDBClient,
  tableName: string,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const out = await dynamo.send(new DescribeTableCommand({ TableName: tableName })).catch(() => undefined);
    if (out?.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > until) throw new Error(`table ${tableName} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates a uniquely named table from a definition (`verdictTableDefinition`, `cacheTableDefinition`). */
export async function createTestTable(
  dynamo: DynamoDBClient,
  definition: (tableName: string) => CreateTableCommandInput,
  label = 'tbl',
): Promise<TestTable> {
  const tableName = uniqueName(label);
  await dynamo.send(new CreateTableCommand(definition(tableName)));
  await untilActive(dynamo, tableName);
  return {
    tableName,
    async delete() {
      await dynamo.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    },
  };
}

/**
 * Writes many small objects fast, for listing tests: plain HTTP PUTs with keep-alive to the emulator (fauxqs does
 * not check signatures). Through the SDK each request costs a few milliseconds of CPU, so 2,500 objects took ~9 s.
 */
export async function seedObjects(bucket: string, keys: readonly string[], body = 'x'): Promise<void> {
  const url = new URL(s3Endpoint());
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const queue = [...keys];
  const put = (key: string) =>
    new Promise<void>((resolve, reject) => {
      const path = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'PUT',
          path,
          headers: { 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${path}: HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) await put(key);
      }),
    );
  } finally {
    agent.destroy();
  }
}
