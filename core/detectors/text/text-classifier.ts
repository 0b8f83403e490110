import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../../errors';
import type { ModelRegistry } from '../../models/model-registry';
import type { Policy } from '../../policy/policy';
import type { Signal } from '../../signals';
import type { Detector, TextContent } from '../detector';
import { hashedNgrams, textWindows } from './hashed-ngrams';
import { TEXT_CLASSIFIER_MODEL_ID, textClassifierOptions } from './text-classifier-options';

/** Id of the trained text classifier detector. */
export const TEXT_CLASSIFIER_DETECTOR_ID = 'text-classifier';

/** Options for {@link createTextClassifierDetector}. */
export interface TextClassifierDetectorOptions {
  readonly registry: ModelRegistry;
  /** Manifest id of the model (default `text-classifier`). */
  readonly modelId?: string;
  /**
   * Emit every category's score, however low (what an evaluation needs to rank items). By default a category's
   * signal is emitted only when its score reaches the policy's review threshold for it (and 0.5): a lower score cannot flag
   * anything, and every signal on a transcript or OCR text becomes timeline evidence and can send an image to the
   * heavy tier.
   */
  readonly allScores?: boolean;
}

const HAS_WORD = /[\p{L}\p{N}]/u;

/**
 * The trained multi-label text classifier (models/cards/text-classifier.md): hashed character and word n-grams of
 * the normalized text, scored by a linear model in ONNX through the model registry. Emits a signal per category
 * whose score reaches both 0.5 and the policy's review threshold (every category with `allScores`); scores are calibrated
 * probabilities. Texts longer than one window are scored per window (up to the manifest's `maxWindows`) and each
 * category keeps its worst window, which is also the signal's evidence span. Text without letters or digits gets
 * no signal.
 */
export function createTextClassifierDetector(options: TextClassifierDetectorOptions): Detector<TextContent> {
  const { registry } = options;
  const modelId = options.modelId ?? TEXT_CLASSIFIER_MODEL_ID;
  const entry = registry.entry(modelId);
  const settings = textClassifierOptions(entry.options);
  const labels = entry.output.labels ?? [];
  if (entry.input.dtype !== 'int64') {
    throw new ModelLoadError(`model "${modelId}": the indices input must be int64, not ${entry.input.dtype}`);
  }
  const feeds = Object.entries(entry.categories).map(([category, list]) => ({
    category,
    list: list.map((lw) => ({ index: labels.indexOf(lw.label), label: lw.label, weight: lw.weight })),
  }));
  return {
    id: TEXT_CLASSIFIER_DETECTOR_ID,
    version: '1.0.0',
    media: ['text'],
    tiers: ['fast', 'heavy'],
    model: { id: entry.id, version: entry.version },
    async init() {
      await registry.load(modelId);
    },
    async detect(input, ctx) {
      const { normalized } = input;
      const text = normalized.text;
      if (!HAS_WORD.test(text)) return [];
      const best = feeds.map(() => ({ score: -1, label: '', window: [0, 0] as [number, number] }));
      for (const window of textWindows(text, settings.features.windowChars, settings.maxWindows)) {
        ctx.signal.throwIfAborted();
        const features = hashedNgrams(text.slice(window[0], window[1]), settings.features);
        if (features.indices.length === 0) continue;
        const indices = new ort.Tensor('int64', BigInt64Array.from(features.indices, BigInt), [
          features.indices.length,
        ]);
        const values = new ort.Tensor('float32', features.values, [features.values.length]);
        const out = await registry.runTensors(modelId, {
          [entry.input.name]: indices,
          [settings.valuesInput]: values,
        });
        const scores = out[entry.output.name];
        if (!scores) throw new ModelLoadError(`model "${modelId}": no output "${entry.output.name}"`);
        const row = scores.data as Float32Array;
        feeds.forEach((feed, f) => {
          for (const lw of feed.list) {
            const score = Math.min(1, Math.max(0, (row[lw.index] ?? 0) * lw.weight));
            const b = best[f] as (typeof best)[number];
            if (score > b.score) Object.assign(b, { score, label: lw.label, window });
          }
        });
        for (const t of Object.values(out)) t.dispose();
      }
      const signals: Signal[] = [];
      feeds.forEach((feed, f) => {
        const b = best[f] as (typeof best)[number];
        if (b.score < 0) return;
        if (!options.allScores && b.score < reviewThreshold(ctx.policy, feed.category)) return;
        const start = normalized.offsets[b.window[0]] ?? 0;
        const end = normalized.offsets[b.window[1]] ?? input.text.length;
        signals.push({
          detector: TEXT_CLASSIFIER_DETECTOR_ID,
          category: feed.category,
          label: b.label,
          score: Math.round(b.score * 10_000) / 10_000,
          evidence:
            end > start
              ? [{ kind: 'span', start, end, rule: `${TEXT_CLASSIFIER_DETECTOR_ID}/${b.label}` }]
              : [],
        });
      });
      return signals;
    },
  };
}

/**
 * Lowest score the classifier reports without `allScores`. Its scores are calibrated on the OpenAI moderation set,
 * where harmful text is far more common than in real traffic, so they overstate the odds for everyday text: a score
 * under one half is not enough to put an item in front of a reviewer, even where a policy's threshold (set for the
 * rules) is lower.
 */
const MIN_REPORTED_SCORE = 0.5;

/** The score a category's signal needs: the policy's review threshold for it, and at least one half. */
function reviewThreshold(policy: Policy | undefined, category: string): number {
  const review = policy?.categories.find((c) => c.id === category)?.thresholds.review ?? MIN_REPORTED_SCORE;
  return Math.max(review, MIN_REPORTED_SCORE);
}
