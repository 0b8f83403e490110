/** Ranking and threshold metrics for binary labels, computed on aggregate counts only. */

/**
 * Area under the precision-recall curve as average precision: the mean, over positives, of the precision at the
 * score of each positive, with tied scores taken as one threshold (as scikit-learn's `average_precision_score`).
 * NaN when there is no positive.
 */
export function averagePrecision(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const order = scores.map((_, i) => i).sort((x, y) => (scores[y] as number) - (scores[x] as number));
  const positives = labels.reduce<number>((s, y) => s + y, 0);
  if (positives === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < order.length; i++) {
    const idx = order[i] as number;
    if (labels[idx] === 1) tp++;
    else fp++;
    const next = order[i + 1];
    if (next !== undefined && scores[next] === scores[idx]) continue;
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Confusion counts and rates at one threshold (`score >= threshold` is a positive call). */
export interface ThresholdMetrics {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
}

/** Precision and recall at `threshold`; precision is NaN when nothing is called positive. */
export function atThreshold(
  scores: readonly number[],
  labels: readonly (0 | 1)[],
  threshold: number,
): ThresholdMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const hit = (scores[i] as number) >= threshold;
    if (labels[i] === 1) {
      if (hit) tp++;
      else fn++;
    } else if (hit) fp++;
  }
  return {
    threshold,
    tp,
    fp,
    fn,
    precision: tp + fp === 0 ? Number.NaN : tp / (tp + fp),
    recall: tp + fn === 0 ? Number.NaN : tp / (tp + fn),
  };
}

/** Mean of the finite values (NaN when none). */
export function meanOf(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}
