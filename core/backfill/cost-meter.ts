import type { CostModel } from '../cost/cost-model';
import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';
import type { Verdict } from '../verdict/verdict';
import { mediaKindOfKey } from './backfill-filter';

/**
 * Estimated dollars of reading an item without scoring it (a content-cache hit): priced as a fast-tier text item
 * of the same size, whose compute is negligible beside the read, hash and writes.
 */
export function readCost(model: CostModel, bytes: number): number {
  return model.itemCost({ media: 'text', tier: 'fast', bytes });
}

/** Estimated dollars of an item before it is read, from its key's extension and its routed tier. */
export function expectedCost(model: CostModel, key: string, tier: Tier, bytes: number): number {
  const media = mediaKindOfKey(key);
  return media === 'unknown' ? readCost(model, bytes) : model.itemCost({ media, tier, bytes });
}

/**
 * Estimated dollars a written verdict cost: its read alone when the scores came from the cache or nothing was
 * decoded; otherwise the scoring in the tier that decided it, plus the fast tier's share when it escalated.
 */
export function verdictCost(model: CostModel, verdict: Verdict): number {
  const { item } = verdict;
  if (verdict.cached || item.media === 'unknown') return readCost(model, item.bytes);
  const media: MediaKind = item.media;
  let dollars = model.itemCost({ media, tier: verdict.tier, bytes: item.bytes });
  if (verdict.escalation?.from === 'fast')
    dollars += model.itemCost({ media, tier: 'fast', bytes: item.bytes });
  return dollars;
}

/**
 * The running cost of a backfill against its ceiling. Each item reserves its expected cost before it starts
 * and settles at its verdict's cost, so items running at once never overshoot the ceiling together.
 */
export class CostMeter {
  private spent: number;
  private reserved = 0;

  constructor(
    private readonly maxDollars: number | undefined,
    spentSoFar = 0,
  ) {
    this.spent = spentSoFar;
  }

  /** Dollars spent so far (settled items). */
  get dollars(): number {
    return this.spent;
  }

  /** Reserves `dollars` for an item about to start; false (nothing reserved) when that would pass the ceiling. */
  reserve(dollars: number): boolean {
    if (this.maxDollars !== undefined && this.spent + this.reserved + dollars > this.maxDollars + 1e-12) {
      return false;
    }
    this.reserved += dollars;
    return true;
  }

  /** Ends a reservation: `actual` dollars spent, or undefined when nothing was (the item was handed back). */
  settle(reservedDollars: number, actual: number | undefined): void {
    this.reserved = Math.max(0, this.reserved - reservedDollars);
    if (actual !== undefined) this.spent += actual;
  }
}
