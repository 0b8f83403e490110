import { PermanentError, RetryableError } from '../errors';

/**
 * An event or payload a function cannot use: not JSON, not an S3 notification or job message, a key that is not
 * valid URL encoding, a payload without a valid verdict. Retrying cannot help, so it is logged, never retried.
 */
export class InvalidEventError extends PermanentError {
  readonly code = 'invalid-event';
}

/** The object an action targets no longer exists (deleted since it was moderated). */
export class ObjectMissingError extends PermanentError {
  readonly code = 'object-missing';
}

/** A request the action target refused and will keep refusing: no permission, a bad parameter, too large. */
export class ActionRequestError extends PermanentError {
  readonly code = 'action-request';
}

/** Some of a verdict's actions failed; the message lists each. Retryable when any failure was. */
export class ActionsFailedError extends RetryableError {
  readonly code = 'actions-failed';
}

/** Some of a verdict's actions failed for good (no retry can help); the message lists each. */
export class ActionsRejectedError extends PermanentError {
  readonly code = 'actions-rejected';
}

/** Work that failed in a way a later delivery may not: the queue or trigger should deliver it again. */
export class RedeliverError extends RetryableError {
  readonly code = 'redeliver';
}
