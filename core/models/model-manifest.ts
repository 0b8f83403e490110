import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ModelLoadError } from '../errors';

const slug = z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lowercase letters, digits and dashes');

/** How raw pixels become the model input. */
export const ImagePreprocessingSchema = z
  .object({
    /** Target size `[height, width]` the image is resized to. */
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    /** Channel order of the input. */
    colorOrder: z.enum(['RGB', 'BGR']),
    /** Each channel value (0–255) is multiplied by `scale`, then `offset` is added. */
    scale: z.number().positive(),
    offset: z.number().default(0),
    /** Resize method the model was trained with. */
    resize: z.enum(['bilinear', 'nearest']).default('bilinear'),
  })
  .strict();

export const ModelInputSchema = z
  .object({
    name: z.string().min(1),
    /** Input shape; -1 marks the batch dimension. */
    shape: z.array(z.number().int().min(-1)).min(1),
    layout: z.enum(['NHWC', 'NCHW', 'NC']),
    dtype: z.enum(['float32', 'int64', 'int32', 'uint8']),
    preprocessing: ImagePreprocessingSchema.optional(),
  })
  .strict();

export const ModelOutputSchema = z
  .object({
    name: z.string().min(1),
    /** One label per output column, in model order. */
    labels: z.array(z.string().min(1)).min(1),
    /** What the output values already are. */
    activation: z.enum(['softmax', 'sigmoid', 'none']).default('none'),
  })
  .strict();

/** A model label's contribution to a policy category score. */
export const LabelWeightSchema = z
  .object({ label: z.string().min(1), weight: z.number().min(0).max(1) })
  .strict();

export const ModelEntrySchema = z
  .object({
    id: slug,
    version: z.string().min(1),
    task: z.enum(['image-classification', 'text-classification', 'audio-classification']),
    /** Path of the ONNX file, relative to `models/generated/` (or the registry's model directory). */
    file: z
      .string()
      .min(1)
      .refine(
        (f) => !f.startsWith('/') && !f.split(/[\\/]/).includes('..'),
        'must be a relative path inside the model directory',
      ),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'),
    /** Where the weights come from, as `package@version` (npm) or a URL. */
    source: z.string().min(1),
    licence: z.string().min(1),
    description: z.string().optional(),
    input: ModelInputSchema,
    output: ModelOutputSchema,
    /** Policy category id → labels whose weighted scores feed it. */
    categories: z.record(slug, z.array(LabelWeightSchema).min(1)).default({}),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const [cat, list] of Object.entries(m.categories)) {
      list.forEach((lw, i) => {
        if (!m.output.labels.includes(lw.label)) {
          ctx.addIssue({
            code: 'custom',
            message: `label "${lw.label}" is not one of the output labels (${m.output.labels.join(', ')})`,
            path: ['categories', cat, i, 'label'],
          });
        }
      });
    }
  });

export const ModelManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    models: z.array(ModelEntrySchema),
  })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.models.forEach((e, i) => {
      if (seen.has(e.id))
        ctx.addIssue({ code: 'custom', message: `duplicate model id "${e.id}"`, path: ['models', i, 'id'] });
      seen.add(e.id);
    });
  });

export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

/** Validates a parsed manifest; throws `ModelLoadError` listing every problem. */
export function parseModelManifest(data: unknown, source = 'model manifest'): ModelManifest {
  const r = ModelManifestSchema.safeParse(data);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ModelLoadError(`${source} is invalid: ${problems}`);
  }
  return r.data;
}

/** Reads and validates a manifest file. */
export function loadModelManifest(file: string): ModelManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ModelLoadError(`cannot read model manifest ${file}`, { cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ModelLoadError(`model manifest ${file} is not valid JSON`, { cause });
  }
  return parseModelManifest(data, `model manifest ${file}`);
}
