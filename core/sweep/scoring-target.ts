import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';
import type { Policy } from '../policy/policy';

/**
 * The policy and detectors a sweep or shadow run moves verdicts to. A `ModerationEngine` is one: its
 * `scoringHash` answers for every media kind and tier it (or its escalation engine) decides.
 */
export interface ScoringTarget {
  readonly policy: Policy;
  scoringHash(media: MediaKind, tier: Tier): string;
}
