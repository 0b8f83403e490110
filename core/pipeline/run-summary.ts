import type { Decision, Verdict } from '../verdict/verdict';

/** Counts over a run's verdicts, for the summary table and `summary.json`. */
export interface RunSummary {
  runId: string;
  items: number;
  decisions: Record<Decision, number>;
  /** Per category: how many items it put in review and in block. */
  categories: Record<string, { review: number; block: number }>;
  /** Per error code: how many items. */
  errors: Record<string, number>;
  media: Record<string, number>;
  cached: number;
  /** Items moderated by this process (less than `items` when a run was resumed). */
  processed: number;
  elapsedMs: number;
  itemsPerSecond: number;
  /** Peak resident memory of the process, MiB. */
  peakRssMiB: number;
}

/** Accumulates a {@link RunSummary} one verdict at a time, so a run of any size is summarised in flat memory. */
export class SummaryBuilder {
  private readonly s: RunSummary;

  constructor(runId: string) {
    this.s = {
      runId,
      items: 0,
      decisions: { allow: 0, review: 0, block: 0, error: 0 },
      categories: {},
      errors: {},
      media: {},
      cached: 0,
      processed: 0,
      elapsedMs: 0,
      itemsPerSecond: 0,
      peakRssMiB: 0,
    };
  }

  add(v: Verdict): void {
    const s = this.s;
    s.items++;
    s.decisions[v.decision]++;
    s.media[v.item.media] = (s.media[v.item.media] ?? 0) + 1;
    if (v.cached) s.cached++;
    if (v.error) s.errors[v.error.code] = (s.errors[v.error.code] ?? 0) + 1;
    for (const c of v.categories) {
      if (c.decision === 'allow') continue;
      const entry = s.categories[c.id] ?? { review: 0, block: 0 };
      entry[c.decision]++;
      s.categories[c.id] = entry;
    }
  }

  finish(elapsedMs: number, processed: number): RunSummary {
    this.s.elapsedMs = elapsedMs;
    this.s.processed = processed;
    this.s.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    this.s.itemsPerSecond = elapsedMs > 0 ? Math.round((processed / elapsedMs) * 1000 * 10) / 10 : 0;
    return this.s;
  }
}
