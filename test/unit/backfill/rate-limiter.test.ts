import { type LimiterClock, RateLimiter } from '../../../core/backfill/rate-limiter';

/** A fake clock: sleeps resolve only when the test advances time past their deadline. */
function fakeClock() {
  let now = 0;
  const sleepers: { until: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const clock: LimiterClock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const s = { until: now + ms, resolve, reject };
        sleepers.push(s);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const s of sleepers.filter((x) => x.until <= now)) {
      sleepers.splice(sleepers.indexOf(s), 1);
      s.resolve();
    }
    // Let resolved takers run.
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { clock, advance, pending: () => sleepers.length };
}

describe('RateLimiter', () => {
  it('lets a burst through at once, then paces to the rate', async () => {
    const { clock, advance } = fakeClock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 3, clock });
    const started: number[] = [];
    const takers = Array.from({ length: 8 }, () => limiter.take().then(() => started.push(clock.now())));
    await advance(0);
    expect(started).toEqual([0, 0, 0]);
    for (let t = 0; t < 10; t++) await advance(100);
    await Promise.all(takers);
    // After the burst of 3, one item every 100 ms.
    expect(started).toEqual([0, 0, 0, 100, 200, 300, 400, 500]);
  });

  it('averages the rate over a long run', async () => {
    const { clock, advance } = fakeClock();
    const limiter = new RateLimiter({ perSecond: 50, burst: 1, clock });
    let done = 0;
    const all = Array.from({ length: 101 }, () => limiter.take().then(() => done++));
    for (let t = 0; t < 2000 && done < 101; t += 10) await advance(10);
    await Promise.all(all);
    // 1 at once, then 100 more at 50/s: 2 s.
    expect(clock.now()).toBeGreaterThanOrEqual(2000);
    expect(clock.now()).toBeLessThanOrEqual(2010);
  });

  it('refills while idle, up to the burst', async () => {
    const { clock, advance } = fakeClock();
    const limiter = new RateLimiter({ perSecond: 2, burst: 2, clock });
    await limiter.take();
    await limiter.take();
    await advance(10_000);
    const t0 = clock.now();
    await limiter.take();
    await limiter.take();
    expect(clock.now()).toBe(t0);
    let third = false;
    const p = limiter.take().then(() => {
      third = true;
    });
    await advance(499);
    expect(third).toBe(false);
    await advance(1);
    await p;
    expect(third).toBe(true);
  });

  it('gives up a wait when its signal aborts, without using a token', async () => {
    const { clock, advance } = fakeClock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, clock });
    await limiter.take();
    const ac = new AbortController();
    const waiting = limiter.take(ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await advance(1000);
    await limiter.take();
    expect(clock.now()).toBe(1000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ perSecond: Number.NaN })).toThrow(RangeError);
  });
});
