import type { Policy } from '../policy/policy';
import { type CalibrationTarget, type CategoryCalibration, calibrateThresholds } from './calibrate';
import { EvaluationError } from './eval-errors';
import type { LabelledDataset } from './labelled-item';
import { type ScoredItem, type ScoreItemsOptions, scoreItems } from './score-items';
import { selectRows } from './select-rows';

/** What `winnow calibrate` reports (and prints with `--json`). */
export interface CalibrationReport {
  readonly dataset: string;
  readonly target: CalibrationTarget;
  /** The rows thresholds were chosen on, and the held-out rows results are reported on. */
  readonly fitSplit: string;
  readonly heldSplit: string;
  readonly rows: { readonly fit: number; readonly held: number };
  readonly policy: { readonly id: string; readonly version: string };
  readonly categories: readonly CategoryCalibration[];
}

/** Options shared by both ways of calibrating. */
export interface CalibrationSettings {
  readonly policy: Policy;
  readonly target: CalibrationTarget;
  readonly minPositives?: number;
  readonly blockPrecision?: number;
}

/** Calibrates on rows already scored and split (review labels, say): fits on `fit`, reports on `held`. */
export function calibrateScored(
  name: string,
  categories: readonly string[],
  fit: { readonly split: string; readonly rows: readonly ScoredItem[] },
  held: { readonly split: string; readonly rows: readonly ScoredItem[] },
  settings: CalibrationSettings,
): CalibrationReport {
  const ok = (rows: readonly ScoredItem[]) => rows.filter((r) => r.scores !== null);
  return {
    dataset: name,
    target: settings.target,
    fitSplit: fit.split,
    heldSplit: held.split,
    rows: { fit: fit.rows.length, held: held.rows.length },
    policy: { id: settings.policy.id, version: settings.policy.version },
    categories: calibrateThresholds({
      policy: settings.policy,
      categories,
      target: settings.target,
      fit: ok(fit.rows),
      held: ok(held.rows),
      minPositives: settings.minPositives,
      blockPrecision: settings.blockPrecision,
    }),
  };
}

/**
 * Scores a labelled set's validation and test rows through the engine, fits thresholds on validation and reports
 * them on test. The train split is never read: it is what models are trained on.
 */
export async function calibrateOnDataset(
  dataset: LabelledDataset,
  settings: CalibrationSettings &
    Pick<ScoreItemsOptions, 'engine' | 'resolver' | 'concurrency' | 'onProgress' | 'runId' | 'signal'>,
): Promise<CalibrationReport> {
  const fitRows = selectRows(dataset, 'validation');
  const heldRows = selectRows(dataset, 'test');
  if (fitRows.length === 0 || heldRows.length === 0) {
    throw new EvaluationError(`${dataset.name} needs rows in both the validation and the test split`);
  }
  const scored = await scoreItems([...fitRows, ...heldRows], { ...settings, dataset: dataset.name });
  return calibrateScored(
    dataset.name,
    dataset.categories,
    { split: 'validation', rows: scored.slice(0, fitRows.length) },
    { split: 'test', rows: scored.slice(fitRows.length) },
    settings,
  );
}
