import type { MediaFormat } from '../media/media-type';
import type { ReviewDecision } from '../ports/review-store';
import type { Evidence } from '../signals';
import { decodeText } from '../text/decode-text';
import type { CategoryResult, Verdict } from '../verdict/verdict';
import { DEFAULT_CONTENT_LIMITS, type ItemContentLimits, readLocalItem } from './item-content';
import { encodeReviewItemId } from './review-item-id';
import { itemName } from './review-queue';
import { buildTextExcerpt, type HighlightSpan, type TextExcerpt } from './text-excerpt';

/** What the console shows of an item's content. */
export type ItemContentView =
  | {
      readonly kind: 'text';
      readonly excerpt: TextExcerpt;
      /** The file's bytes differ from the ones scanned: the highlights would be wrong, so none are shown. */
      readonly changed: boolean;
      readonly invalidEncoding: boolean;
    }
  /** The thumbnail is fetched from `/api/items/:id/thumbnail`. */
  | { readonly kind: 'image'; readonly changed: boolean }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** One signal with the evidence behind it, as the console lists it. */
export interface SignalView {
  readonly detector: string;
  readonly category: string | null;
  readonly label: string;
  readonly score: number;
  readonly evidence: readonly Evidence[];
}

/** Everything the console shows for one queue item. Strings are raw: the page renders them as text. */
export interface ReviewItemView {
  readonly id: string;
  readonly uri: string;
  readonly name: string;
  readonly media: Verdict['item']['media'];
  readonly format: string;
  readonly bytes: number;
  readonly policy: Verdict['policy'];
  readonly decision: Verdict['decision'];
  readonly tier: Verdict['tier'];
  readonly createdAt: string;
  readonly runId?: string;
  readonly categories: readonly CategoryResult[];
  /** Signals of the flagged categories first, then other categories', then informational ones (language). */
  readonly signals: readonly SignalView[];
  readonly segments: Verdict['segments'];
  readonly detectorProblems: readonly {
    readonly id: string;
    readonly status: string;
    readonly reason?: string;
  }[];
  readonly content: ItemContentView;
  /** Earlier reviewer decisions on this item under this policy version, oldest first. */
  readonly history: readonly ReviewDecision[];
}

/** The categories a verdict flagged (review or block). */
function flaggedIds(verdict: Verdict): Set<string> {
  return new Set(verdict.categories.filter((c) => c.decision !== 'allow').map((c) => c.id));
}

/**
 * The text spans to highlight, labelled for display: those of signals in the categories the verdict flagged.
 * A span over the whole text (a classifier's) points at nothing in particular, so it stays in the evidence list
 * only.
 */
export function highlightSpans(verdict: Verdict, textLength: number): HighlightSpan[] {
  const flagged = flaggedIds(verdict);
  const spans: HighlightSpan[] = [];
  for (const s of verdict.signals) {
    if (s.category === null || !flagged.has(s.category)) continue;
    for (const e of s.evidence) {
      if (e.kind !== 'span' || (e.start <= 0 && e.end >= textLength)) continue;
      spans.push({
        start: e.start,
        end: e.end,
        label: `${s.category}: ${s.label}${e.rule ? ` (${e.rule})` : ''}`,
      });
    }
  }
  return spans;
}

async function contentView(verdict: Verdict, limits: ItemContentLimits): Promise<ItemContentView> {
  const { media, uri } = verdict.item;
  if (media === 'text') {
    const read = await readLocalItem(uri, limits.maxTextBytes);
    if (!read.ok) return { kind: 'unavailable', reason: read.reason };
    const changed = verdict.item.sha256 !== '' && read.sha256 !== verdict.item.sha256;
    const decoded = decodeText(read.bytes, verdict.item.format as MediaFormat);
    return {
      kind: 'text',
      excerpt: buildTextExcerpt(decoded.text, changed ? [] : highlightSpans(verdict, decoded.text.length)),
      changed,
      invalidEncoding: decoded.invalidEncoding,
    };
  }
  if (media === 'image') {
    if (!/^file:/i.test(uri)) return { kind: 'unavailable', reason: 'only local files can be shown here' };
    return { kind: 'image', changed: false };
  }
  return {
    kind: 'unavailable',
    reason: `${media} is not played here; the evidence below gives the times`,
  };
}

/** Builds the console's view of one verdict: its scores and evidence, its content and its review history. */
export async function buildItemView(
  verdict: Verdict,
  history: readonly ReviewDecision[],
  limits: ItemContentLimits = DEFAULT_CONTENT_LIMITS,
): Promise<ReviewItemView> {
  // Flagged categories' signals first, then other categories', then informational ones; strongest first.
  const flagged = flaggedIds(verdict);
  const rank = (category: string | null): number => (category === null ? 2 : flagged.has(category) ? 0 : 1);
  const signals = [...verdict.signals].sort(
    (a, b) => rank(a.category) - rank(b.category) || b.score - a.score,
  );
  return {
    id: encodeReviewItemId({ uri: verdict.item.uri, policyVersion: verdict.policy.version }),
    uri: verdict.item.uri,
    name: itemName(verdict.item.uri),
    media: verdict.item.media,
    format: verdict.item.format,
    bytes: verdict.item.bytes,
    policy: verdict.policy,
    decision: verdict.decision,
    tier: verdict.tier,
    createdAt: verdict.createdAt,
    ...(verdict.runId ? { runId: verdict.runId } : {}),
    categories: verdict.categories,
    signals,
    segments: verdict.segments,
    detectorProblems: verdict.detectors
      .filter((d) => d.status !== 'ok')
      .map((d) => ({ id: d.id, status: d.status, ...(d.reason ? { reason: d.reason } : {}) })),
    content: await contentView(verdict, limits),
    history: history.filter((d) => d.policyVersion === verdict.policy.version),
  };
}
