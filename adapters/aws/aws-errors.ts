import { PermanentError, TransientStoreError, WinnowError } from '../../core/errors';
import { isTransientSqsError } from './sqs-errors';

/** A request S3 or DynamoDB refused and will keep refusing: a missing table or bucket, no permission, a bad value. */
export class StoreRequestError extends PermanentError {
  readonly code = 'store-request';
}

/**
 * A record larger than its DynamoDB item can hold (400 KB, of which Winnow uses at most
 * `MAX_DOCUMENT_BYTES` for the gzipped document). Permanent: the same record will not fit on a retry.
 */
export class StoreItemTooLargeError extends PermanentError {
  readonly code = 'store-item-too-large';
}

/** S3 and DynamoDB error names that pass on their own, beyond those SQS shares ({@link isTransientSqsError}). */
const TRANSIENT_NAMES = new Set([
  // DynamoDB
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailableException',
  'TransactionConflictException',
  // S3
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'OperationAborted',
]);

/** True when an S3 or DynamoDB SDK error is throttling, a 5xx, a timeout or a network failure: a retry may pass. */
export function isTransientAwsError(err: unknown): boolean {
  if (isTransientSqsError(err)) return true;
  if (typeof err !== 'object' || err === null) return false;
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' && TRANSIENT_NAMES.has(name);
}

/** The SDK error's name (`NoSuchKey`, `ResourceNotFoundException`, …), or `Error`. */
export function awsErrorName(err: unknown): string {
  return typeof err === 'object' && err !== null
    ? String((err as { name?: unknown }).name ?? 'Error')
    : 'Error';
}

/** The HTTP status of an SDK error, when the service answered. */
export function awsHttpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** `what: Name: message`, for error messages. */
export function describeAwsError(what: string, err: unknown): string {
  return `${what}: ${awsErrorName(err)}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Maps an S3 or DynamoDB failure to Winnow's error hierarchy: {@link TransientStoreError} when a retry may pass
 * (throttling, 5xx, timeouts, network), {@link StoreRequestError} otherwise. Winnow errors pass through unchanged.
 */
export function toStoreError(what: string, err: unknown): Error {
  if (err instanceof WinnowError) return err;
  const message = describeAwsError(what, err);
  if (isTransientAwsError(err)) return new TransientStoreError(message, { cause: err });
  return new StoreRequestError(message, { cause: err });
}
