import type { Detector } from '../core/detectors/detector';
import type { Logger } from '../core/logging/logger';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import type { Policy } from '../core/policy/policy';
import type { ContentCache } from '../core/ports/content-cache';

/** What {@link localEngine} builds from. */
export interface LocalEngineOptions {
  readonly policy: Policy;
  readonly detectors: readonly Detector[];
  readonly logger: Logger;
  /** The state dir's content cache; none for runs that must not write (shadow runs). */
  readonly cache?: ContentCache;
}

/**
 * Locally one process plays both tiers: text and images take the fast tier, audio and video the heavy tier's
 * detectors, and images the fast tier finds uncertain are decided by the heavy tier in the same call. The heavy
 * tier's models load on first use, so runs without audio, video or uncertain images never pay for them.
 */
export function localEngine(options: LocalEngineOptions): {
  fast: ModerationEngine;
  heavy: ModerationEngine;
} {
  const { policy, detectors, logger, cache } = options;
  const heavy = new ModerationEngine({ policy, tier: 'heavy', detectors, cache, logger });
  const fast = new ModerationEngine({
    policy,
    tier: 'fast',
    tierFor: (media) => (media === 'audio' || media === 'video' ? 'heavy' : 'fast'),
    detectors,
    cache,
    logger,
    escalateTo: heavy,
  });
  return { fast, heavy };
}
