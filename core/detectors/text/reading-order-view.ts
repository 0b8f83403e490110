import type { Evidence, Signal } from '../../signals';
import { normalizeReadingOrder } from '../../text/reading-order';
import type { Detector, DetectorContext, TextContent } from '../detector';
import { MAX_SPANS_PER_SIGNAL } from './evidence';

/**
 * The version of a detector that also reads the reading order: its own with the minor number raised (`1.0.0` →
 * `1.1.0`), so that results cached before it (which missed overridden text) are not reused.
 */
export function readingOrderVersion(version: string): string {
  const m = /^(\d+)\.(\d+)\.\d+$/.exec(version);
  return m ? `${m[1]}.${Number(m[2]) + 1}.0` : `${version}+reading-order`;
}

/** The reading-order view of each text input, computed once for all the detectors that look at it. */
const views = new WeakMap<TextContent, TextContent | null>();

/**
 * The input as a reader sees it when bidi overrides reorder it (`core/text/reading-order.ts`): the same original
 * text, whose spans evidence indexes, with the normalized reading order; `undefined` when the order is unchanged.
 */
export function readingOrderView(input: TextContent): TextContent | undefined {
  let view = views.get(input);
  if (view === undefined) {
    const normalized = normalizeReadingOrder(input.text);
    view = normalized === undefined ? null : { ...input, normalized };
    views.set(input, view);
  }
  return view ?? undefined;
}

/**
 * Runs a text detector on the stored order of the text and, when bidi overrides make a reader see another order,
 * on that order too, and merges the two: a word written backwards inside RLO … PDF (shown forwards) is found like
 * the plain word. Signals with the same category and label keep the higher score and the evidence of both.
 */
export function withReadingOrder(detector: Detector<TextContent>): Detector<TextContent> {
  const wrapped: Detector<TextContent> = {
    id: detector.id,
    version: readingOrderVersion(detector.version),
    media: detector.media,
    tiers: detector.tiers,
    ...(detector.model ? { model: detector.model } : {}),
    async detect(input: TextContent, ctx: DetectorContext): Promise<readonly Signal[]> {
      const stored = await detector.detect(input, ctx);
      const view = readingOrderView(input);
      if (view === undefined) return stored;
      ctx.signal.throwIfAborted();
      return mergeSignals(stored, await detector.detect(view, ctx));
    },
  };
  if (detector.init) wrapped.init = () => (detector.init as () => Promise<void>).call(detector);
  if (detector.dataVersion) {
    wrapped.dataVersion = () => (detector.dataVersion as () => Promise<string | undefined>).call(detector);
  }
  return wrapped;
}

/** The signals of both views: one per detector, category and label, the higher score, the evidence of both. */
export function mergeSignals(first: readonly Signal[], second: readonly Signal[]): Signal[] {
  const key = (s: Signal) => `${s.detector}\u0000${s.category ?? ''}\u0000${s.label}`;
  const merged = first.map((s) => ({ ...s }));
  const index = new Map(merged.map((s, i) => [key(s), i]));
  for (const s of second) {
    const at = index.get(key(s));
    if (at === undefined) {
      index.set(key(s), merged.length);
      merged.push({ ...s });
      continue;
    }
    const a = merged[at] as Signal;
    merged[at] = { ...a, score: Math.max(a.score, s.score), evidence: mergeEvidence(a.evidence, s.evidence) };
  }
  return merged;
}

type SpanEvidence = Extract<Evidence, { kind: 'span' }>;
const isSpan = (e: Evidence): e is SpanEvidence => e.kind === 'span';

/** Both lists without duplicates; spans sorted by position and capped like one detector's. */
function mergeEvidence(a: readonly Evidence[], b: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const spans: SpanEvidence[] = [];
  const others: Evidence[] = [];
  for (const e of [...a, ...b]) {
    const k = JSON.stringify(e);
    if (seen.has(k)) continue;
    seen.add(k);
    if (isSpan(e)) spans.push(e);
    else others.push(e);
  }
  spans.sort((x, y) => x.start - y.start || x.end - y.end);
  return [...spans.slice(0, MAX_SPANS_PER_SIGNAL), ...others];
}
