import type { Verdict } from '../verdict/verdict';

/**
 * A verdict whose decision a sweep changed: the only kind of result that should trigger actions or review.
 * `before` is absent when the item had no earlier verdict.
 */
export interface VerdictChange {
  readonly uri: string;
  readonly before?: Verdict;
  readonly after: Verdict;
  /** How the new verdict was made. */
  readonly via: 'redecide' | 'rescore';
}

/**
 * Receives changed verdicts. Locally it appends to `changes.jsonl`; on AWS it carries out the new verdict's
 * actions (`applyActions`) and queues review. Must be safe to call again for the same change (a resumed sweep
 * may repeat the last ones).
 */
export type ChangeSink = (change: VerdictChange) => Promise<void>;

/** A compact, content-free line for a change: what a reviewer queue or log needs. */
export function changeSummary(change: VerdictChange): Record<string, unknown> {
  const top = [...change.after.categories].sort((a, b) => b.score - a.score)[0];
  return {
    uri: change.uri,
    before: change.before?.decision ?? null,
    after: change.after.decision,
    beforePolicyVersion: change.before?.policy.version ?? null,
    policyVersion: change.after.policy.version,
    via: change.via,
    topCategory: top ? { id: top.id, score: top.score } : null,
    actions: change.after.actions,
  };
}
