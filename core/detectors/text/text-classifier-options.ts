import { z } from 'zod';
import { ModelLoadError } from '../../errors';
import { HashedNgramConfigSchema } from './hashed-ngrams';

/** Manifest id of the trained text classifier. */
export const TEXT_CLASSIFIER_MODEL_ID = 'text-classifier';

/** The classifier's outputs, in model order; each is also the policy category it scores. */
export const TEXT_CLASSIFIER_LABELS = ['hate', 'harassment', 'violence', 'self-harm', 'sexual'] as const;

/** The `options` of the classifier's manifest entry. */
export const TextClassifierOptionsSchema = z
  .object({
    /** The featurizer settings the model was trained with. */
    features: HashedNgramConfigSchema,
    /** Name of the graph input that takes the feature values (the manifest's `input` takes the indices). */
    valuesInput: z.string().min(1).default('values'),
    /** Longest text scored: texts longer than one window are scored in at most this many windows. */
    maxWindows: z.number().int().min(1).max(1000).default(25),
  })
  .strict();
export type TextClassifierOptions = z.infer<typeof TextClassifierOptionsSchema>;

/** Validates a manifest entry's `options`; throws `ModelLoadError` naming every problem. */
export function textClassifierOptions(options: unknown): TextClassifierOptions {
  const r = TextClassifierOptionsSchema.safeParse(options);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ModelLoadError(`model "${TEXT_CLASSIFIER_MODEL_ID}": invalid options: ${problems}`);
  }
  return r.data;
}
