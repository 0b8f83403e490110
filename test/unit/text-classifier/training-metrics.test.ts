import { seededRandom } from '../../../core/seeded-random';
import { atThreshold, averagePrecision, meanOf } from '../../../models/training/ranking-metrics';
import { plattScaling, trainLogisticRegression } from '../../../models/training/sparse-logistic-regression';

describe('averagePrecision', () => {
  it('matches the step-wise definition (scikit-learn average_precision_score)', () => {
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.8333, 4);
    expect(averagePrecision([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0])).toBeCloseTo(0.25, 6);
    expect(averagePrecision([0.3, 0.2], [0, 0])).toBeNaN();
  });

  it('counts precision and recall at a threshold', () => {
    const m = atThreshold([0.9, 0.6, 0.4, 0.2], [1, 0, 1, 0], 0.5);
    expect(m).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5 });
    expect(meanOf([1, Number.NaN, 0])).toBe(0.5);
  });
});

describe('trainLogisticRegression', () => {
  it('learns a separable toy problem, skips unknown labels and is reproducible', () => {
    const random = seededRandom(7);
    const rows = Array.from({ length: 200 }, () => {
      const f = random() < 0.5 ? 1 : 2;
      return { indices: Int32Array.of(0, f), values: Float32Array.of(Math.SQRT1_2, Math.SQRT1_2) };
    });
    const labels = new Int8Array(rows.length * 2);
    rows.forEach((r, i) => {
      labels[i * 2] = r.indices[1] === 1 ? 1 : 0;
      labels[i * 2 + 1] = -1;
    });
    const data = { rows, labels, rowWeights: new Float32Array(rows.length).fill(1) };
    const options = {
      dims: 4,
      outputs: 2,
      epochs: 5,
      learningRate: 0.5,
      l2: 0,
      positiveWeightPower: 0,
      seed: 3,
    };
    const a = trainLogisticRegression(data, options);
    const b = trainLogisticRegression(data, options);
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(a.weights[1 * 2] as number).toBeGreaterThan(1);
    expect(a.weights[2 * 2] as number).toBeLessThan(-1);
    expect(a.weights[1 * 2 + 1]).toBe(0);
  });
});

describe('plattScaling', () => {
  it('fits a monotone sigmoid to scores', () => {
    const scores = [-3, -2, -1, 0, 1, 2, 3, 4];
    const labels = [0, 0, 0, 1, 0, 1, 1, 1] as (0 | 1)[];
    const { a, b } = plattScaling(scores, labels);
    expect(a).toBeGreaterThan(0);
    const p = (s: number) => 1 / (1 + Math.exp(-(a * s + b)));
    expect(p(4)).toBeGreaterThan(0.8);
    expect(p(-3)).toBeLessThan(0.2);
    expect(plattScaling([1, 2], [1, 1])).toEqual({ a: 1, b: 0 });
  });
});
