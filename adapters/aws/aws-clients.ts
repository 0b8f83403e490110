import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from './sqs-client';

/** Static credentials (emulators, tests); unset: the SDK's default chain (role, environment, profile). */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Options for one client. */
export interface AwsClientOptions {
  readonly region: string;
  /** Endpoint override, e.g. `http://127.0.0.1:4566` for an emulator; unset for AWS. */
  readonly endpoint?: string;
  readonly credentials?: StaticCredentials;
  /** Tries per request, the first included (the SDK retries throttling, 5xx and network errors). SDK default: 3. */
  readonly maxAttempts?: number;
  /**
   * DynamoDB only: milliseconds one request (one try) may take before it fails with a retryable `TimeoutError`.
   * Default {@link DYNAMODB_REQUEST_TIMEOUT_MS}.
   */
  readonly requestTimeoutMs?: number;
}

/**
 * The SDK waits forever for an answer by default: a DynamoDB connection that hangs (a half-open socket, a stalled
 * endpoint) would hold a Lambda until its timeout and a worker's job for good, its visibility heartbeat keeping the
 * message hidden meanwhile. DynamoDB answers in milliseconds; this bounds each try, and the SDK retries.
 */
export const DYNAMODB_REQUEST_TIMEOUT_MS = 10_000;
/** Milliseconds to open a connection to DynamoDB before the try fails (and is retried). */
const DYNAMODB_CONNECTION_TIMEOUT_MS = 3_000;

/**
 * Options for {@link createAwsClients}: plain values, which callers take from their validated configuration
 * (`WINNOW_S3_ENDPOINT`, `WINNOW_DYNAMODB_ENDPOINT`, `WINNOW_SQS_ENDPOINT`, `AWS_REGION`); nothing here reads the
 * environment.
 */
export interface AwsClientsOptions {
  readonly region: string;
  readonly s3Endpoint?: string;
  readonly dynamoEndpoint?: string;
  readonly sqsEndpoint?: string;
  readonly credentials?: StaticCredentials;
  readonly maxAttempts?: number;
  /** DynamoDB's per-try timeout (see {@link AwsClientOptions.requestTimeoutMs}). */
  readonly dynamoRequestTimeoutMs?: number;
}

/** The clients Winnow's AWS adapters take; each is created on first use. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  /** Closes the clients created so far (their sockets), e.g. at the end of tests or on shutdown. */
  destroy(): void;
}

const common = (options: AwsClientOptions) => ({
  region: options.region,
  ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
  ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
});

/**
 * An S3 client. With an `endpoint` (an emulator or another S3-compatible store) it uses path-style addressing
 * (`http://host/bucket/key`, since emulators serve no per-bucket host names) and sends checksums only where S3
 * requires them (emulators store aws-chunked checksum framing as part of streamed bodies).
 */
export function createS3Client(options: AwsClientOptions): S3Client {
  return new S3Client({
    ...common(options),
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
}

/** A DynamoDB client (for the DynamoDB adapters, which wrap it in a lib-dynamodb document client). */
export function createDynamoClient(options: AwsClientOptions): DynamoDBClient {
  return new DynamoDBClient({
    ...common(options),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    requestHandler: {
      connectionTimeout: DYNAMODB_CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DYNAMODB_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
}

/** S3, DynamoDB and SQS clients sharing a region and credentials, each with its own optional endpoint. */
export function createAwsClients(options: AwsClientsOptions): AwsClients {
  const base = {
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
  let s3: S3Client | undefined;
  let dynamo: DynamoDBClient | undefined;
  let sqs: SQSClient | undefined;
  return {
    get s3() {
      s3 ??= createS3Client({ ...base, ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}) });
      return s3;
    },
    get dynamo() {
      dynamo ??= createDynamoClient({
        ...base,
        ...(options.dynamoEndpoint ? { endpoint: options.dynamoEndpoint } : {}),
        ...(options.dynamoRequestTimeoutMs === undefined
          ? {}
          : { requestTimeoutMs: options.dynamoRequestTimeoutMs }),
      });
      return dynamo;
    },
    get sqs() {
      // createSqsClient takes no retry setting; the SDK default (3 tries) applies to SQS.
      sqs ??= createSqsClient({
        region: options.region,
        ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
      return sqs;
    },
    destroy() {
      s3?.destroy();
      dynamo?.destroy();
      sqs?.destroy();
    },
  };
}
