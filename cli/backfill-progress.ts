import type { BackfillProgress } from '../core/backfill/run-backfill';
import { formatSeconds, type ProgressView } from './progress';

/** One progress line, e.g. `1200/2000 · scored 900 · skipped 300 · failed 0 · 41.3 items/s · $0.0123 · eta 20s`. */
export function formatBackfillProgress(p: BackfillProgress): string {
  const done = p.scored + p.skipped + p.failed;
  const total = p.listingDone ? `${p.listed}` : `${p.listed}+ (listing)`;
  const eta = p.etaSec === undefined ? '' : ` · eta ${formatSeconds(p.etaSec)}`;
  return `${done}/${total} · scored ${p.scored} · skipped ${p.skipped} · failed ${p.failed} · ${p.itemsPerSec.toFixed(1)} items/s · $${p.estimatedCost < 0.01 ? p.estimatedCost.toPrecision(2) : p.estimatedCost.toFixed(2)}${eta}`;
}

/** The view of a backfill's progress for {@link ProgressBar}. */
export function backfillProgressView(p: BackfillProgress): ProgressView {
  const done = p.scored + p.skipped + p.failed;
  return {
    status: formatBackfillProgress(p),
    fraction: p.listingDone && p.listed > 0 ? done / p.listed : undefined,
  };
}
