import type { CostModel } from '../cost/cost-model';
import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';
import type { VerdictStore } from '../ports/verdict-store';
import { iterateVerdicts } from '../verdict/iterate-verdicts';
import type { Verdict } from '../verdict/verdict';
import { verdictCost } from './cost-meter';

/** Counts of the verdicts one backfill run wrote. */
export interface BackfillTally {
  /** Items moderated by the detectors (not from the cache), without error. */
  scored: number;
  /** Items whose identical bytes were scored before (content-cache hits). */
  cached: number;
  /** Items that ended with an `error` verdict. */
  failed: number;
  /** Estimated dollars of all of them. */
  dollars: number;
  readonly byTier: Record<Tier, number>;
  readonly byMedia: Record<MediaKind, number>;
}

/** An empty tally. */
export function emptyTally(): BackfillTally {
  return {
    scored: 0,
    cached: 0,
    failed: 0,
    dollars: 0,
    byTier: { fast: 0, heavy: 0 },
    byMedia: { text: 0, image: 0, audio: 0, video: 0, unknown: 0 },
  };
}

/** Adds one written verdict to a tally. */
export function addToTally(tally: BackfillTally, verdict: Verdict, model: CostModel): void {
  if (verdict.decision === 'error') tally.failed++;
  else if (verdict.cached) tally.cached++;
  else tally.scored++;
  tally.byTier[verdict.tier]++;
  tally.byMedia[verdict.item.media]++;
  tally.dollars += verdictCost(model, verdict);
}

/**
 * Tallies what a run wrote, from the verdict store itself: exact after any number of crashes, since a verdict is
 * written once per item and run, before its job is deleted.
 */
export async function tallyRun(
  verdicts: VerdictStore,
  runId: string,
  policyVersion: string,
  model: CostModel,
): Promise<BackfillTally> {
  const tally = emptyTally();
  for await (const v of iterateVerdicts(verdicts, { runId, policyVersion }, 1000))
    addToTally(tally, v, model);
  return tally;
}
