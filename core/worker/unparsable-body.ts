/** The key that marks an {@link UnparsableBody}. */
export const UNPARSABLE_BODY = 'winnow.unparsable-body';

/**
 * What a queue adapter delivers in place of a body it could not decode (a message that is not JSON), so that
 * receiving never fails and the consumer can dead-letter the message with a reason. `raw` is the body exactly as
 * the queue held it; sending the marker again (to a dead-letter queue) sends `raw` unchanged.
 */
export interface UnparsableBody {
  readonly [UNPARSABLE_BODY]: true;
  /** The undecoded body. User data: never log it. */
  readonly raw: string;
  /** Why it could not be decoded, without quoting the body. */
  readonly reason: string;
}

/** Wraps an undecodable body. */
export function unparsableBody(raw: string, reason: string): UnparsableBody {
  return { [UNPARSABLE_BODY]: true, raw, reason };
}

/** True for a body a queue adapter could not decode. */
export function isUnparsableBody(body: unknown): body is UnparsableBody {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as Record<string, unknown>)[UNPARSABLE_BODY] === true &&
    typeof (body as Record<string, unknown>).raw === 'string'
  );
}
