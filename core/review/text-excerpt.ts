/** A text range to highlight: UTF-16 offsets into the decoded text, and what flagged it. */
export interface HighlightSpan {
  readonly start: number;
  readonly end: number;
  /** Short description, e.g. `profanity: profanity (en/profanity)`. */
  readonly label: string;
}

/** A run of the excerpt: plain text, highlighted text with its labels, or an elision of text left out. */
export type ExcerptPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mark'; readonly text: string; readonly labels: readonly string[] }
  | { readonly kind: 'gap'; readonly chars: number };

/** What to show of a text: the parts in order. */
export interface TextExcerpt {
  readonly parts: readonly ExcerptPart[];
  /** Length of the whole text in UTF-16 code units. */
  readonly totalChars: number;
  /** True when some of the text was left out. */
  readonly truncated: boolean;
}

/** Limits for {@link buildTextExcerpt}. */
export interface ExcerptOptions {
  /** Texts up to this length are shown whole; longer ones as windows around the highlights. */
  readonly maxChars?: number;
  /** Characters shown either side of each highlight in a long text. */
  readonly context?: number;
}

/** Moves an offset off the second half of a surrogate pair, so no character is cut in two. */
function snap(text: string, offset: number): number {
  const code = text.charCodeAt(offset);
  return offset > 0 && offset < text.length && code >= 0xdc00 && code <= 0xdfff ? offset - 1 : offset;
}

/** Merges ranges that overlap or touch; input sorted by start. */
function mergeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  for (const [s, e] of ranges) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * The text a reviewer sees, with the evidence spans highlighted. A text up to `maxChars` is shown whole; a longer
 * one as windows of `context` characters around the highlights (or its beginning when there are none), within
 * `maxChars` in all. Spans out of range are clipped; overlapping spans become one highlight with every label.
 * The parts are plain strings: whoever renders them must escape them.
 */
export function buildTextExcerpt(
  text: string,
  spans: readonly HighlightSpan[],
  options: ExcerptOptions = {},
): TextExcerpt {
  const maxChars = options.maxChars ?? 20_000;
  const context = options.context ?? 240;
  const len = text.length;
  const clipped = spans
    .map((s) => ({ ...s, start: snap(text, Math.max(0, Math.min(len, s.start))), end: Math.min(len, s.end) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || a.end - b.end);

  let windows: [number, number][];
  if (len <= maxChars) {
    windows = [[0, len]];
  } else if (clipped.length === 0) {
    windows = [[0, snap(text, maxChars)]];
  } else {
    windows = [];
    let budget = maxChars;
    for (const [s, e] of mergeRanges(
      clipped.map((h) => [Math.max(0, h.start - context), Math.min(len, h.end + context)] as const),
    )) {
      if (budget <= 0) break;
      const end = snap(text, Math.min(e, s + budget));
      const start = snap(text, s);
      windows.push([start, end]);
      budget -= end - start;
    }
  }

  // Highlight boundaries: where the set of covering spans changes.
  const parts: ExcerptPart[] = [];
  let shownUpTo = 0;
  for (const [ws, we] of windows) {
    if (ws > shownUpTo) parts.push({ kind: 'gap', chars: ws - shownUpTo });
    const cuts = new Set<number>([ws, we]);
    for (const h of clipped) {
      if (h.start > ws && h.start < we) cuts.add(h.start);
      if (h.end > ws && h.end < we) cuts.add(snap(text, h.end));
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i] as number;
      const b = points[i + 1] as number;
      if (b <= a) continue;
      const labels = [...new Set(clipped.filter((h) => h.start <= a && h.end >= b).map((h) => h.label))];
      const piece = text.slice(a, b);
      const prev = parts[parts.length - 1];
      if (labels.length === 0) {
        if (prev?.kind === 'text') parts[parts.length - 1] = { kind: 'text', text: prev.text + piece };
        else parts.push({ kind: 'text', text: piece });
      } else {
        parts.push({ kind: 'mark', text: piece, labels });
      }
    }
    shownUpTo = we;
  }
  if (shownUpTo < len) parts.push({ kind: 'gap', chars: len - shownUpTo });
  return { parts, totalChars: len, truncated: parts.some((p) => p.kind === 'gap') };
}
