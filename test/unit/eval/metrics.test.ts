import {
  averagePrecision,
  operatingPoint,
  precisionRecallCurve,
  type ScoredLabel,
  thinCurve,
} from '../../../core/eval/metrics';

// Scores and labels worked by hand: 3 positives among 6 rows, two tied at 0.4.
const ROWS: ScoredLabel[] = [
  { score: 0.4, label: 0 },
  { score: 0.9, label: 1 },
  { score: 0.8, label: 0 },
  { score: 0.1, label: 0 },
  { score: 0.7, label: 1 },
  { score: 0.4, label: 1 },
];

describe('operatingPoint', () => {
  it('counts rows at or above the threshold as flagged', () => {
    const p = operatingPoint(ROWS, 0.5);
    expect([p.tp, p.fp, p.fn, p.tn]).toEqual([2, 1, 1, 2]);
    expect(p.precision).toBeCloseTo(2 / 3, 12);
    expect(p.recall).toBeCloseTo(2 / 3, 12);
    expect(p.f1).toBeCloseTo(2 / 3, 12);
    const b = operatingPoint(ROWS, 0.85);
    expect([b.precision, b.recall, b.f1]).toEqual([1, 1 / 3, 0.5]);
    expect(operatingPoint(ROWS, 0.4).tp).toBe(3);
  });

  it('gives precision 0 when nothing is flagged and no recall without positives', () => {
    const none = operatingPoint(ROWS, 0.95);
    expect([none.precision, none.recall, none.f1]).toEqual([0, 0, 0]);
    const negatives = operatingPoint([{ score: 0.9, label: 0 }], 0.5);
    expect([negatives.precision, negatives.recall, negatives.f1]).toEqual([0, null, null]);
  });
});

describe('precisionRecallCurve and averagePrecision', () => {
  it('has one point per distinct score, ties entering together', () => {
    const curve = precisionRecallCurve(ROWS);
    expect(curve.map((p) => p.threshold)).toEqual([0.9, 0.8, 0.7, 0.4, 0.1]);
    const expected = [
      [1, 1 / 3],
      [1 / 2, 1 / 3],
      [2 / 3, 2 / 3],
      [3 / 5, 1],
      [1 / 2, 1],
    ];
    curve.forEach((p, i) => {
      expect(p.precision).toBeCloseTo(expected[i]?.[0] as number, 12);
      expect(p.recall).toBeCloseTo(expected[i]?.[1] as number, 12);
    });
  });

  it('is the step-wise sum of precision times recall gained', () => {
    // 1/3·1 + 0·1/2 + 1/3·2/3 + 1/3·3/5 + 0·1/2 = 34/45
    expect(averagePrecision(precisionRecallCurve(ROWS))).toBeCloseTo(34 / 45, 12);
  });

  it('is 1 for a perfect ranking, the positive share for a constant score, null without positives', () => {
    const perfect: ScoredLabel[] = [
      { score: 0.9, label: 1 },
      { score: 0.8, label: 1 },
      { score: 0.1, label: 0 },
    ];
    expect(averagePrecision(precisionRecallCurve(perfect))).toBe(1);
    const flat: ScoredLabel[] = [
      { score: 0, label: 1 },
      { score: 0, label: 0 },
      { score: 0, label: 0 },
      { score: 0, label: 0 },
    ];
    expect(averagePrecision(precisionRecallCurve(flat))).toBe(0.25);
    expect(averagePrecision(precisionRecallCurve([{ score: 0.3, label: 0 }]))).toBeNull();
  });
});

describe('thinCurve', () => {
  it('keeps short curves whole and thins long ones to the limit, first and last kept', () => {
    const curve = Array.from({ length: 1000 }, (_, i) => ({
      threshold: 1 - i / 1000,
      precision: 1,
      recall: i / 999,
    }));
    const thin = thinCurve(curve, 100);
    expect(thin).toHaveLength(100);
    expect(thin[0]).toBe(curve[0]);
    expect(thin[99]).toBe(curve[999]);
    expect(thinCurve(curve.slice(0, 5), 100)).toHaveLength(5);
  });
});
