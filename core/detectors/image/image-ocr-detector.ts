import type { ModelRegistry } from '../../models/model-registry';
import { DEFAULT_OCR_MODELS, OcrEngine, type OcrLine, type OcrModelIds } from '../../ocr/ocr-engine';
import type { Evidence, Signal } from '../../signals';
import { normalizeText } from '../../text/normalize';
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

/** Categories whose matched characters are masked in evidence text, so verdicts do not copy personal data. */
const MASKED_CATEGORIES: ReadonlySet<string> = new Set(['pii']);

interface PlacedLine {
  readonly frame: number;
  readonly line: OcrLine;
  readonly start: number;
  readonly end: number;
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
      const placed: PlacedLine[] = [];
      let text = '';
      for (const frame of input.image.frames.slice(0, maxFrames)) {
        for (const line of await engine.recognize(frame, ctx.signal)) {
          if (text) text += '\n';
          placed.push({ frame: frame.index, line, start: text.length, end: text.length + line.text.length });
          text += line.text;
        }
      }
      if (placed.length === 0) return [];
      const signals: Signal[] = [
        {
          detector: IMAGE_OCR_DETECTOR_ID,
          category: null,
          label: 'ocr-text',
          score: round(placed.reduce((s, p) => s + p.line.confidence, 0) / placed.length),
          evidence: placed.map((p) => region(p, p.line.text)),
        },
      ];
      const content: TextContent = {
        kind: 'text',
        text,
        normalized: normalizeText(text),
        invalidEncoding: false,
      };
      for (const d of options.textDetectors) {
        for (const s of await d.detect(content, ctx)) {
          if (s.category === null) continue;
          const evidence = s.evidence.flatMap((e): Evidence[] =>
            e.kind === 'span'
              ? regionsOfSpan(placed, e.start, e.end, e.rule, MASKED_CATEGORIES.has(s.category ?? ''))
              : [],
          );
          signals.push({ ...s, detector: IMAGE_OCR_DETECTOR_ID, label: `ocr:${s.label}`, evidence });
        }
      }
      return signals;
    },
  };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function region(
  p: PlacedLine,
  text: string,
  extra: { start?: number; end?: number; rule?: string } = {},
): Evidence {
  const { x, y, width, height } = p.line.box;
  return { kind: 'region', frame: p.frame, x, y, width, height, text, ...extra };
}

/** The lines a span of the joined text touches, each with the span's part of that line. */
function regionsOfSpan(
  placed: readonly PlacedLine[],
  start: number,
  end: number,
  rule: string | undefined,
  mask: boolean,
): Evidence[] {
  return placed.flatMap((p) => {
    const from = Math.max(start, p.start) - p.start;
    const to = Math.min(end, p.end) - p.start;
    if (to <= from && !(start === end && start >= p.start && start <= p.end)) return [];
    const t = p.line.text;
    const shown = mask ? t.slice(0, from) + '•'.repeat(to - from) + t.slice(to) : t;
    return [region(p, shown, { start: from, end: to, ...(rule ? { rule } : {}) })];
  });
}
