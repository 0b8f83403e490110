import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ModelLoadError } from '../errors';

const slug = z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lowercase letters, digits and dashes');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');
const relativeFile = z
  .string()
  .min(1)
  .refine(
    (f) => !f.startsWith('/') && !f.split(/[\\/]/).includes('..'),
    'must be a relative path inside the model directory',
  );

/** Tasks a manifest model can serve; classifiers need `output.labels`. */
export const MODEL_TASKS = [
  'image-classification',
  'text-classification',
  'audio-classification',
  'text-detection',
  'text-recognition',
  'text-orientation',
  'speech-recognition',
] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];
const CLASSIFICATION_TASKS: ReadonlySet<ModelTask> = new Set([
  'image-classification',
  'text-classification',
  'audio-classification',
  'text-orientation',
]);

/** Another file a model needs (a second ONNX graph, a dictionary, a tokenizer), pinned by its hash. */
export const ModelFileSchema = z.object({ file: relativeFile, sha256 }).strict();

/** How raw pixels become the model input. */
export const ImagePreprocessingSchema = z
  .object({
    /** Target size `[height, width]` the image is resized to; absent for models that take a variable size. */
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
    /** Variable-size inputs: each side is rounded to a multiple of this. */
    multipleOf: z.number().int().positive().optional(),
    /** Variable-size inputs: the longer side is scaled down to at most this many pixels. */
    maxSide: z.number().int().positive().optional(),
    /** Channel order of the input. */
    colorOrder: z.enum(['RGB', 'BGR']),
    /** Each channel value (0–255) is multiplied by `scale`, then `offset` is added. */
    scale: z.number().positive(),
    offset: z.number().default(0),
    /** After scale and offset, each channel becomes `(v - mean[c]) / std[c]` (channels in `colorOrder`). */
    mean: z.tuple([z.number(), z.number(), z.number()]).optional(),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
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
    /** One label per output column, in model order (classifiers; recognisers may use `labelsFile`). */
    labels: z.array(z.string().min(1)).min(1).optional(),
    /** A text file of labels, one per line, relative to the model directory (for example an OCR dictionary). */
    labelsFile: relativeFile.optional(),
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
    task: z.enum(MODEL_TASKS),
    /**
     * Where `file` and `files` live: `generated` (default) is `models/generated/` (or the registry's model
     * directory), written by `npm run models` and ignored by git; `trained` is `models/trained/`, models Winnow
     * trains itself and commits with the repository.
     */
    dir: z.enum(['generated', 'trained']).default('generated'),
    /** Path of the ONNX file, relative to its `dir`. */
    file: relativeFile,
    sha256,
    /**
     * Other files of the model by role, e.g. `labels` for `output.labelsFile`, or `decoder` and `tokenizer` for
     * a speech recogniser whose `file` is the encoder. Each is verified like `file`.
     */
    files: z.record(slug, ModelFileSchema).default({}),
    /** Task-specific settings (for example a recogniser's language or token ids); see models/README.md. */
    options: z.record(z.string(), z.unknown()).default({}),
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
    if (CLASSIFICATION_TASKS.has(m.task) && !m.output.labels) {
      ctx.addIssue({
        code: 'custom',
        message: `a ${m.task} model needs output.labels`,
        path: ['output', 'labels'],
      });
    }
    if (m.output.labelsFile && !Object.values(m.files).some((f) => f.file === m.output.labelsFile)) {
      ctx.addIssue({
        code: 'custom',
        message: 'output.labelsFile must also be listed under files, with its sha256',
        path: ['output', 'labelsFile'],
      });
    }
    const labels = m.output.labels ?? [];
    for (const [cat, list] of Object.entries(m.categories)) {
      list.forEach((lw, i) => {
        if (!labels.includes(lw.label)) {
          ctx.addIssue({
            code: 'custom',
            message: `label "${lw.label}" is not one of the output labels (${labels.join(', ')})`,
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
export type ImagePreprocessing = z.infer<typeof ImagePreprocessingSchema>;
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
