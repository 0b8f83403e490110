import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { ConfusionTables } from '../../../core/shadow/confusion-table';
import { formatShadowReport } from '../../../core/shadow/format-shadow-report';
import { runShadow, type ShadowCandidate } from '../../../core/shadow/shadow-run';
import type { Verdict } from '../../../core/verdict/verdict';
import { testPolicy } from '../../helpers/test-policy';
import { fixedCost, MemoryResolver, wordDetector } from '../sweep/sweep-fixtures';

const items = new Map([
  ['file:///i/1.txt', 'bad'],
  ['file:///i/2.txt', 'fine'],
  ['file:///i/3.txt', 'bad bad'],
  ['file:///i/4.txt', 'buy'],
]);
const live = testPolicy();
const candidatePolicy = testPolicy({
  version: '2',
  categories: [
    { id: 'hate', thresholds: { review: 0.7, block: 0.95 } },
    { id: 'spam', thresholds: { review: 0.2, block: 0.9 } },
  ],
});

async function liveVerdicts(): Promise<Verdict[]> {
  const engine = new ModerationEngine({ policy: live, tier: 'fast', detectors: [wordDetector()] });
  const resolver = new MemoryResolver(items);
  return Promise.all([...items.keys()].map(async (uri) => engine.moderate(await resolver.resolve(uri))));
}

describe('ConfusionTables', () => {
  it('counts item decisions and each category, with unflagged categories as allow', async () => {
    const [a, , c, d] = await liveVerdicts();
    const t = new ConfusionTables(['hate', 'spam', 'pii']);
    const flipped = (v: Verdict): Verdict => ({
      ...v,
      decision: 'allow',
      categories: v.categories.map((x) => ({ ...x, decision: 'allow' as const })),
    });
    t.add(a as Verdict, flipped(a as Verdict));
    t.add(c as Verdict, c as Verdict);
    t.add(d as Verdict, d as Verdict);
    expect(t.decisions.review.allow).toBe(1);
    expect(t.decisions.block.block).toBe(1);
    expect(t.decisions.allow.allow).toBe(1);
    const cats = t.categories();
    expect(cats.hate?.review.allow).toBe(1);
    expect(cats.hate?.block.block).toBe(1);
    expect(cats.hate?.allow.allow).toBe(1);
    expect(cats.pii?.allow.allow).toBe(3);
  });
});

describe('runShadow', () => {
  it('re-decides a threshold-only candidate from live scores and reports the changes', async () => {
    const verdicts = await liveVerdicts();
    const calls = { n: 0 };
    const candidate = new ModerationEngine({
      policy: candidatePolicy,
      tier: 'fast',
      detectors: [wordDetector('1', calls)],
    });
    const population = async function* (): AsyncGenerator<ShadowCandidate> {
      for (const v of verdicts) yield { uri: v.item.uri, live: v };
    };
    const report = await runShadow({
      population,
      sampleSize: 10,
      seed: '1',
      livePolicy: live,
      candidate,
      resolver: new MemoryResolver(items),
      costModel: fixedCost,
    });
    expect(calls.n).toBe(0);
    expect(report.totals).toEqual({
      sampled: 4,
      compared: 4,
      sameDecision: 2,
      changedDecision: 2,
      redecided: 4,
      rescored: 0,
      failed: 0,
    });
    expect(report.changes.map((c) => [c.uri, c.live, c.candidate]).sort()).toEqual([
      ['file:///i/1.txt', 'review', 'allow'],
      ['file:///i/4.txt', 'allow', 'review'],
    ]);
    expect(report.categories.hate?.review.allow).toBe(1);
    expect(report.categories.spam?.allow.review).toBe(1);
    expect(report.cost).toEqual({ pricesVersion: 'test', livePer1000: 1, candidatePer1000: 1, shadowRun: 0 });
    const md = formatShadowReport(report);
    expect(md).toContain('| live \\ candidate | allow | review | block | error |');
    expect(md).toContain('### spam');
    expect(md).toContain('| file:///i/4.txt | allow | review | spam 0.30 | redecide |');
  });

  it('scores items again with the candidate when its detectors differ', async () => {
    const verdicts = await liveVerdicts();
    const calls = { n: 0 };
    const candidate = new ModerationEngine({
      policy: live,
      tier: 'fast',
      detectors: [wordDetector('2', calls)],
    });
    const report = await runShadow({
      population: async function* () {
        for (const v of verdicts) yield { uri: v.item.uri, live: v };
      },
      sampleSize: 2,
      seed: '1',
      candidate,
      resolver: new MemoryResolver(items),
      costModel: fixedCost,
    });
    expect(report.totals).toMatchObject({ sampled: 2, rescored: 2, redecided: 0, changedDecision: 0 });
    expect(calls.n).toBe(2);
    expect(report.cost.shadowRun).toBeCloseTo(0.002);
  });
});
