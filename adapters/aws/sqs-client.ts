import { SQSClient } from '@aws-sdk/client-sqs';

/** Options for {@link createSqsClient}. */
export interface SqsClientOptions {
  readonly region: string;
  /** Endpoint override, e.g. `http://127.0.0.1:4566` for an emulator; unset for AWS. */
  readonly endpoint?: string;
  /** Static credentials (emulators, tests); unset: the SDK's default chain (role, env, profile). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * An SQS client for Winnow's queues. With an `endpoint`, requests go there rather than to the queue URL's host
 * (emulators hand out URLs with hosts that do not resolve).
 */
export function createSqsClient(options: SqsClientOptions): SQSClient {
  return new SQSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, useQueueUrlAsEndpoint: false } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
  });
}

/** The region in an SQS queue URL (`https://sqs.eu-west-1.amazonaws.com/…`), if it names one. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  try {
    return /^sqs[.-]([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(queueUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}
