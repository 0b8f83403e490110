import { PermanentError } from '../errors';

/** A review console request that cannot be honoured as sent: a bad decision, reason, category, id or cursor. */
export class InvalidReviewRequestError extends PermanentError {
  readonly code = 'invalid-review-request';
}

/** The item named in a review request has no verdict in the store (or none in the review queue). */
export class ReviewItemNotFoundError extends PermanentError {
  readonly code = 'review-item-not-found';
}
