/**
 * Multi-label logistic regression over sparse features, trained with AdaGrad. Each label is an independent
 * binary model sharing the feature rows; a row contributes to a label only where that label is known, so sets
 * that label different categories can be mixed.
 */
import type { SparseFeatures } from '../../core/detectors/text/hashed-ngrams';
import { seededRandom } from '../../core/seeded-random';

/** Label of a training row for one output: 1, 0, or -1 for unknown (no gradient). */
export type TrainLabel = 1 | 0 | -1;

/** A training set: rows of features, `labels` row-major `[rows, outputs]`, one weight per row. */
export interface TrainingSet {
  readonly rows: readonly SparseFeatures[];
  readonly labels: Int8Array;
  readonly rowWeights: Float32Array;
}

/** Hyper-parameters of {@link trainLogisticRegression}. */
export interface LogisticRegressionOptions {
  readonly dims: number;
  readonly outputs: number;
  readonly epochs: number;
  /** AdaGrad base learning rate. */
  readonly learningRate: number;
  /** L2 penalty per example on the weights a row touches (bias not penalised). */
  readonly l2: number;
  /**
   * Positive rows of each output weigh `(negatives / positives) ^ positiveWeightPower` (0: unweighted, 1: fully
   * balanced), from the known labels of the training rows.
   */
  readonly positiveWeightPower: number;
  /** Seed of the row shuffle. */
  readonly seed: number;
}

/** A trained model: `weights` row-major `[dims, outputs]`. */
export interface LogisticRegressionModel {
  readonly dims: number;
  readonly outputs: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** Trains the model; deterministic for the same data, order and options. */
export function trainLogisticRegression(
  data: TrainingSet,
  options: LogisticRegressionOptions,
): LogisticRegressionModel {
  const { dims, outputs: C, epochs, learningRate: lr, l2 } = options;
  const n = data.rows.length;
  const weights = new Float32Array(dims * C);
  const bias = new Float32Array(C);
  const acc = new Float32Array(dims * C);
  const accBias = new Float32Array(C);
  const posWeight = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let pos = 0;
    let neg = 0;
    for (let r = 0; r < n; r++) {
      const y = data.labels[r * C + c];
      if (y === 1) pos += data.rowWeights[r] as number;
      else if (y === 0) neg += data.rowWeights[r] as number;
    }
    posWeight[c] = pos > 0 && neg > 0 ? (neg / pos) ** options.positiveWeightPower : 1;
    // Start from the prior so early epochs do not spend their steps on the base rate.
    if (pos > 0 && neg > 0) bias[c] = Math.log((pos * (posWeight[c] as number)) / neg);
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(options.seed);
  const z = new Float64Array(C);
  const g = new Float64Array(C);
  const eps = 1e-8;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (let o = 0; o < n; o++) {
      const r = order[o] as number;
      const row = data.rows[r] as SparseFeatures;
      const base = r * C;
      let any = false;
      for (let c = 0; c < C; c++) {
        z[c] = bias[c] as number;
        if (data.labels[base + c] !== -1) any = true;
      }
      if (!any) continue;
      const { indices, values } = row;
      for (let k = 0; k < indices.length; k++) {
        const off = (indices[k] as number) * C;
        const v = values[k] as number;
        for (let c = 0; c < C; c++) z[c] = (z[c] as number) + (weights[off + c] as number) * v;
      }
      const rw = data.rowWeights[r] as number;
      for (let c = 0; c < C; c++) {
        const y = data.labels[base + c];
        if (y === -1) {
          g[c] = 0;
          continue;
        }
        const p = 1 / (1 + Math.exp(-(z[c] as number)));
        g[c] = (p - (y as number)) * rw * (y === 1 ? (posWeight[c] as number) : 1);
        accBias[c] = (accBias[c] as number) + (g[c] as number) ** 2;
        bias[c] = (bias[c] as number) - (lr * (g[c] as number)) / Math.sqrt((accBias[c] as number) + eps);
      }
      for (let k = 0; k < indices.length; k++) {
        const off = (indices[k] as number) * C;
        const v = values[k] as number;
        for (let c = 0; c < C; c++) {
          const gc = g[c] as number;
          if (gc === 0) continue;
          const idx = off + c;
          const w = weights[idx] as number;
          const grad = gc * v + l2 * w;
          const a = (acc[idx] as number) + grad * grad;
          acc[idx] = a;
          weights[idx] = w - (lr * grad) / Math.sqrt(a + eps);
        }
      }
    }
  }
  return { dims, outputs: C, weights, bias };
}

/** The logits of one row (before the sigmoid). */
export function logits(model: LogisticRegressionModel, row: SparseFeatures): Float64Array {
  const C = model.outputs;
  const out = Float64Array.from(model.bias);
  for (let k = 0; k < row.indices.length; k++) {
    const off = (row.indices[k] as number) * C;
    const v = row.values[k] as number;
    for (let c = 0; c < C; c++) out[c] = (out[c] as number) + (model.weights[off + c] as number) * v;
  }
  return out;
}

/**
 * Platt scaling: `a` and `b` such that `sigmoid(a * logit + b)` fits the labels, by Newton's method on the
 * log-loss with Platt's smoothed targets (so a handful of positives cannot push scores to exactly 0 or 1).
 */
export function plattScaling(
  scores: readonly number[],
  labels: readonly (0 | 1)[],
): { a: number; b: number } {
  const pos = labels.filter((y) => y === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return { a: 1, b: 0 };
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    let g1 = 0;
    let g2 = 0;
    let h11 = 0;
    let h12 = 0;
    let h22 = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i] as number;
      const t = labels[i] === 1 ? hi : lo;
      const p = 1 / (1 + Math.exp(-(a * s + b)));
      const d = p - t;
      const w = Math.max(p * (1 - p), 1e-12);
      g1 += d * s;
      g2 += d;
      h11 += w * s * s;
      h12 += w * s;
      h22 += w;
    }
    h11 += 1e-9;
    h22 += 1e-9;
    const det = h11 * h22 - h12 * h12;
    if (Math.abs(det) < 1e-18) break;
    const da = (h22 * g1 - h12 * g2) / det;
    const db = (h11 * g2 - h12 * g1) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}
