import { escapeHtml, escapeVisibleText } from './escape-html';

/** A span of evidence to highlight: UTF-16 offsets into the decoded text, as the text detectors report them. */
export interface HighlightSpan {
  readonly start: number;
  readonly end: number;
  readonly category: string;
  readonly label: string;
  readonly rule?: string;
  readonly color: string;
  /**
   * `weak` for supporting evidence (a signal that did not set its category's score): underlined rather than
   * filled, and never drawn over a strong span.
   */
  readonly strength?: 'strong' | 'weak';
}

function rank(s: HighlightSpan): number {
  return s.strength === 'weak' ? 1 : 0;
}

/** What {@link highlightText} made: the HTML and how many spans fell outside the text shown. */
export interface HighlightedText {
  readonly html: string;
  readonly outside: number;
}

/**
 * Renders text with evidence spans wrapped in `<mark>`. Overlapping spans are split at every boundary; a piece
 * covered by several spans takes the style of the strongest, narrowest one and names them all in its tooltip. Spans that reach past the
 * end of `text` (an excerpt) are cut there, and those starting past it are counted in `outside`. All text is
 * escaped, with invisible and direction-changing characters made visible.
 */
export function highlightText(text: string, spans: readonly HighlightSpan[]): HighlightedText {
  const len = text.length;
  let outside = 0;
  const kept: HighlightSpan[] = [];
  for (const s of spans) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.end <= s.start) continue;
    if (s.start >= len) {
      outside++;
      continue;
    }
    kept.push({ ...s, end: Math.min(s.end, len) });
  }
  const cuts = [...new Set([0, len, ...kept.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i] as number;
    const b = cuts[i + 1] as number;
    const piece = escapeVisibleText(text.slice(a, b));
    const covering = kept.filter((s) => s.start <= a && s.end >= b);
    if (covering.length === 0) {
      out.push(piece);
      continue;
    }
    const lead = covering.reduce((best, s) =>
      rank(s) < rank(best) || (rank(s) === rank(best) && s.end - s.start < best.end - best.start) ? s : best,
    );
    const title = covering.map((s) => `${s.category} · ${s.label}${s.rule ? ` · ${s.rule}` : ''}`).join('\n');
    const color = /^#[0-9a-fA-F]{3,8}$/.test(lead.color) ? lead.color : '#888888';
    const cls = lead.strength === 'weak' ? ' class="weak"' : '';
    out.push(`<mark${cls} style="--c:${color}" title="${escapeHtml(title)}">${piece}</mark>`);
  }
  return { html: out.join(''), outside };
}
