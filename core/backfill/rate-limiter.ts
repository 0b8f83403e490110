/** A clock and a sleep, injectable so tests run on a fake clock. */
export interface LimiterClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Options for {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Items per second on average. */
  readonly perSecond: number;
  /** Items that may start back to back after an idle spell. Default: one second's worth, at least 1. */
  readonly burst?: number;
  readonly clock?: LimiterClock;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * A token bucket: `take` resolves when an item may start, so items start at no more than `perSecond` on average
 * with bursts of at most `burst`. Callers waiting at once are served in order.
 */
export class RateLimiter {
  readonly perSecond: number;
  private readonly burst: number;
  private readonly clock: LimiterClock;
  private tokens: number;
  private last: number;
  /** Tokens promised to callers still waiting, so later callers queue behind them. */
  private owed = 0;

  constructor(options: RateLimiterOptions) {
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond)) {
      throw new RangeError(
        `the rate must be a positive number of items per second, got ${options.perSecond}`,
      );
    }
    this.perSecond = options.perSecond;
    this.burst = Math.max(1, options.burst ?? options.perSecond);
    this.clock = options.clock ?? realClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** Waits for a token. Rejects with the signal's reason when `signal` aborts first (the token is not used). */
  async take(signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.owed === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    // Reserve the next token: the wait covers the deficit including everyone queued ahead.
    this.owed += 1;
    const waitMs = ((this.owed - this.tokens) / this.perSecond) * 1000;
    try {
      await this.clock.sleep(Math.max(0, waitMs), signal);
    } finally {
      this.owed -= 1;
    }
    this.refill();
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}
