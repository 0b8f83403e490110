import { buildEvalReport } from '../../../core/eval/eval-report';
import { formatEvalReport } from '../../../core/eval/format-eval-report';
import type { LabelledItem } from '../../../core/eval/labelled-item';
import type { ScoredItem } from '../../../core/eval/score-items';
import { parsePolicy } from '../../../core/policy/load-policy';

const POLICY = parsePolicy({
  id: 'p',
  version: '1',
  categories: [
    { id: 'hate', thresholds: { review: 0.5, block: 0.8 } },
    { id: 'spam', thresholds: { review: 0.3, block: 0.9 } },
  ],
});

function row(
  id: string,
  labels: LabelledItem['labels'],
  scores: Record<string, number> | null,
  extra: Partial<LabelledItem> = {},
): ScoredItem {
  const item: LabelledItem = { id, text: 'x', labels, split: 'test', ...extra };
  return scores === null ? { item, scores: null, errorCode: 'empty-item' } : { item, scores };
}

const SCORED: ScoredItem[] = [
  row('1', { hate: 1, spam: 0 }, { hate: 0.9 }, { language: 'en', functionality: 'slur_h' }),
  row('2', { hate: 1, spam: null }, { hate: 0.6, spam: 0.4 }, { language: 'en', functionality: 'slur_h' }),
  row('3', { hate: 1, spam: 1 }, { spam: 0.95 }, { language: 'de', functionality: 'slur_h' }),
  row('4', { hate: 0, spam: 0 }, { hate: 0.7 }, { language: 'de', functionality: 'neutral_nh' }),
  row('5', { hate: 0, spam: null }, {}, { language: 'de', functionality: 'neutral_nh' }),
  row('6', { hate: 1, spam: 1 }, null, { language: 'de', functionality: 'slur_h' }),
];

describe('buildEvalReport', () => {
  const report = buildEvalReport(SCORED, {
    dataset: 'toy',
    split: 'test',
    policy: POLICY,
    categories: ['hate', 'spam', 'violence'],
    curves: true,
  });

  it('computes per-category metrics over labelled rows at the review threshold, leaving errors out', () => {
    expect(report.rows).toBe(6);
    expect(report.errors).toEqual({ count: 1, codes: { 'empty-item': 1 } });
    expect(report.notInPolicy).toEqual(['violence']);
    const hate = report.categories.hate;
    // hate scores (label): 0.9(1) 0.6(1) 0(1) 0.7(0) 0(0); flagged at 0.5: rows 1, 2, 4.
    expect([hate?.support, hate?.negatives, hate?.unknown]).toEqual([3, 2, 0]);
    expect(hate?.precision).toBeCloseTo(2 / 3, 12);
    expect(hate?.recall).toBeCloseTo(2 / 3, 12);
    // At 0.8 only row 1 is flagged.
    expect([hate?.block.precision, hate?.block.recall]).toEqual([1, 1 / 3]);
    // Curve: 0.9 (P1, R1/3), 0.7 (P1/2, R1/3), 0.6 (P2/3, R2/3), 0 (P3/5, R1) → 1/3 + 2/9 + 1/5.
    expect(hate?.auprc).toBeCloseTo(34 / 45, 12);
    expect(hate?.curve).toHaveLength(4);
    const spam = report.categories.spam;
    // spam labelled rows: 1 (0, score 0), 3 (1, 0.95), 4 (0, 0): two rows unknown.
    expect([spam?.support, spam?.negatives, spam?.unknown]).toEqual([1, 2, 2]);
    expect([spam?.precision, spam?.recall, spam?.f1, spam?.auprc]).toEqual([1, 1, 1, 1]);
  });

  it('averages over categories with positives', () => {
    expect(report.macro.categories).toBe(2);
    expect(report.macro.precision).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(report.macro.auprc).toBeCloseTo((34 / 45 + 1) / 2, 12);
  });

  it('breaks results down per language and per functionality', () => {
    expect(Object.keys(report.languages ?? {})).toEqual(['de', 'en']);
    expect(report.languages?.en?.categories.hate).toMatchObject({ support: 2, negatives: 0, recall: 1 });
    expect(report.languages?.de?.categories.hate).toMatchObject({
      support: 1,
      negatives: 2,
      precision: 0,
      recall: 0,
    });
    expect(report.functionalities?.slur_h?.categories.hate).toEqual({
      rows: 3,
      positives: 3,
      negatives: 0,
      correct: 2,
      accuracy: 2 / 3,
    });
    expect(report.functionalities?.neutral_nh?.categories.hate?.accuracy).toBe(0.5);
  });

  it('formats a table per section without row content', () => {
    const text = formatEvalReport(report);
    expect(text).toMatch(/^Eval of toy, test split: 6 rows, 1 error verdicts/);
    expect(text).toMatch(
      /hate\s+3\s+2\s+0\s+0\.667\s+0\.667\s+0\.667\s+0\.756\s+0\.5\/0\.8\s+1\.000\s+0\.333/,
    );
    expect(text).toContain('macro (2)');
    expect(text).toContain('Per language');
    expect(text).toContain('Per functionality');
    expect(text).toContain('Not in the policy, not evaluated: violence.');
  });
});
