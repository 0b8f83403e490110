import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';
import type { CategoryResult } from '../verdict/verdict';
import type { Policy } from './policy';

/**
 * Why a fast-tier result should be decided by the heavy tier, or undefined when it should not: the item's media
 * may escalate under the policy and some category's score falls in the policy's uncertainty band. Audio and video
 * are routed to the heavy tier up front and never reach this.
 */
export function escalationReason(
  policy: Policy,
  tier: Tier,
  media: MediaKind,
  categories: readonly CategoryResult[],
): string | undefined {
  if (tier !== 'fast') return undefined;
  const { band, media: kinds, categories: only } = policy.escalation;
  if (!(kinds as readonly string[]).includes(media)) return undefined;
  const uncertain = categories.filter(
    (c) => (only.length === 0 || only.includes(c.id)) && c.score >= band.from && c.score < band.to,
  );
  if (uncertain.length === 0) return undefined;
  return `uncertain: ${uncertain.map((c) => `${c.id} ${c.score}`).join(', ')} in [${band.from}, ${band.to})`;
}
