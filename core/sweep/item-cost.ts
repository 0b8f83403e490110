import type { CostModel } from '../cost/cost-model';
import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';

/** The frame rate the cost model's video latencies are measured at (the default policy's `video.fps`). */
export const MEASURED_VIDEO_FPS = 1;

/** Verdicts and listings do not record a video's length; the cost model's typical duration stands in. */
const TYPICAL_VIDEO_SEC = 60;

/** What pricing one item needs. */
export interface PricedItem {
  readonly media: MediaKind;
  readonly bytes: number;
}

/**
 * Dollars to score one item in `tier` (audio and video always take the heavy tier). Video at another frame rate is
 * priced as if proportionally longer or shorter, since frame sampling and classification dominate its cost; the
 * speech part does not shrink with the frame rate, so below the measured rate this is a lower bound.
 */
export function itemCostAt(
  model: CostModel,
  item: PricedItem,
  options: { readonly tier: Tier; readonly fps?: number },
): number {
  const { media } = item;
  const tier = media === 'audio' || media === 'video' ? 'heavy' : options.tier;
  const bytes = item.bytes > 0 ? item.bytes : undefined;
  if (media !== 'video' || options.fps === undefined) return model.itemCost({ media, tier, bytes });
  return model.itemCost({
    media,
    tier,
    bytes,
    durationSec: TYPICAL_VIDEO_SEC * (options.fps / MEASURED_VIDEO_FPS),
  });
}
