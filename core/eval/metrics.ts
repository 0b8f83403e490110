/** One labelled row's score for a category: `label` 1 positive, 0 negative (unknown rows are left out before). */
export interface ScoredLabel {
  readonly score: number;
  readonly label: 0 | 1;
}

/** Counts and rates when every row scoring at or above `threshold` is flagged. */
export interface OperatingPoint {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  /** tp / (tp + fp); 0 when nothing is flagged. */
  readonly precision: number;
  /** tp / (tp + fn); `null` when there are no positives. */
  readonly recall: number | null;
  /** Harmonic mean of precision and recall; 0 when both are 0, `null` when recall is. */
  readonly f1: number | null;
}

/** One point of a precision-recall curve. */
export interface CurvePoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/** The most points a reported curve keeps. */
export const MAX_CURVE_POINTS = 100;

/**
 * Counts when every row scoring at or above `threshold` is flagged. As in the engine, a score of 0 (no signal for
 * the category) is never flagged, whatever the threshold.
 */
export function operatingPoint(rows: readonly ScoredLabel[], threshold: number): OperatingPoint {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const r of rows) {
    const flagged = r.score > 0 && r.score >= threshold;
    if (r.label === 1) flagged ? tp++ : fn++;
    else flagged ? fp++ : tn++;
  }
  return { threshold, tp, fp, fn, tn, ...rates(tp, fp, fn) };
}

/** Precision, recall and F1 from counts, with the conventions of {@link OperatingPoint}. */
export function rates(
  tp: number,
  fp: number,
  fn: number,
): Pick<OperatingPoint, 'precision' | 'recall' | 'f1'> {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? null : tp / (tp + fn);
  const f1 =
    recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/**
 * The precision-recall curve: one point per distinct score, from the highest down, flagging every row that scores
 * at or above it (tied scores enter together). The last point flags every row, so its recall is 1 and its
 * precision the share of positives. Empty when there are no positives.
 */
export function precisionRecallCurve(rows: readonly ScoredLabel[]): CurvePoint[] {
  const positives = rows.reduce((n, r) => n + r.label, 0);
  if (positives === 0) return [];
  const sorted = [...rows].sort((a, b) => b.score - a.score);
  const curve: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i] as ScoredLabel;
    if (r.label === 1) tp++;
    else fp++;
    if (i + 1 < sorted.length && (sorted[i + 1] as ScoredLabel).score === r.score) continue;
    curve.push({ threshold: r.score, precision: tp / (tp + fp), recall: tp / positives });
  }
  return curve;
}

/**
 * Average precision, the step-wise area under the precision-recall curve: `Σ (R_k − R_{k−1}) · P_k` over the
 * curve's points from the highest threshold down, with `R_0 = 0` (no interpolation; the definition of
 * scikit-learn's `average_precision_score`). A scorer that ranks every positive above every negative gets 1; one
 * that gives every row the same score gets the share of positives. `null` when there are no positives.
 */
export function averagePrecision(curve: readonly CurvePoint[]): number | null {
  if (curve.length === 0) return null;
  let ap = 0;
  let prevRecall = 0;
  for (const p of curve) {
    ap += (p.recall - prevRecall) * p.precision;
    prevRecall = p.recall;
  }
  return ap;
}

/**
 * At most `max` points of a curve, evenly spaced along it, always keeping the first and the last point (thinning
 * is for drawing; AUPRC is computed on the full curve).
 */
export function thinCurve(curve: readonly CurvePoint[], max = MAX_CURVE_POINTS): CurvePoint[] {
  if (curve.length <= max) return [...curve];
  const out: CurvePoint[] = [];
  for (let k = 0; k < max; k++)
    out.push(curve[Math.round((k * (curve.length - 1)) / (max - 1))] as CurvePoint);
  return out;
}
