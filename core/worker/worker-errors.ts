import { PermanentError, RetryableError } from '../errors';

/**
 * A message no retry can make valid (not JSON, not the expected schema). A queue worker sends it to the
 * dead-letter queue at once, with the reason logged, instead of letting it be received again and again.
 */
export class InvalidMessageError extends PermanentError {
  readonly code = 'invalid-message';
}

/** The handler wants the message again later (after the worker's retry delay); it has logged why. */
export class RetryLaterError extends RetryableError {
  readonly code = 'retry-later';
}

/** The worker is stopping and the handler gave up its message unfinished; the worker releases it at once. */
export class JobReleasedError extends RetryableError {
  readonly code = 'job-released';
}
