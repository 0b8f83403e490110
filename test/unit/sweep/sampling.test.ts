import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { chooseSamplingPlan, samplingOptions } from '../../../core/sweep/choose-sampling-plan';
import { runSamplingSweep, type SampleCandidate } from '../../../core/sweep/sampling-sweep';
import { seededSample } from '../../../core/sweep/seeded-sample';
import { testPolicy } from '../../helpers/test-policy';
import { fixedCost, MemoryResolver, wordDetector } from './sweep-fixtures';

describe('seededSample', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
  it('draws the same items for the same seed, whatever the order, and nests smaller samples', async () => {
    const a = await seededSample(keys, 20, 's', (k) => k);
    const b = await seededSample([...keys].reverse(), 20, 's', (k) => k);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(20);
    expect(await seededSample(keys, 5, 's', (k) => k)).toEqual(a.slice(0, 5));
    expect(await seededSample(keys, 20, 't', (k) => k)).not.toEqual(a);
    expect(await seededSample(keys.slice(0, 3), 20, 's', (k) => k)).toHaveLength(3);
  });
});

describe('chooseSamplingPlan', () => {
  const options = samplingOptions(1, { hasVideo: true, hasImagesOrVideo: true });
  const cost = (o: { tier: string; fps: number }) => (o.tier === 'heavy' ? 0.01 : 0.002) * o.fps;

  it('lists heavy before fast and full frame rate first', () => {
    expect(options.map((o) => `${o.tier}@${o.fps}`)).toEqual([
      'heavy@1',
      'heavy@0.5',
      'heavy@0.25',
      'fast@1',
      'fast@0.5',
      'fast@0.25',
    ]);
    expect(samplingOptions(1, { hasVideo: false, hasImagesOrVideo: false })).toEqual([
      { tier: 'fast', fps: 1 },
    ]);
  });

  it('takes the most accurate option that affords the minimum sample', () => {
    const plan = chooseSamplingPlan({
      budget: 1,
      populationSize: 10_000,
      options,
      costPerItem: cost,
      minSample: 200,
    });
    // heavy@1 affords 100, heavy@0.5 affords 200.
    expect(plan.chosen).toEqual({ sampleSize: 200, fps: 0.5, tier: 'heavy' });
    expect(plan.estimatedCost).toBeCloseTo(1);
    expect(plan.reason).toContain('heavy tier at 1 fps affords 100');
    expect(plan.alternatives).toHaveLength(6);
  });

  it('covers the whole population when affordable, and falls back to the widest sample', () => {
    expect(
      chooseSamplingPlan({ budget: 100, populationSize: 50, options, costPerItem: cost, minSample: 100 })
        .chosen,
    ).toEqual({ sampleSize: 50, fps: 1, tier: 'heavy' });
    const poor = chooseSamplingPlan({
      budget: 0.01,
      populationSize: 1000,
      options,
      costPerItem: cost,
      minSample: 100,
    });
    expect(poor.chosen).toEqual({ sampleSize: 20, fps: 0.25, tier: 'fast' });
    expect(poor.reason).toMatch(/no option affords/);
    const none = chooseSamplingPlan({
      budget: 0,
      populationSize: 1000,
      options,
      costPerItem: cost,
      minSample: 1,
    });
    expect(none.chosen.sampleSize).toBe(0);
  });
});

describe('runSamplingSweep', () => {
  it('fits the budget, scores the draw and reports changes against stored verdicts', async () => {
    const items = new Map(
      Array.from({ length: 30 }, (_, i) => [`file:///i/${i}.txt`, i % 3 ? 'ok' : 'bad'] as const),
    );
    const population = async function* (): AsyncGenerator<SampleCandidate> {
      for (const uri of items.keys()) yield { uri, media: 'text', bytes: 3 };
    };
    const engines: string[] = [];
    const r = await runSamplingSweep({
      population,
      budget: 0.0105,
      seed: '7',
      minSample: 5,
      baseFps: 1,
      costModel: fixedCost,
      resolver: new MemoryResolver(items),
      engineFor: (o) => {
        engines.push(`${o.tier}@${o.fps}`);
        return new ModerationEngine({ policy: testPolicy(), tier: o.tier, detectors: [wordDetector()] });
      },
    });
    expect(r.plan.chosen).toEqual({ sampleSize: 10, fps: 1, tier: 'fast' });
    expect(engines).toEqual(['fast@1']);
    expect(r).toMatchObject({ sampled: 10, scored: 10, failed: 0, changedDecision: 10 });
    expect(r.estimatedCost).toBeLessThanOrEqual(0.0105);
  });
});
