import { calibrateThresholds, chooseThreshold } from '../../../core/eval/calibrate';
import { calibratedVersion, writeCalibratedPolicy } from '../../../core/eval/calibrated-policy';
import type { LabelledItem } from '../../../core/eval/labelled-item';
import type { ScoredLabel } from '../../../core/eval/metrics';
import { reviewLabels } from '../../../core/eval/review-labels';
import type { ScoredItem } from '../../../core/eval/score-items';
import type { ReviewDecision, ReviewStore } from '../../../core/ports/review-store';
import type { Verdict } from '../../../core/verdict/verdict';
import { testPolicy } from '../../helpers/test-policy';

// 0.9+ 0.8+ 0.7- 0.6+ 0.5- 0.4+ 0.3- 0.2- : 4 positives.
const ROWS: ScoredLabel[] = [
  [0.9, 1],
  [0.8, 1],
  [0.7, 0],
  [0.6, 1],
  [0.5, 0],
  [0.4, 1],
  [0.3, 0],
  [0.2, 0],
].map(([score, label]) => ({ score: score as number, label: label as 0 | 1 }));

describe('chooseThreshold', () => {
  it('takes the highest recall that keeps the precision target', () => {
    // Precision at 0.9: 1, 0.8: 1, 0.7: 2/3, 0.6: 3/4, 0.5: 3/5, 0.4: 4/6.
    expect(chooseThreshold(ROWS, { metric: 'precision', value: 0.75 })).toEqual({
      threshold: 0.6,
      precision: 0.75,
      recall: 0.75,
    });
    expect(chooseThreshold(ROWS, { metric: 'precision', value: 1 })?.threshold).toBe(0.8);
  });

  it('takes the highest precision that keeps the recall target', () => {
    expect(chooseThreshold(ROWS, { metric: 'recall', value: 1 })).toEqual({
      threshold: 0.4,
      precision: 4 / 6,
      recall: 1,
    });
    expect(chooseThreshold(ROWS, { metric: 'recall', value: 0.5 })?.threshold).toBe(0.8);
  });

  it('never picks a score of 0 (unscored rows are never flagged) and says when no threshold works', () => {
    const rows: ScoredLabel[] = [
      { score: 0.5, label: 0 },
      { score: 0, label: 1 },
    ];
    expect(chooseThreshold(rows, { metric: 'recall', value: 1 })).toBeUndefined();
    expect(chooseThreshold(rows, { metric: 'precision', value: 0.5 })).toBeUndefined();
  });
});

function scored(id: string, score: number, label: 0 | 1, split: LabelledItem['split']): ScoredItem {
  return { item: { id, text: 'x', labels: { spam: label, hate: null }, split }, scores: { spam: score } };
}

describe('calibrateThresholds', () => {
  const fit = ROWS.map((r, i) => scored(`f${i}`, r.score, r.label, 'validation'));
  const held = [scored('h1', 0.95, 1, 'test'), scored('h2', 0.65, 0, 'test'), scored('h3', 0.45, 1, 'test')];

  it('fits on the fitting rows and reports the old and new operating points on the held-out rows', () => {
    const [spam] = calibrateThresholds({
      policy: testPolicy(),
      categories: ['spam'],
      target: { metric: 'precision', value: 0.75 },
      fit,
      held,
      minPositives: 3,
      blockPrecision: 1,
    });
    expect(spam).toMatchObject({
      id: 'spam',
      status: 'calibrated',
      fitPositives: 4,
      fitNegatives: 4,
      before: { review: 0.5, block: 0.85 },
      after: { review: 0.6, block: 0.8 },
    });
    expect(spam?.held.positives).toBe(2);
    // Old review 0.5 flags h1, h2 → P 1/2, R 1/2; new 0.6 flags the same rows; new block 0.8 flags h1.
    expect([spam?.held.before.review.precision, spam?.held.after.review.recall]).toEqual([0.5, 0.5]);
    expect([spam?.held.after.block.precision, spam?.held.after.block.recall]).toEqual([1, 0.5]);
  });

  it('keeps the thresholds of categories with too few positives or an unreachable target', () => {
    const settings = { policy: testPolicy(), categories: ['spam', 'hate'], fit, held };
    const few = calibrateThresholds({
      ...settings,
      target: { metric: 'precision', value: 0.5 },
      minPositives: 5,
    });
    expect(few.map((c) => c.id)).toEqual(['hate', 'spam']);
    expect(few[1]).toMatchObject({
      status: 'not-enough-positives',
      note: 'not enough positives (4; at least 5 needed)',
      after: { review: 0.5, block: 0.85 },
    });
    expect(few[0]?.status).toBe('not-enough-positives');
    const impossible = calibrateThresholds({
      ...settings,
      categories: ['spam'],
      target: { metric: 'precision', value: 0.99 },
      fit: [scored('x', 0.5, 0, 'validation'), scored('y', 0.5, 1, 'validation')],
      minPositives: 1,
    });
    expect(impossible[0]).toMatchObject({
      status: 'target-not-reached',
      after: { review: 0.5, block: 0.85 },
    });
  });
});

describe('writeCalibratedPolicy', () => {
  const source = [
    '# my policy',
    'id: test',
    'version: "7"',
    'categories:',
    '  - id: spam # the spam one',
    '    thresholds: { review: 0.5, block: 0.85 }',
    '  - id: pii',
    '    thresholds: { review: 0.5, block: 0.9 }',
    '',
  ].join('\n');
  const date = new Date('2026-11-26T09:05:00Z');

  it('changes only the thresholds and the version, records the calibration, and keeps comments', () => {
    const { text, policy } = writeCalibratedPolicy(
      source,
      { spam: { review: 0.61, block: 0.8 } },
      {
        target: 'precision 0.9',
        dataset: 'toy',
        fitSplit: 'validation',
        heldSplit: 'test',
        date,
        kept: ['pii: not enough positives (2; at least 10 needed)'],
      },
    );
    expect(policy.version).toBe('7+cal.20261126.0905');
    expect(policy.categories.map((c) => c.thresholds)).toEqual([
      { review: 0.61, block: 0.8 },
      { review: 0.5, block: 0.9 },
    ]);
    expect(text).toMatch(/^# Calibrated by `winnow calibrate` on 2026-11-26T09:05:00.000Z from version 7\./);
    expect(text).toContain('# Target at the review threshold: precision 0.9. Dataset: toy.');
    expect(text).toContain('fitted on the validation split; results were reported on the test split');
    expect(text).toContain('#   pii: not enough positives');
    expect(text).toContain('# my policy');
    expect(text).toContain('# the spam one');
  });

  it('replaces an earlier calibration suffix rather than stacking them', () => {
    expect(calibratedVersion('7+cal.20261101.1200', date)).toBe('7+cal.20261126.0905');
  });
});

describe('reviewLabels', () => {
  const decisions: ReviewDecision[] = [
    {
      uri: 'file:///a.txt',
      policyVersion: '1',
      decision: 'block',
      categories: ['spam'],
      reason: 'scam',
      reviewer: 'r1',
      decidedAt: '2026-11-26T00:00:00Z',
    },
    {
      uri: 'file:///b.txt',
      policyVersion: '1',
      decision: 'allow',
      categories: ['spam', 'pii'],
      reason: 'fine',
      reviewer: 'r2',
      decidedAt: '2026-11-26T00:01:00Z',
    },
    {
      uri: 'file:///gone.txt',
      policyVersion: '1',
      decision: 'block',
      categories: ['hate'],
      reason: 'x',
      reviewer: 'r1',
      decidedAt: '2026-11-26T00:02:00Z',
    },
  ];
  /** An in-memory review store: the latest decision per (uri, policy version). */
  const store: ReviewStore = {
    record: async (d) => {
      decisions.push(d);
    },
    history: async () => decisions,
    latest: async () => decisions,
  };
  const verdict = (uri: string, spam: number) =>
    ({
      item: { uri },
      decision: 'review',
      categories: [{ id: 'spam', score: spam, decision: 'review' }],
    }) as unknown as Verdict;

  it('labels block decisions positive and allow decisions negative, scored by the reviewed verdict', async () => {
    const verdicts = {
      get: async (uri: string, version?: string) =>
        version !== '1'
          ? undefined
          : uri === 'file:///a.txt'
            ? verdict(uri, 0.7)
            : uri === 'file:///b.txt'
              ? verdict(uri, 0.55)
              : undefined,
    };
    const labels = await reviewLabels(store, verdicts);
    expect(labels.missingVerdicts).toBe(1);
    expect(labels.categories).toEqual(['spam', 'pii']);
    expect(labels.scored.map((s) => [s.item.uri, s.item.labels, s.scores])).toEqual([
      ['file:///a.txt', { spam: 1 }, { spam: 0.7 }],
      ['file:///b.txt', { spam: 0, pii: 0 }, { spam: 0.55 }],
    ]);
  });
});
