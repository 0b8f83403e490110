import sharp from 'sharp';
import type { RgbFrame } from '../../image/decode-image';
import { pixelsToTensor } from '../../image/pixels-to-tensor';
import type { ModelEntry } from '../../models/model-manifest';
import type { ModelRegistry } from '../../models/model-registry';
import type { Signal } from '../../signals';
import type { Detector, ImageContent, Tier } from '../detector';

/** Options for {@link createImageClassifierDetector}. */
export interface ImageClassifierDetectorOptions {
  readonly registry: ModelRegistry;
  /** Manifest id of an `image-classification` model. */
  readonly modelId: string;
  /** Detector id (default `image-<modelId>`). */
  readonly id?: string;
  readonly tiers: readonly Tier[];
}

/**
 * Any image-classification model of the manifest as a detector: frames are resized and scaled as the manifest's
 * preprocessing says, classified in one batch, and each policy category gets the worst frame's score (the
 * manifest's label weights decide how labels feed categories). A user model needs only a manifest entry.
 */
export function createImageClassifierDetector(
  options: ImageClassifierDetectorOptions,
): Detector<ImageContent> {
  const { registry, modelId } = options;
  const entry = registry.entry(modelId);
  const id = options.id ?? `image-${modelId}`;
  return {
    id,
    version: '1.0.0',
    media: ['image'],
    tiers: options.tiers,
    model: { id: entry.id, version: entry.version },
    async init() {
      await registry.load(modelId);
    },
    async detect(input, ctx) {
      const frames = input.image.frames;
      const rows = await classifyFrames(registry, entry, frames, ctx.signal);
      return categorySignals(id, entry, frames, rows);
    },
  };
}

/** Classifies frames in one batch; one row of label scores per frame, in the manifest's label order. */
export async function classifyFrames(
  registry: ModelRegistry,
  entry: ModelEntry,
  frames: readonly RgbFrame[],
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const batch = await frameBatch(entry, frames);
  signal?.throwIfAborted();
  return registry.run(entry.id, batch, frames.length);
}

/**
 * The model input for a batch of frames (resized on sharp's threads, then normalised): split from
 * {@link classifyFrames} so that a caller can prepare the next batch while the model runs on this one.
 */
export async function frameBatch(entry: ModelEntry, frames: readonly RgbFrame[]): Promise<Float32Array> {
  const tensors = await Promise.all(frames.map((f) => toTensor(f, entry)));
  const per = tensors[0]?.length ?? 0;
  const batch = new Float32Array(per * tensors.length);
  for (const [i, t] of tensors.entries()) batch.set(t, i * per);
  return batch;
}

/** Each policy category's score for one row of label scores, and the label that gave it. */
export function categoryScores(
  entry: ModelEntry,
  row: Float32Array,
): Map<string, { score: number; label: string }> {
  const labels = entry.output.labels ?? [];
  const out = new Map<string, { score: number; label: string }>();
  for (const [category, feeds] of Object.entries(entry.categories ?? {})) {
    let best = { score: 0, label: feeds[0]?.label ?? '' };
    for (const feed of feeds) {
      const score = Math.min(1, (row[labels.indexOf(feed.label)] ?? 0) * feed.weight);
      if (score > best.score) best = { score, label: feed.label };
    }
    out.set(category, best);
  }
  return out;
}

function categorySignals(
  detectorId: string,
  entry: ModelEntry,
  frames: readonly RgbFrame[],
  rows: readonly Float32Array[],
): Signal[] {
  const labels = entry.output.labels ?? [];
  const signals: Signal[] = [];
  for (const [category, feeds] of Object.entries(entry.categories ?? {})) {
    let best = { score: 0, frame: 0, label: '' };
    rows.forEach((row, f) => {
      for (const feed of feeds) {
        const p = row[labels.indexOf(feed.label)] ?? 0;
        const score = Math.min(1, p * feed.weight);
        if (score > best.score) best = { score, frame: frames[f]?.index ?? f, label: feed.label };
      }
    });
    if (best.score <= 0) continue;
    const top = rows.map(
      (row, f) =>
        `frame ${frames[f]?.index ?? f}: ${labels.map((l, i) => `${l} ${(row[i] ?? 0).toFixed(3)}`).join(', ')}`,
    );
    signals.push({
      detector: detectorId,
      category,
      label: best.label,
      score: Math.round(best.score * 10_000) / 10_000,
      evidence: [{ kind: 'note', text: `worst frame ${best.frame}; ${top.slice(0, 8).join(' | ')}` }],
    });
  }
  return signals;
}

/** Resizes one frame to the model's input and lays it out as float32 in the model's layout. */
async function toTensor(frame: RgbFrame, entry: ModelEntry): Promise<Float32Array> {
  const pre = entry.input.preprocessing;
  if (!pre?.size) throw new Error(`model ${entry.id} has no fixed-size image preprocessing in the manifest`);
  const [height, width] = pre.size;
  const pixels = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: pre.resize === 'nearest' ? 'nearest' : 'linear' })
    .raw()
    .toBuffer();
  const out = new Float32Array(width * height * 3);
  pixelsToTensor(pixels, width, height, pre, entry.input.layout === 'NCHW' ? 'NCHW' : 'NHWC', out);
  return out;
}
