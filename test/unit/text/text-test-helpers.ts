import type { Detector, DetectorContext, TextContent } from '../../../core/detectors/detector';
import { silentLogger } from '../../../core/logging/logger';
import type { Signal } from '../../../core/signals';
import { normalizeText } from '../../../core/text/normalize';

/** A detector input for `text`, normalized the way the pipeline does it. */
export function textInput(text: string): TextContent {
  return { kind: 'text', text, normalized: normalizeText(text), invalidEncoding: false };
}

/** A detector context that never aborts. */
export function testContext(): DetectorContext {
  return { signal: new AbortController().signal, logger: silentLogger };
}

/** Runs one detector on `text`. */
export async function run(detector: Detector<TextContent>, text: string): Promise<readonly Signal[]> {
  return detector.detect(textInput(text), testContext());
}

/** The signal of `category` (and `label`, when given), if any. */
export function signalOf(
  signals: readonly Signal[],
  category: string | null,
  label?: string,
): Signal | undefined {
  return signals.find((s) => s.category === category && (label === undefined || s.label === label));
}

/** Best score per category over all signals. */
export function bestScores(signals: readonly Signal[]): Map<string, number> {
  const best = new Map<string, number>();
  for (const s of signals) {
    if (s.category === null) continue;
    best.set(s.category, Math.max(best.get(s.category) ?? 0, s.score));
  }
  return best;
}

/** The original-text slices a signal's span evidence points at. */
export function spanTexts(text: string, signal: Signal | undefined): string[] {
  return (signal?.evidence ?? []).flatMap((e) => (e.kind === 'span' ? [text.slice(e.start, e.end)] : []));
}
