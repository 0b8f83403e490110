/**
 * The one error hierarchy of Winnow.
 *
 * Every error carries a stable `code` (it lands in `verdict.error.code`) and says whether a retry can help.
 * Permanent errors become `error` verdicts at once; retryable ones are retried by the queue and only become
 * `error` verdicts when the retries are spent.
 */
export abstract class WinnowError extends Error {
  /** Stable, kebab-case machine code, e.g. `unsupported-media`. */
  abstract readonly code: string;
  /** True when the same work may succeed if tried again later. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A failure that no retry will fix: the input, the policy or the configuration is at fault. */
export abstract class PermanentError extends WinnowError {
  readonly retryable = false;
}

/** A failure that may pass on its own: a store, a queue or a network hiccup. */
export abstract class RetryableError extends WinnowError {
  readonly retryable = true;
}

/** The bytes are not a media type Winnow understands. */
export class UnsupportedMediaError extends PermanentError {
  readonly code = 'unsupported-media';
}

/** The media type is recognised, but no detector for it is built in this tier yet. */
export class NotImplementedError extends PermanentError {
  readonly code = 'not-implemented';
}

/** The item holds no bytes at all, so there is nothing to moderate. */
export class EmptyItemError extends PermanentError {
  readonly code = 'empty-item';
}

/** The item is larger than the configured limit for its media type. */
export class ItemTooLargeError extends PermanentError {
  readonly code = 'too-large';
}

/** Audio or video longer than the policy's `limits.maxMediaDurationSec`; refused after probing, before decoding. */
export class MediaTooLongError extends PermanentError {
  readonly code = 'too-long';
}

/** Audio or video with more streams than Winnow reads (`MAX_MEDIA_STREAMS` in core/ffmpeg/probe-media.ts). */
export class TooManyStreamsError extends PermanentError {
  readonly code = 'too-many-streams';
}

/** The item could not be read: missing, a broken or looping link, no permission, or not a regular file. */
export class UnreadableItemError extends PermanentError {
  readonly code = 'unreadable';
}

/** The media is recognised but its bytes are damaged. */
export class CorruptMediaError extends PermanentError {
  readonly code = 'corrupt-media';
}

/** A policy file failed validation. */
export class PolicyError extends PermanentError {
  readonly code = 'invalid-policy';
}

/** Configuration (environment or flags) failed validation. */
export class ConfigError extends PermanentError {
  readonly code = 'invalid-config';
}

/** A model file is missing, damaged or cannot be loaded. */
export class ModelLoadError extends PermanentError {
  readonly code = 'model-load';
}

/** A detector ran past its time budget. */
export class DetectorTimeoutError extends RetryableError {
  readonly code = 'detector-timeout';
}

/** A detector could not run for this item for a known, benign reason (e.g. its engine is not installed). */
export class DetectorSkippedError extends PermanentError {
  readonly code = 'detector-skipped';
}

/** A store (object, verdict, cache) failed in a way that may pass. */
export class TransientStoreError extends RetryableError {
  readonly code = 'transient-store';
}

/** A queued item was received too many times without completing and was dead-lettered. */
export class DeadLetteredError extends PermanentError {
  readonly code = 'dead-lettered';
}

/** The shape every failure takes inside a verdict. */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/** Maps anything thrown to an {@link ErrorInfo}. Unknown errors are `internal` and retryable. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof WinnowError) {
    return { code: err.code, message: err.message, retryable: err.retryable };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message, retryable: true };
}
