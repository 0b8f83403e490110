import type { ModelRegistry } from '../../models/model-registry';
import { DEFAULT_OCR_MODELS, OcrEngine, type OcrLine, type OcrModelIds } from '../../ocr/ocr-engine';
import { findInLines, layoutLines, lineRegion } from '../../ocr/ocr-text-findings';
import type { Signal } from '../../signals';
import type { Detector, ImageContent, TextContent, Tier } from '../detector';
import { IMAGE_OCR_DETECTOR_ID } from '../detector-ids';

export { IMAGE_OCR_DETECTOR_ID };

/** Options for {@link createImageOcrDetector}. */
export interface ImageOcrDetectorOptions {
  readonly registry: ModelRegistry;
  /** Detectors run on the recognised text (normally the built-in text detectors, minus language ID). */
  readonly textDetectors: readonly Detector<TextContent>[];
  /** Default: the PaddleOCR v4 models of the manifest. */
  readonly models?: OcrModelIds;
  /** Frames of an animation that are read (the first ones of the decoder's sample); default 3. */
  readonly maxFrames?: number;
  /** Default: both tiers. */
  readonly tiers?: readonly Tier[];
  /** A ready engine (tests, custom tuning); default one built from `registry` and `models`. */
  readonly engine?: OcrEngine;
}

/**
 * Text in images: OCR reads every line (boxes and strings), the text detectors check the recognised text, and
 * each of their signals is re-emitted with `region` evidence: the frame, the line's box, the recognised line and
 * the matched range inside it. An informational `ocr-text` signal lists every line found.
 */
export function createImageOcrDetector(options: ImageOcrDetectorOptions): Detector<ImageContent> {
  const models = options.models ?? DEFAULT_OCR_MODELS;
  const engine = options.engine ?? new OcrEngine(options.registry, models);
  const maxFrames = options.maxFrames ?? 3;
  const ids = [models.detection, models.recognition, models.orientation].filter((x): x is string => !!x);
  return {
    id: IMAGE_OCR_DETECTOR_ID,
    version: '1.0.0',
    media: ['image'],
    tiers: options.tiers ?? ['fast', 'heavy'],
    model: {
      id: ids.join('+'),
      version: ids.map((id) => options.registry.entry(id).version).join('+'),
    },
    async init() {
      await Promise.all([engine.init(), ...options.textDetectors.map((d) => d.init?.())]);
    },
    async detect(input, ctx) {
      const frames: { frame: number; lines: OcrLine[] }[] = [];
      for (const frame of input.image.frames.slice(0, maxFrames)) {
        frames.push({ frame: frame.index, lines: await engine.recognize(frame, ctx.signal) });
      }
      const { text, placed } = layoutLines(frames);
      if (placed.length === 0) return [];
      const signals: Signal[] = [
        {
          detector: IMAGE_OCR_DETECTOR_ID,
          category: null,
          label: 'ocr-text',
          score: round(placed.reduce((s, p) => s + p.line.confidence, 0) / placed.length),
          evidence: placed.map((p) => lineRegion(p)),
        },
      ];
      for (const { signal: s, hits } of await findInLines(text, placed, options.textDetectors, ctx)) {
        const evidence = hits.map((h) => lineRegion(h.placed, h, s.category));
        signals.push({ ...s, detector: IMAGE_OCR_DETECTOR_ID, label: `ocr:${s.label}`, evidence });
      }
      return signals;
    },
  };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
