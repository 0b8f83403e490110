import type { Policy } from '../policy/policy';
import type { Verdict } from '../verdict/verdict';
import { EvaluationError } from './eval-errors';
import { buildEvalReport, type EvalReport } from './eval-report';
import type { LabelledDataset, LabelledItem } from './labelled-item';
import { type ScoreItemsOptions, scoreItems } from './score-items';
import { selectRows } from './select-rows';
import type { SplitSelection } from './split';

/** Options of {@link runEval}. */
export interface RunEvalOptions
  extends Pick<ScoreItemsOptions, 'engine' | 'resolver' | 'concurrency' | 'onProgress' | 'runId' | 'signal'> {
  /** The policy the engine applies; its thresholds are the operating points reported. */
  readonly policy: Policy;
  readonly split: SplitSelection;
  /** At most this many rows of the split (a deterministic sample). */
  readonly limit?: number;
  /** Keep the thinned PR curves in the report (for `eval.json`). */
  readonly curves?: boolean;
  /** Receives each row's verdict (to write them out). */
  readonly onVerdict?: (verdict: Verdict, item: LabelledItem) => void;
}

/** Scores the chosen rows of a labelled set through the engine and reports the metrics. */
export async function runEval(dataset: LabelledDataset, options: RunEvalOptions): Promise<EvalReport> {
  const rows = selectRows(dataset, options.split, options.limit);
  if (rows.length === 0) {
    throw new EvaluationError(`${dataset.name} has no rows in the ${options.split} split`);
  }
  const scored = await scoreItems(rows, { ...options, dataset: dataset.name });
  return buildEvalReport(scored, {
    dataset: dataset.name,
    split: options.split,
    policy: options.policy,
    categories: dataset.categories,
    curves: options.curves,
  });
}
