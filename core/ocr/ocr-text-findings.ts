import type { Detector, DetectorContext, TextContent } from '../detectors/detector';
import type { Evidence, Signal } from '../signals';
import { normalizeText } from '../text/normalize';
import type { OcrLine } from './ocr-engine';

/** An OCR line and where it sits in the joined text the text detectors read. */
export interface PlacedLine {
  /** Index of the frame the line was read on. */
  readonly frame: number;
  readonly line: OcrLine;
  readonly start: number;
  readonly end: number;
}

/** Where one span of a text-detector signal lands on one line, in that line's own offsets. */
export interface LineHit {
  readonly placed: PlacedLine;
  readonly from: number;
  readonly to: number;
  readonly rule?: string;
}

/** A category signal of a text detector on OCR text, with the lines its spans touch. */
export interface OcrFinding {
  readonly signal: Signal;
  readonly hits: readonly LineHit[];
}

/** Categories whose matched characters are masked in evidence text, so verdicts do not copy personal data. */
export const MASKED_CATEGORIES: ReadonlySet<string> = new Set(['pii']);

/** Joins the lines of each frame, in order, with newlines, recording where each line starts. */
export function layoutLines(frames: readonly { frame: number; lines: readonly OcrLine[] }[]): {
  text: string;
  placed: PlacedLine[];
} {
  const placed: PlacedLine[] = [];
  let text = '';
  for (const { frame, lines } of frames) {
    for (const line of lines) {
      if (text) text += '\n';
      placed.push({ frame, line, start: text.length, end: text.length + line.text.length });
      text += line.text;
    }
  }
  return { text, placed };
}

/**
 * Runs text detectors on the joined OCR text and maps each category signal's spans back onto the lines they
 * touch (a zero-length span counts for the line it sits on). Informational signals are left out.
 */
export async function findInLines(
  text: string,
  placed: readonly PlacedLine[],
  detectors: readonly Detector<TextContent>[],
  ctx: DetectorContext,
): Promise<OcrFinding[]> {
  const content: TextContent = {
    kind: 'text',
    text,
    normalized: normalizeText(text),
    invalidEncoding: false,
  };
  const findings: OcrFinding[] = [];
  for (const d of detectors) {
    for (const signal of await d.detect(content, ctx)) {
      if (signal.category === null) continue;
      const hits = signal.evidence.flatMap((e) =>
        e.kind === 'span'
          ? placed.flatMap((p): LineHit[] => {
              const from = Math.max(e.start, p.start) - p.start;
              const to = Math.min(e.end, p.end) - p.start;
              if (to <= from && !(e.start === e.end && e.start >= p.start && e.start <= p.end)) return [];
              return [{ placed: p, from, to, ...(e.rule ? { rule: e.rule } : {}) }];
            })
          : [],
      );
      findings.push({ signal, hits });
    }
  }
  return findings;
}

/**
 * `region` evidence for a line: its frame and box, the recognised string (with the matched range masked for
 * {@link MASKED_CATEGORIES}) and, for a hit, the matched range and rule.
 */
export function lineRegion(
  placed: PlacedLine,
  hit?: { readonly from: number; readonly to: number; readonly rule?: string },
  category?: string | null,
): Evidence {
  const { x, y, width, height } = placed.line.box;
  const t = placed.line.text;
  const mask = hit !== undefined && MASKED_CATEGORIES.has(category ?? '');
  const text = mask ? t.slice(0, hit.from) + '•'.repeat(hit.to - hit.from) + t.slice(hit.to) : t;
  return {
    kind: 'region',
    frame: placed.frame,
    x,
    y,
    width,
    height,
    text,
    ...(hit ? { start: hit.from, end: hit.to, ...(hit.rule ? { rule: hit.rule } : {}) } : {}),
  };
}
