import { createCostModel } from '../../../core/cost/measured-cost-model';
import { ConfigError } from '../../../core/errors';
import { roundMeasured, roundPrices } from './fixtures';

const sum = (lines: readonly { dollars: number }[]) => lines.reduce((s, l) => s + l.dollars, 0);

describe('measured cost model: arithmetic on round figures', () => {
  const model = (options: Parameters<typeof createCostModel>[0] = {}) =>
    createCostModel({ prices: roundPrices(), measured: roundMeasured(), ...options });

  it('prices a fast-tier image line by line', () => {
    const m = model();
    const lines = m.itemBreakdown({ media: 'image', tier: 'fast', bytes: 1000 });
    const dollars = (prefix: string) => lines.find((l) => l.what.startsWith(prefix))?.dollars;
    // 100 ms of compute at 1 GB and $0.00001 per GB-s.
    expect(dollars('Lambda compute')).toBeCloseTo(1e-6, 15);
    // 7 calls × 10 ms + 1,000 bytes at 1 MB/s = 71 ms.
    expect(dollars('Lambda wait')).toBeCloseTo(0.71e-6, 15);
    expect(dollars('Lambda cold starts')).toBe(0);
    // One invocation per batch of 10 at $0.000001.
    expect(dollars('Lambda requests')).toBeCloseTo(1e-7, 15);
    // Send, receive and delete per batch of 10 at $1 per million.
    expect(dollars('SQS')).toBeCloseTo(3e-7, 15);
    // HEAD, ranged GET, GET at $0.001 per 1,000.
    expect(dollars('S3')).toBeCloseTo(3e-6, 15);
    // Verdict and cache lookups at $0.5 per million.
    expect(dollars('DynamoDB reads')).toBeCloseTo(1e-6, 15);
    // Verdict 1 KiB + 1 index + cache 1 KiB = 3 WRU at $1 per million.
    expect(dollars('DynamoDB writes')).toBeCloseTo(3e-6, 15);
    expect(dollars('CloudWatch Logs')).toBe(0);
    expect(m.itemCost({ media: 'image', tier: 'fast', bytes: 1000 })).toBeCloseTo(9.11e-6, 15);
    expect(sum(lines)).toBeCloseTo(9.11e-6, 15);
    expect(m.pricesVersion).toBe(roundPrices().version);
  });

  it('scales compute, not waiting, by the Lambda CPU factor, and uses p95 when asked', () => {
    expect(model({ lambdaCpuFactor: 2 }).itemCost({ media: 'image', tier: 'fast', bytes: 1000 })).toBeCloseTo(
      10.11e-6,
      15,
    );
    expect(model({ statistic: 'p95' }).itemCost({ media: 'image', tier: 'fast', bytes: 1000 })).toBeCloseTo(
      10.11e-6,
      15,
    );
  });

  it('prices video instance time from the real-time factor, on-demand and spot', () => {
    const instanceLine = (capacity: 'on-demand' | 'spot') =>
      model({ capacity })
        .itemBreakdown({ media: 'video', tier: 'heavy', durationSec: 60 })
        .find((l) => l.what.startsWith('g4dn.xlarge'));
    // 60 s / 10× = 6 s of a job; 2 jobs per instance at 50% = 6 s of instance; $3.60/h = $0.001/s.
    expect(instanceLine('on-demand')?.dollars).toBeCloseTo(0.006, 12);
    expect(instanceLine('spot')?.dollars).toBeCloseTo(0.003, 12);
    // p95 takes the slowest run (5×).
    const slow = model({ statistic: 'p95' })
      .itemBreakdown({ media: 'video', tier: 'heavy', durationSec: 60 })
      .find((l) => l.what.startsWith('g4dn.xlarge'));
    expect(slow?.dollars).toBeCloseTo(0.012, 12);
  });

  it('prices audio and video named for the fast tier as the heavy tier that handles them, with the routing step', () => {
    const m = model();
    expect(m.itemCost({ media: 'video', tier: 'fast' })).toBe(m.itemCost({ media: 'video', tier: 'heavy' }));
    const lines = m.itemBreakdown({ media: 'audio', tier: 'heavy', durationSec: 120 });
    expect(lines.some((l) => l.what.startsWith('routing: Lambda compute'))).toBe(true);
    // 120 s / 20× = 6 s of a job, as for the video above.
    expect(lines.find((l) => l.what.startsWith('g4dn.xlarge'))?.dollars).toBeCloseTo(0.006, 12);
  });

  it('prices an unknown item as a fast-tier request ending in an error verdict', () => {
    const lines = model().itemBreakdown({ media: 'unknown', tier: 'fast', bytes: 1000 });
    expect(lines.find((l) => l.what.startsWith('Lambda compute'))?.dollars).toBeCloseTo(0.05e-6, 15);
    expect(lines.find((l) => l.what.startsWith('DynamoDB writes'))?.what).toMatch(/error verdict 2 WRU/);
  });

  it('records the figures it used', () => {
    const m = model();
    m.itemCost({ media: 'text', tier: 'fast' });
    expect([...m.figuresUsed().keys()].sort()).toEqual(['fast-tier.cold-start', 'fast-tier.text.per-item']);
  });

  it('fails clearly on a missing figure, a figure in the wrong unit, and bad options', () => {
    const measured = roundMeasured();
    delete (measured.figures as Record<string, unknown>)['heavy-tier.video.rtf'];
    const m = createCostModel({ prices: roundPrices(), measured });
    expect(() => m.itemCost({ media: 'video', tier: 'heavy' })).toThrow(ConfigError);
    expect(() => m.itemCost({ media: 'video', tier: 'heavy' })).toThrow(
      /measured figure "heavy-tier.video.rtf" is missing/,
    );
    const wrongUnit = roundMeasured();
    (wrongUnit.figures['fast-tier.text.per-item'] as { unit: string }).unit = 'x-real-time';
    expect(() =>
      createCostModel({ prices: roundPrices(), measured: wrongUnit }).itemCost({
        media: 'text',
        tier: 'fast',
      }),
    ).toThrow(/is in x-real-time; the cost model needs ms/);
    expect(() => model({ lambdaCpuFactor: 0 })).toThrow(/lambdaCpuFactor must be a positive number/);
    expect(() => model({ durationSec: -1 })).toThrow(/durationSec must be a positive number/);
    expect(() =>
      createCostModel({ prices: roundPrices(), measured: { figures: { x: { value: 1 } } } as never }),
    ).toThrow(/measured figures is invalid: figures\.x\.unit/);
  });
});

describe('measured cost model: the committed prices and measured figures', () => {
  const model = createCostModel();
  const spot = createCostModel({ capacity: 'spot' });
  const rekognitionImage = model.prices.rekognition.imageModerationPerThousand / 1000;

  it('meets the target: a fast-tier image under $0.02 per 1,000 and at least 50× cheaper than Rekognition', () => {
    const image = model.itemCost({ media: 'image', tier: 'fast' });
    expect(image * 1000).toBeLessThan(0.02);
    expect(rekognitionImage / image).toBeGreaterThanOrEqual(50);
    // The bound (p95) as well.
    const p95 = createCostModel({ statistic: 'p95' }).itemCost({ media: 'image', tier: 'fast' });
    expect(p95 * 1000).toBeLessThan(0.02);
  });

  it('prices the heavy tier cheaper on spot than on demand', () => {
    for (const media of ['image', 'audio', 'video', 'text'] as const) {
      expect(spot.itemCost({ media, tier: 'heavy' })).toBeLessThan(model.itemCost({ media, tier: 'heavy' }));
    }
  });

  it('prices video far below Rekognition per minute, and longer media higher', () => {
    const perMinute = model.itemCost({ media: 'video', tier: 'heavy', durationSec: 60 });
    expect(perMinute).toBeLessThan(model.prices.rekognition.videoModerationPerMinute / 50);
    expect(model.itemCost({ media: 'video', tier: 'heavy', durationSec: 600 })).toBeGreaterThan(
      perMinute * 5,
    );
  });
});
