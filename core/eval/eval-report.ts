import type { Policy } from '../policy/policy';
import type { LabelledItem } from './labelled-item';
import {
  averagePrecision,
  type CurvePoint,
  type OperatingPoint,
  operatingPoint,
  precisionRecallCurve,
  type ScoredLabel,
  thinCurve,
} from './metrics';
import type { ScoredItem } from './score-items';
import type { SplitSelection } from './split';

/** Metrics of one category over the rows labelled for it. */
export interface CategoryMetrics {
  /** Positives among the labelled rows. */
  readonly support: number;
  readonly negatives: number;
  /** Rows whose label for this category is unknown: left out of its metrics. */
  readonly unknown: number;
  /** At the policy's review threshold (a score at or above it is flagged). */
  readonly precision: number;
  readonly recall: number | null;
  readonly f1: number | null;
  /** Average precision (step-wise area under the PR curve); `null` without positives. */
  readonly auprc: number | null;
  /** The policy's thresholds. */
  readonly thresholds: { readonly review: number; readonly block: number };
  /** Counts and rates at the review threshold (the same figures as the top level) and at the block threshold. */
  readonly review: OperatingPoint;
  readonly block: OperatingPoint;
  /** The PR curve thinned to at most 100 points, highest threshold first (only in `eval.json`). */
  readonly curve?: readonly CurvePoint[];
}

/** Metrics of a category within one language. */
export interface BreakdownMetrics {
  readonly support: number;
  readonly negatives: number;
  readonly precision: number;
  readonly recall: number | null;
  readonly f1: number | null;
  readonly auprc: number | null;
}

/** How often one functionality's rows were decided right at the review threshold, per category. */
export interface FunctionalityMetrics {
  readonly rows: number;
  readonly positives: number;
  readonly negatives: number;
  /** Rows flagged when positive or not flagged when negative. */
  readonly correct: number;
  readonly accuracy: number;
}

/** Means over the categories with at least one positive. */
export interface MacroMetrics {
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
  readonly auprc: number | null;
  /** How many categories the means are over. */
  readonly categories: number;
}

/** The result of `winnow eval`, as printed with `--json` (and written to `eval.json` with the curves). */
export interface EvalReport {
  readonly dataset: string;
  readonly split: SplitSelection;
  readonly policy: { readonly id: string; readonly version: string };
  /** Rows evaluated (rows that got an error verdict included). */
  readonly rows: number;
  /** Rows that got an `error` verdict, by code; they are left out of every metric. */
  readonly errors: { readonly count: number; readonly codes: Readonly<Record<string, number>> };
  readonly categories: Readonly<Record<string, CategoryMetrics>>;
  /** Dataset categories the policy does not define (no thresholds to evaluate against). */
  readonly notInPolicy?: readonly string[];
  readonly macro: MacroMetrics;
  /** Per language (when rows name one and there is more than one language), per category. */
  readonly languages?: Readonly<
    Record<string, { rows: number; categories: Record<string, BreakdownMetrics> }>
  >;
  /** Per functionality (when rows name one), per category. */
  readonly functionalities?: Readonly<
    Record<string, { rows: number; categories: Record<string, FunctionalityMetrics> }>
  >;
}

/** Options of {@link buildEvalReport}. */
export interface BuildEvalReportOptions {
  readonly dataset: string;
  readonly split: SplitSelection;
  readonly policy: Policy;
  /** The data set's categories, in its order. */
  readonly categories: readonly string[];
  /** Keep each category's thinned PR curve (for `eval.json`). */
  readonly curves?: boolean;
}

/** The labelled (non-null) rows of `category` among scored rows, with the category's score (0 when unscored). */
export function labelledScores(scored: readonly ScoredItem[], category: string): ScoredLabel[] {
  const rows: ScoredLabel[] = [];
  for (const s of scored) {
    const label = s.item.labels[category];
    if (s.scores === null || label === null || label === undefined) continue;
    rows.push({ score: s.scores[category] ?? 0, label });
  }
  return rows;
}

/**
 * Turns scored rows into the evaluation report: per category (over the rows labelled for it) support, precision,
 * recall and F1 at the policy's review threshold (and at block), AUPRC; macro means; and per-language and
 * per-functionality breakdowns where the rows carry them. Rows with an error verdict count in `errors` only.
 */
export function buildEvalReport(scored: readonly ScoredItem[], options: BuildEvalReportOptions): EvalReport {
  const { policy } = options;
  const byId = new Map(policy.categories.map((c) => [c.id, c]));
  const evaluated = options.categories.filter((c) => byId.has(c));
  const notInPolicy = options.categories.filter((c) => !byId.has(c));
  const ok = scored.filter((s) => s.scores !== null);
  const codes: Record<string, number> = {};
  for (const s of scored)
    if (s.scores === null) codes[s.errorCode ?? 'internal'] = (codes[s.errorCode ?? 'internal'] ?? 0) + 1;

  const categories: Record<string, CategoryMetrics> = {};
  for (const id of evaluated) {
    const thresholds = byId.get(id)?.thresholds ?? { review: 0.5, block: 0.85 };
    const rows = labelledScores(ok, id);
    const curve = precisionRecallCurve(rows);
    const review = operatingPoint(rows, thresholds.review);
    const block = operatingPoint(rows, thresholds.block);
    categories[id] = {
      support: review.tp + review.fn,
      negatives: review.fp + review.tn,
      unknown: ok.length - rows.length,
      precision: review.precision,
      recall: review.recall,
      f1: review.f1,
      auprc: averagePrecision(curve),
      thresholds: { review: thresholds.review, block: thresholds.block },
      review,
      block,
      ...(options.curves ? { curve: thinCurve(curve) } : {}),
    };
  }

  const report: EvalReport = {
    dataset: options.dataset,
    split: options.split,
    policy: { id: policy.id, version: policy.version },
    rows: scored.length,
    errors: { count: scored.length - ok.length, codes },
    categories,
    ...(notInPolicy.length > 0 ? { notInPolicy } : {}),
    macro: macroMetrics(Object.values(categories)),
  };
  const reviewOf = (id: string): number => byId.get(id)?.thresholds.review ?? 0.5;
  const languages = languageBreakdown(ok, evaluated, reviewOf);
  const functionalities = functionalityBreakdown(ok, evaluated, reviewOf);
  return {
    ...report,
    ...(languages ? { languages } : {}),
    ...(functionalities ? { functionalities } : {}),
  };
}

/** Means over the categories that have positives (a category without any has no recall or AUPRC). */
export function macroMetrics(categories: readonly CategoryMetrics[]): MacroMetrics {
  const withPositives = categories.filter((c) => c.support > 0);
  const mean = (xs: readonly (number | null)[]): number | null => {
    const vals = xs.filter((x): x is number => x !== null);
    return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0) / vals.length;
  };
  return {
    precision: mean(withPositives.map((c) => c.precision)),
    recall: mean(withPositives.map((c) => c.recall)),
    f1: mean(withPositives.map((c) => c.f1)),
    auprc: mean(withPositives.map((c) => c.auprc)),
    categories: withPositives.length,
  };
}

function groupBy(
  rows: readonly ScoredItem[],
  key: (item: LabelledItem) => string | undefined,
): Map<string, ScoredItem[]> {
  const groups = new Map<string, ScoredItem[]>();
  for (const s of rows) {
    const k = key(s.item);
    if (k === undefined) continue;
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

function languageBreakdown(
  ok: readonly ScoredItem[],
  categories: readonly string[],
  reviewOf: (category: string) => number,
): EvalReport['languages'] | undefined {
  const groups = groupBy(ok, (i) => i.language);
  if (groups.size < 2) return undefined;
  const out: Record<string, { rows: number; categories: Record<string, BreakdownMetrics> }> = {};
  for (const [language, rows] of groups) {
    const cats: Record<string, BreakdownMetrics> = {};
    for (const id of categories) {
      const labelled = labelledScores(rows, id);
      if (labelled.length === 0) continue;
      const review = operatingPoint(labelled, reviewOf(id));
      cats[id] = {
        support: review.tp + review.fn,
        negatives: review.fp + review.tn,
        precision: review.precision,
        recall: review.recall,
        f1: review.f1,
        auprc: averagePrecision(precisionRecallCurve(labelled)),
      };
    }
    out[language] = { rows: rows.length, categories: cats };
  }
  return out;
}

function functionalityBreakdown(
  ok: readonly ScoredItem[],
  categories: readonly string[],
  reviewOf: (category: string) => number,
): EvalReport['functionalities'] | undefined {
  const groups = groupBy(ok, (i) => i.functionality);
  if (groups.size === 0) return undefined;
  const out: Record<string, { rows: number; categories: Record<string, FunctionalityMetrics> }> = {};
  for (const [functionality, rows] of groups) {
    const cats: Record<string, FunctionalityMetrics> = {};
    for (const id of categories) {
      const labelled = labelledScores(rows, id);
      if (labelled.length === 0) continue;
      const p = operatingPoint(labelled, reviewOf(id));
      cats[id] = {
        rows: labelled.length,
        positives: p.tp + p.fn,
        negatives: p.fp + p.tn,
        correct: p.tp + p.tn,
        accuracy: (p.tp + p.tn) / labelled.length,
      };
    }
    out[functionality] = { rows: rows.length, categories: cats };
  }
  return out;
}
