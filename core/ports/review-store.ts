/** A reviewer's decision on one item in the review queue. */
export interface ReviewDecision {
  /** The reviewed item's URI (the verdict's `item.uri`). */
  readonly uri: string;
  /** Policy version of the verdict that was reviewed. */
  readonly policyVersion: string;
  readonly decision: 'allow' | 'block';
  /** Categories the reviewer confirmed (block) or cleared (allow); the verdict's flagged categories by default. */
  readonly categories: readonly string[];
  readonly reason: string;
  readonly reviewer: string;
  /** ISO-8601 time of the decision. */
  readonly decidedAt: string;
}

/**
 * Reviewer decisions, kept as an append-only audit log: a new decision on the same item is a new entry, and the
 * latest one counts.
 */
export interface ReviewStore {
  /** Appends a decision to the audit log. */
  record(decision: ReviewDecision): Promise<void>;
  /** The audit log, oldest first. */
  history(filter?: { readonly uri?: string }): Promise<readonly ReviewDecision[]>;
  /** The latest decision per (uri, policyVersion). */
  latest(): Promise<readonly ReviewDecision[]>;
}
