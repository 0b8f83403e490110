import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';

/** One item to price: its media kind, the tier that moderates it, and what drives its cost. */
export interface CostItem {
  readonly media: MediaKind;
  readonly tier: Tier;
  /** Size in bytes (S3 transfer and Lambda read time); default the model's typical size for the media kind. */
  readonly bytes?: number;
  /** Seconds of audio or video; default the model's typical duration (60 s). Ignored for text and images. */
  readonly durationSec?: number;
}

/** One line of a cost breakdown (compute, requests, queue, storage writes...). */
export interface CostLine {
  readonly what: string;
  readonly dollars: number;
}

/**
 * Dollars to moderate items on AWS, computed from measured latencies (bench/) and a dated price list. Backfills
 * and sweeps use it for their ceilings and budgets; `winnow cost` prints it. `createCostModel`
 * (`measured-cost-model.ts`) builds the one implementation; docs/cost.md explains the method.
 */
export interface CostModel {
  /** Identifies the price list, e.g. `aws-us-east-1-2026-11-01`. */
  readonly pricesVersion: string;
  /** Estimated dollars for one item. */
  itemCost(item: CostItem): number;
  /** The same, split into its parts. */
  itemBreakdown(item: CostItem): readonly CostLine[];
}
