import type { Decision, Verdict } from '../verdict/verdict';

/** Filter for {@link VerdictStore.query}. All given fields must match. */
export interface VerdictQuery {
  readonly decision?: Decision;
  /** A category id whose own decision is review or block. */
  readonly category?: string;
  /** Only verdicts written by this run. */
  readonly runId?: string;
  readonly policyId?: string;
  readonly policyVersion?: string;
}

/** One page of query results. */
export interface VerdictPage {
  readonly verdicts: readonly Verdict[];
  /** Pass back to continue; absent on the last page. */
  readonly cursor?: string;
}

/**
 * Durable verdicts, keyed by item identity (`item.uri`) and policy version. `put` is idempotent: writing a
 * verdict for the same key again replaces it, so at-least-once delivery never produces two.
 */
export interface VerdictStore {
  /** Stores a verdict, replacing any earlier one for the same item and policy version. */
  put(verdict: Verdict): Promise<void>;
  /** The verdict for an item under a policy version (the most recently written one when omitted). */
  get(uri: string, policyVersion?: string): Promise<Verdict | undefined>;
  /** Verdicts matching a filter, in a stable order, one page at a time. */
  query(
    filter: VerdictQuery,
    page?: { readonly cursor?: string; readonly limit?: number },
  ): Promise<VerdictPage>;
}
