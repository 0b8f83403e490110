import type { Policy } from '../policy/policy';
import { labelledScores } from './eval-report';
import { type OperatingPoint, operatingPoint, precisionRecallCurve, type ScoredLabel } from './metrics';
import type { ScoredItem } from './score-items';

/** What calibration aims for at the review threshold. */
export interface CalibrationTarget {
  readonly metric: 'precision' | 'recall';
  /** Between 0 and 1. */
  readonly value: number;
}

/** A threshold and what it gives on the rows it was chosen on. */
export interface ThresholdChoice {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/** Fewest positives on the fitting rows for a category to be calibrated (default of `--min-positives`). */
export const DEFAULT_MIN_POSITIVES = 10;
/** Precision the block threshold is fitted for, unless a higher precision target is asked for the review one. */
export const DEFAULT_BLOCK_PRECISION = 0.95;

/**
 * The threshold that meets a target on `rows`, among the distinct positive scores (a score of 0 is never flagged):
 * for a precision target, the one with the highest recall whose precision is at least the target; for a recall
 * target, the one with the highest precision whose recall is at least the target. Ties go to the higher
 * threshold. `undefined` when no threshold meets the target.
 */
export function chooseThreshold(
  rows: readonly ScoredLabel[],
  target: CalibrationTarget,
): ThresholdChoice | undefined {
  let best: ThresholdChoice | undefined;
  for (const p of precisionRecallCurve(rows)) {
    if (p.threshold <= 0) continue;
    const meets = target.metric === 'precision' ? p.precision >= target.value : p.recall >= target.value;
    if (!meets) continue;
    const better =
      best === undefined ||
      (target.metric === 'precision'
        ? p.recall > best.recall || (p.recall === best.recall && p.threshold > best.threshold)
        : p.precision > best.precision || (p.precision === best.precision && p.threshold > best.threshold));
    if (better) best = { threshold: p.threshold, precision: p.precision, recall: p.recall };
  }
  return best;
}

/** Review and block thresholds of a category. */
export interface ThresholdPair {
  readonly review: number;
  readonly block: number;
}

/** The outcome of calibrating one category. */
export interface CategoryCalibration {
  readonly id: string;
  /**
   * `calibrated`: new thresholds; `not-enough-positives`: fewer positives than the minimum on the fitting rows;
   * `target-not-reached`: no threshold meets the target there. In the last two the thresholds are kept.
   */
  readonly status: 'calibrated' | 'not-enough-positives' | 'target-not-reached';
  /** Why the thresholds were kept, for people (`not enough positives (4)`). */
  readonly note?: string;
  /** Positives and negatives among the fitting rows. */
  readonly fitPositives: number;
  readonly fitNegatives: number;
  readonly before: ThresholdPair;
  readonly after: ThresholdPair;
  /** The fitting rows at the new thresholds. */
  readonly fit: { readonly review: OperatingPoint; readonly block: OperatingPoint };
  /** The held-out reporting rows, at the old and the new thresholds. */
  readonly held: {
    readonly positives: number;
    readonly negatives: number;
    readonly before: { readonly review: OperatingPoint; readonly block: OperatingPoint };
    readonly after: { readonly review: OperatingPoint; readonly block: OperatingPoint };
  };
}

/** Options of {@link calibrateThresholds}. */
export interface CalibrateOptions {
  readonly policy: Policy;
  /** Categories to calibrate (those the labels cover); categories the policy lacks are ignored. */
  readonly categories: readonly string[];
  readonly target: CalibrationTarget;
  /** Rows the thresholds are chosen on. */
  readonly fit: readonly ScoredItem[];
  /** Rows the operating points are reported on; never used to choose. */
  readonly held: readonly ScoredItem[];
  readonly minPositives?: number;
  /** Precision the block threshold aims for (default: the higher of 0.95 and a precision target). */
  readonly blockPrecision?: number;
}

/**
 * Chooses per-category thresholds on the fitting rows and reports them on the held-out rows. The review
 * threshold meets the target ({@link chooseThreshold}); the block threshold is the one with the highest recall
 * whose precision reaches `blockPrecision`, never below the new review threshold (when no threshold reaches that
 * precision, the old block threshold stays, raised to the review threshold if needed).
 */
export function calibrateThresholds(options: CalibrateOptions): CategoryCalibration[] {
  const { policy, target } = options;
  const minPositives = options.minPositives ?? DEFAULT_MIN_POSITIVES;
  const blockPrecision =
    options.blockPrecision ??
    Math.max(DEFAULT_BLOCK_PRECISION, target.metric === 'precision' ? target.value : 0);
  const out: CategoryCalibration[] = [];
  for (const c of policy.categories) {
    if (!options.categories.includes(c.id)) continue;
    const fitRows = labelledScores(options.fit, c.id);
    const heldRows = labelledScores(options.held, c.id);
    const fitPositives = fitRows.reduce((n, r) => n + r.label, 0);
    const before: ThresholdPair = { review: c.thresholds.review, block: c.thresholds.block };
    let after = before;
    let status: CategoryCalibration['status'] = 'calibrated';
    let note: string | undefined;
    const review = fitPositives < minPositives ? undefined : chooseThreshold(fitRows, target);
    if (fitPositives < minPositives) {
      status = 'not-enough-positives';
      note = `not enough positives (${fitPositives}; at least ${minPositives} needed)`;
    } else if (review === undefined) {
      status = 'target-not-reached';
      note = `no threshold reaches ${target.metric} ${target.value} on the fitting rows`;
    } else {
      const block = chooseThreshold(
        fitRows.filter((r) => r.score >= review.threshold),
        { metric: 'precision', value: blockPrecision },
      );
      after = {
        review: review.threshold,
        block: block ? Math.max(block.threshold, review.threshold) : Math.max(before.block, review.threshold),
      };
    }
    const at = (rows: readonly ScoredLabel[], t: ThresholdPair) => ({
      review: operatingPoint(rows, t.review),
      block: operatingPoint(rows, t.block),
    });
    const heldBefore = at(heldRows, before);
    out.push({
      id: c.id,
      status,
      ...(note ? { note } : {}),
      fitPositives,
      fitNegatives: fitRows.length - fitPositives,
      before,
      after,
      fit: at(fitRows, after),
      held: {
        positives: heldBefore.review.tp + heldBefore.review.fn,
        negatives: heldBefore.review.fp + heldBefore.review.tn,
        before: heldBefore,
        after: at(heldRows, after),
      },
    });
  }
  return out;
}
