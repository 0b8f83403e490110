import type { MediaKind } from '../media/media-type';
import type { Policy } from './policy';

/**
 * The policy settings that change what detectors see or which tier decides, for one media kind: a change here
 * needs the item scored again. Thresholds, actions, the category list and the hash-match bank rules are left out on purpose: verdicts keep
 * every signal, so a change there is re-decided from stored signals. Size limits are checked per item by the
 * sweep, and detector timeouts only matter for failed runs, which are always scored again. Disabled detectors
 * (and `ocr.fastTier`) are part of the engine's detector list in its scoring hash, not of this.
 */
export function scoringSettings(policy: Policy, media: MediaKind): Record<string, unknown> {
  const escalates = (policy.escalation.media as readonly string[]).includes(media);
  // Which hashes match; the bank rules (category, decision, actions) are applied to stored signals like thresholds.
  const { radius, minQuality, videoFps, videoQueryPercent, videoComparedPercent } = policy.hashMatch;
  switch (media) {
    case 'text':
      return { escalation: escalates ? policy.escalation : null };
    case 'image':
      return { escalation: escalates ? policy.escalation : null, hashMatch: { radius, minQuality } };
    case 'audio':
      return { maxMediaDurationSec: policy.limits.maxMediaDurationSec };
    case 'video':
      return {
        maxMediaDurationSec: policy.limits.maxMediaDurationSec,
        video: policy.video,
        hashMatch: { radius, minQuality, videoFps, videoQueryPercent, videoComparedPercent },
      };
    default:
      return {};
  }
}
