import { PermanentError, TransientStoreError } from '../../core/errors';

/** A receipt SQS no longer accepts: the message was deleted, released, or received again by someone else. */
export class SqsStaleReceiptError extends PermanentError {
  readonly code = 'stale-receipt';
}

/** A request SQS refused and will keep refusing: a missing queue, no permission, a bad parameter. */
export class SqsRequestError extends PermanentError {
  readonly code = 'queue-request';
}

/** Error names of failures that pass on their own (throttling, limits, service trouble). */
const TRANSIENT_NAMES = new Set([
  'RequestThrottled',
  'ThrottlingException',
  'Throttling',
  'KmsThrottled',
  'OverLimit',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Socket-level codes of network failures. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

const STALE_RECEIPT_NAMES = new Set(['MessageNotInflight', 'ReceiptHandleIsInvalid']);

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** True when an SDK error is throttling, a 5xx, a timeout or a network failure: a retry may pass. */
export function isTransientSqsError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkErrorLike;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  // The SDK can wrap a socket error into a plain Error that keeps only its message ("connect ECONNREFUSED …").
  const message =
    typeof (err as { message?: unknown }).message === 'string' ? (err as { message: string }).message : '';
  return [...NETWORK_CODES].some((code) => new RegExp(`\\b${code}\\b`).test(message));
}

/**
 * Maps an SDK failure to Winnow's error hierarchy: {@link TransientStoreError} when a retry may pass,
 * {@link SqsStaleReceiptError} for receipts SQS no longer accepts, {@link SqsRequestError} otherwise.
 */
export function toSqsError(what: string, err: unknown): Error {
  const name =
    typeof err === 'object' && err !== null ? String((err as SdkErrorLike).name ?? 'Error') : 'Error';
  const message = `${what}: ${name}: ${err instanceof Error ? err.message : String(err)}`;
  if (isTransientSqsError(err)) return new TransientStoreError(message, { cause: err });
  if (STALE_RECEIPT_NAMES.has(name)) return new SqsStaleReceiptError(message, { cause: err });
  return new SqsRequestError(message, { cause: err });
}
