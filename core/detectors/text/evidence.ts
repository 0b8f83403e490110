import type { Evidence } from '../../signals';
import { isInvisible } from '../../text/char-tables';
import type { NormalizedText } from '../../text/normalized-text';

/** Most spans kept per signal, so verdicts stay small on long texts; the first ones in text order are kept. */
export const MAX_SPANS_PER_SIGNAL = 50;

/** A span of the original text, `[start, end)` in UTF-16 code units. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Maps a span of the normalized text back to the original text. Invisible characters that normalization
 * dropped right after the match are trimmed off the end, and a match inside one expanded character (`ﬁ`) gets
 * that whole character. A match in text read out of its stored order (bidi overrides, see
 * `core/text/reading-order.ts`) gets the smallest original span that holds every character it matched.
 */
export function toOriginalSpan(
  normalized: NormalizedText,
  original: string,
  start: number,
  end: number,
): Span {
  const { offsets } = normalized;
  const last = offsets.length - 1;
  const s = Math.min(Math.max(start, 0), last);
  const e = Math.min(Math.max(end, 0), last);
  for (let i = s + 1; i <= e; i++) {
    if ((offsets[i] as number) < (offsets[i - 1] as number)) return unorderedSpan(offsets, original, s, e);
  }
  const from = offsets[s] as number;
  let to = offsets[e] as number;
  while (to > from + 1) {
    const unit = original.charCodeAt(to - 1);
    if (unit >= 0xdc00 && unit <= 0xdfff && to - 2 > from) {
      const cp = original.codePointAt(to - 2) as number;
      if (cp > 0xffff && isInvisible(cp)) {
        to -= 2;
        continue;
      }
      break;
    }
    if (!isInvisible(unit)) break;
    to--;
  }
  if (to <= from) {
    const cp = original.codePointAt(from);
    to = Math.min(original.length, from + (cp !== undefined && cp > 0xffff ? 2 : 1));
  }
  return { start: from, end: to };
}

/** The original span holding every unit of normalized `[s, e)` when their offsets are out of order. */
function unorderedSpan(offsets: Int32Array, original: string, s: number, e: number): Span {
  let from = offsets[s] as number;
  let max = from;
  for (let i = s + 1; i < e; i++) {
    const o = offsets[i] as number;
    if (o < from) from = o;
    if (o > max) max = o;
  }
  const cp = original.codePointAt(max);
  return { start: from, end: Math.min(original.length, max + (cp !== undefined && cp > 0xffff ? 2 : 1)) };
}

/** Collects span evidence for one signal: in order of addition, without duplicates, at most `limit`. */
export class SpanCollector {
  private readonly spans: Evidence[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number = MAX_SPANS_PER_SIGNAL) {}

  /** Adds a span; returns false once the collector is full. */
  add(span: Span, rule: string): boolean {
    if (this.spans.length >= this.limit) return false;
    const key = `${span.start}:${span.end}:${rule}`;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    this.spans.push({ kind: 'span', start: span.start, end: span.end, rule });
    return true;
  }

  /** The kept spans, sorted by position. */
  evidence(): Evidence[] {
    return [...this.spans].sort((a, b) =>
      a.kind === 'span' && b.kind === 'span' ? a.start - b.start || a.end - b.end : 0,
    );
  }
}

/** Score for several hits: the best hit's score plus `step` for each further distinct term, capped. */
export function combinedScore(best: number, distinct: number, step: number, cap: number): number {
  const score = best + step * Math.max(0, distinct - 1);
  return Math.round(Math.min(cap, Math.max(best, score)) * 1000) / 1000;
}
