import { setTimeout as sleepMs } from 'node:timers/promises';
import { toErrorInfo } from '../errors';

/** How {@link withRetries} retries. */
export interface RetryOptions {
  /** Tries in all, the first included. Default 3. */
  readonly tries?: number;
  /** Delay before the second try; it doubles for each further one, with jitter. Default 200 ms. */
  readonly baseDelayMs?: number;
  /** Waits; tests pass one that returns at once. */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** Called before each retry with the attempt that failed (1 = the first). */
  readonly onRetry?: (attempt: number, err: unknown) => void;
}

/**
 * Runs `fn`, trying again after a retryable failure (a `RetryableError`, or anything that is not a Winnow error)
 * with exponential backoff. A permanent failure, or the last try's failure, is thrown as it is. Only for steps
 * that are safe to repeat.
 */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const tries = Math.max(1, Math.floor(options.tries ?? 3));
  const base = options.baseDelayMs ?? 200;
  const sleep = options.sleep ?? sleepMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= tries || !toErrorInfo(err).retryable) throw err;
      options.onRetry?.(attempt, err);
      await sleep(Math.round(base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));
    }
  }
}
