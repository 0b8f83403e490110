import { buildSegments } from '../fusion/build-segments';
import { evaluatePolicy } from '../policy/evaluate-policy';
import type { Policy } from '../policy/policy';
import type { Verdict } from '../verdict/verdict';

/** Context of a re-decided verdict. */
export interface RedecideContext {
  readonly runId?: string;
  readonly now: Date;
}

/**
 * Applies `policy` to a stored verdict's signals, exactly as the engine does after scoring (category scores,
 * decision, actions, segments), and returns the verdict under the new policy. Reads no bytes and runs no
 * detector: the result says so in `redecided`, and keeps the earlier `detectors` runs and scoring hash.
 * Only for verdicts {@link classifyVerdict} calls `redecide` (not error verdicts).
 */
export function redecideVerdict(verdict: Verdict, policy: Policy, ctx: RedecideContext): Verdict {
  const outcome = evaluatePolicy(policy, verdict.signals);
  const { runId: _oldRun, redecided: earlier, ...rest } = verdict;
  return {
    ...rest,
    decision: outcome.decision,
    categories: outcome.categories,
    segments: buildSegments(policy, verdict.signals),
    actions: outcome.actions,
    policy: {
      id: policy.id,
      version: policy.version,
      ...(verdict.policy.scoringHash ? { scoringHash: verdict.policy.scoringHash } : {}),
    },
    ...(ctx.runId ? { runId: ctx.runId } : {}),
    // Chains of re-decisions keep pointing at the verdict whose detectors actually ran.
    redecided: earlier ?? { fromPolicyVersion: verdict.policy.version, scoredAt: verdict.createdAt },
    createdAt: ctx.now.toISOString(),
  };
}
