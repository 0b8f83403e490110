import type { VerdictQuery, VerdictStore } from '../ports/verdict-store';
import { iterateVerdicts } from '../verdict/iterate-verdicts';
import type { Verdict } from '../verdict/verdict';

/** Options for {@link iterateLatestVerdicts}. */
export interface LatestVerdictsOptions {
  /** Rows written by this run are passed over (a sweep meets the verdicts it writes while paging). */
  readonly skipRunId?: string;
  readonly pageSize?: number;
}

/**
 * Streams the most recently written verdict of every item, in the store's order and flat memory: a store keeps one
 * row per item and policy version, and each row is yielded only when it is the item's latest.
 */
export async function* iterateLatestVerdicts(
  store: VerdictStore,
  filter: VerdictQuery = {},
  options: LatestVerdictsOptions = {},
): AsyncGenerator<Verdict> {
  for await (const row of iterateVerdicts(store, filter, options.pageSize)) {
    if (options.skipRunId !== undefined && row.runId === options.skipRunId) continue;
    const latest = await store.get(row.item.uri);
    if (!latest || latest.policy.version !== row.policy.version) continue;
    if (options.skipRunId !== undefined && latest.runId === options.skipRunId) continue;
    yield latest;
  }
}
