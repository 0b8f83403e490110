import { z } from 'zod';

const metric = z.number().finite().nullable().optional().catch(undefined);

/** One point of a precision-recall curve. */
export const CurvePointSchema = z.object({
  threshold: z.number().finite().optional().catch(undefined),
  precision: z.number().finite(),
  recall: z.number().finite(),
});

/** Metrics of one category of an eval run. */
export const CategoryMetricsSchema = z.object({
  support: metric,
  negatives: metric,
  precision: metric,
  recall: metric,
  f1: metric,
  auprc: metric,
  /** The policy's thresholds the metrics were taken at (precision, recall and F1 are at `review`). */
  thresholds: z
    .object({ review: z.number().finite(), block: z.number().finite() })
    .optional()
    .catch(undefined),
  /** Points that do not parse are dropped rather than failing the whole file. */
  curve: z
    .array(z.unknown())
    .optional()
    .catch(undefined)
    .transform((points) =>
      (points ?? []).flatMap((p) => {
        const parsed = CurvePointSchema.safeParse(p);
        return parsed.success ? [parsed.data] : [];
      }),
    ),
});

const MetricSetSchema = z.object({ precision: metric, recall: metric, f1: metric, auprc: metric });

/**
 * `eval.json` as `winnow eval` writes it. Every field is optional and wrong-typed fields are dropped, so a report
 * still renders what it can from a file written by an older or newer version.
 */
export const EvalFileSchema = z.object({
  dataset: z.string().optional().catch(undefined),
  split: z.string().optional().catch(undefined),
  policy: z
    .object({ id: z.string().optional().catch(undefined), version: z.string().optional().catch(undefined) })
    .optional()
    .catch(undefined),
  rows: z.number().optional().catch(undefined),
  /** Rows that got an error verdict, left out of the metrics. */
  errors: z
    .object({ count: z.number(), codes: z.record(z.string(), z.number()).optional().catch(undefined) })
    .optional()
    .catch(undefined),
  /** Data set categories the policy does not define. */
  notInPolicy: z.array(z.string()).optional().catch(undefined),
  categories: z
    .record(z.string(), CategoryMetricsSchema.catch({ curve: [] }))
    .optional()
    .catch(undefined),
  macro: MetricSetSchema.optional().catch(undefined),
  /**
   * Breakdowns (per language, per functionality): each key maps to `{rows, categories: {<id>: {<metric>: n}}}`,
   * or to a flat set of named numbers.
   */
  languages: z.record(z.string(), z.record(z.string(), z.unknown())).optional().catch(undefined),
  functionalities: z.record(z.string(), z.record(z.string(), z.unknown())).optional().catch(undefined),
});

export type EvalFile = z.infer<typeof EvalFileSchema>;
export type CategoryMetrics = z.infer<typeof CategoryMetricsSchema>;
export type CurvePoint = z.infer<typeof CurvePointSchema>;
