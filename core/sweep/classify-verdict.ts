import type { MediaKind } from '../media/media-type';
import type { Verdict } from '../verdict/verdict';
import type { ScoringTarget } from './scoring-target';

/**
 * What a verdict needs under a target policy:
 * - `unchanged`: made under the same policy version with the same scoring; nothing to do.
 * - `redecide`: same scoring, other policy version (thresholds, actions or categories changed): apply the new
 *   policy to the stored signals, without reading the item or running a model.
 * - `rescore`: the scores themselves may change (other detector or model versions, score-affecting settings,
 *   an error or unfinished verdict, or no scoring record): moderate the item again.
 */
export type VerdictClass = 'unchanged' | 'redecide' | 'rescore';

/** A classification and the reason for it (for logs and reports; never content). */
export interface Classification {
  readonly kind: VerdictClass;
  readonly reason: string;
}

/** Classifies a stored verdict against the target policy and detectors. */
export function classifyVerdict(verdict: Verdict, target: ScoringTarget): Classification {
  const { policy } = target;
  const samePolicy = verdict.policy.id === policy.id && verdict.policy.version === policy.version;
  const recorded = verdict.policy.scoringHash;
  const current =
    verdict.item.media === 'unknown' ? undefined : target.scoringHash(verdict.item.media, verdict.tier);
  const sameScoring = recorded !== undefined && recorded === current;
  if (samePolicy && (sameScoring || recorded === undefined)) {
    // Without a record, the same policy version is the best evidence there is that nothing changed.
    return { kind: 'unchanged', reason: 'same policy version and scoring' };
  }
  if (verdict.decision === 'error')
    return { kind: 'rescore', reason: `error verdict (${verdict.error?.code})` };
  if (verdict.escalation?.status === 'pending') return { kind: 'rescore', reason: 'escalation pending' };
  if (verdict.detectors.some((d) => d.status === 'failed')) {
    return { kind: 'rescore', reason: 'a detector failed' };
  }
  if (recorded === undefined) return { kind: 'rescore', reason: 'no scoring hash recorded' };
  if (!sameScoring)
    return { kind: 'rescore', reason: 'detectors, models or score-affecting settings changed' };
  const limit = sizeLimit(verdict.item.media, target);
  if (verdict.item.bytes > limit) return { kind: 'rescore', reason: 'item exceeds the new size limit' };
  return { kind: 'redecide', reason: 'thresholds, actions or categories changed' };
}

/** The largest item the target policy scores for a media kind; buffered media also obey `maxTextBytes`. */
function sizeLimit(media: MediaKind, target: ScoringTarget): number {
  const { maxItemBytes, maxTextBytes } = target.policy.limits;
  return media === 'audio' || media === 'video' ? maxItemBytes : Math.min(maxItemBytes, maxTextBytes);
}
