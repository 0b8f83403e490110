import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { runRescanSweep } from '../../../core/sweep/rescan-sweep';
import type { VerdictChange } from '../../../core/sweep/verdict-change';
import { testPolicy } from '../../helpers/test-policy';
import { fixedCost, MemoryResolver, memoryVerdictStore, wordDetector } from './sweep-fixtures';

const items = new Map([
  ['file:///i/1.txt', 'bad'],
  ['file:///i/2.txt', 'fine'],
  ['file:///i/3.txt', 'buy this'],
]);
const policyB = testPolicy({
  version: '2',
  categories: [
    { id: 'hate', thresholds: { review: 0.3, block: 0.55 } },
    { id: 'spam', thresholds: { review: 0.5, block: 0.9 } },
  ],
});

async function scanned(calls = { n: 0 }) {
  const verdicts = memoryVerdictStore();
  const resolver = new MemoryResolver(items);
  const engine = new ModerationEngine({
    policy: testPolicy(),
    tier: 'fast',
    detectors: [wordDetector('1', calls)],
  });
  for (const uri of items.keys()) await verdicts.put(await engine.moderate(await resolver.resolve(uri)));
  resolver.opened = 0;
  return { verdicts, resolver };
}

describe('runRescanSweep', () => {
  it('re-decides a threshold-only change without reading items or running detectors, once', async () => {
    const calls = { n: 0 };
    const { verdicts, resolver } = await scanned(calls);
    calls.n = 0;
    const engine = new ModerationEngine({
      policy: policyB,
      tier: 'fast',
      detectors: [wordDetector('1', calls)],
    });
    const changes: VerdictChange[] = [];
    const run = () =>
      runRescanSweep({
        verdicts,
        target: engine,
        engine,
        resolver,
        costModel: fixedCost,
        onChange: async (c) => {
          changes.push(c);
        },
      });
    const first = await run();
    expect(first).toMatchObject({ examined: 3, redecided: 3, rescored: 0, changedDecision: 1, modelRuns: 0 });
    expect(calls.n).toBe(0);
    expect(resolver.opened).toBe(0);
    expect(changes.map((c) => [c.uri, c.before?.decision, c.after.decision])).toEqual([
      ['file:///i/1.txt', 'review', 'block'],
    ]);
    expect((await verdicts.get('file:///i/1.txt', '2'))?.redecided).toMatchObject({ fromPolicyVersion: '1' });
    // What it replaced, so that actions (on AWS, the verdict stream) follow only a changed decision.
    expect((await verdicts.get('file:///i/1.txt', '2'))?.previous).toEqual({
      policyVersion: '1',
      decision: 'review',
    });

    const again = await run();
    expect(again).toMatchObject({ examined: 3, unchanged: 3, redecided: 0, changedDecision: 0 });
    expect(changes).toHaveLength(1);
  });

  it('re-scores when a detector version changes, and a dry run only counts and prices', async () => {
    const { verdicts, resolver } = await scanned();
    const calls = { n: 0 };
    const engine = new ModerationEngine({
      policy: policyB,
      tier: 'fast',
      detectors: [wordDetector('2', calls)],
    });
    const dry = await runRescanSweep({ verdicts, target: engine, costModel: fixedCost, dryRun: true });
    expect(dry).toMatchObject({ rescored: 3, modelRuns: 0, changedDecision: 0 });
    expect(dry.estimatedCost).toBeCloseTo(0.003);
    expect(await verdicts.get('file:///i/1.txt', '2')).toBeUndefined();

    const real = await runRescanSweep({ verdicts, target: engine, engine, resolver, costModel: fixedCost });
    expect(real).toMatchObject({ rescored: 3, modelRuns: 3, failed: 0, changedDecision: 1 });
    expect(calls.n).toBe(3);
    expect((await verdicts.get('file:///i/1.txt', '2'))?.redecided).toBeUndefined();
  });

  it('keeps the old verdict of an item it cannot read and counts it failed', async () => {
    const { verdicts } = await scanned();
    const engine = new ModerationEngine({ policy: policyB, tier: 'fast', detectors: [wordDetector('2')] });
    const resolver = new MemoryResolver(new Map([...items].slice(1)));
    const r = await runRescanSweep({ verdicts, target: engine, engine, resolver, costModel: fixedCost });
    expect(r).toMatchObject({ rescored: 2, failed: 1 });
    expect((await verdicts.get('file:///i/1.txt'))?.policy.version).toBe('1');
  });
});
