import type { Signal } from '../signals';
import type { CategoryDecision, CategoryResult } from '../verdict/verdict';
import type { Action, CategoryPolicy, Policy } from './policy';

/** The outcome of applying a policy to a set of signals. */
export interface PolicyOutcome {
  /** One entry per policy category that any signal scored, in policy order. */
  readonly categories: CategoryResult[];
  /** The worst category decision, or `allow` when nothing scored. */
  readonly decision: CategoryDecision;
  /** The actions of every category at its decision, de-duplicated, in first-seen order. */
  readonly actions: Action[];
  /** Categories named by signals that the policy does not define (ignored for the decision). */
  readonly unknownCategories: string[];
}

const RANK: Record<CategoryDecision, number> = { allow: 0, review: 1, block: 2 };

/** The decision a threshold pair gives a score. */
export function decideScore(category: CategoryPolicy, score: number): CategoryDecision {
  if (score >= category.thresholds.block) return 'block';
  if (score >= category.thresholds.review) return 'review';
  return 'allow';
}

/** The worse of two decisions. */
export function worstDecision(a: CategoryDecision, b: CategoryDecision): CategoryDecision {
  return RANK[b] > RANK[a] ? b : a;
}

/**
 * Applies a policy to signals: each category's score is the highest signal score in it; the thresholds turn that
 * score into a decision; the item's decision is the worst of them. Informational signals (no category) are
 * ignored here. Pure, so a threshold-only policy change can re-decide from stored signals without models.
 */
export function evaluatePolicy(policy: Policy, signals: readonly Signal[]): PolicyOutcome {
  const best = new Map<string, number>();
  const unknown = new Set<string>();
  const known = new Set(policy.categories.map((c) => c.id));
  for (const s of signals) {
    if (s.category === null) continue;
    if (!known.has(s.category)) {
      unknown.add(s.category);
      continue;
    }
    best.set(s.category, Math.max(best.get(s.category) ?? 0, s.score));
  }

  const categories: CategoryResult[] = [];
  const actions = new Set<Action>();
  let decision: CategoryDecision = 'allow';
  for (const c of policy.categories) {
    const score = best.get(c.id);
    if (score === undefined || score <= 0) continue;
    const d = decideScore(c, score);
    categories.push({ id: c.id, score, decision: d });
    decision = worstDecision(decision, d);
    if (d !== 'allow') for (const a of c.actions[d]) actions.add(a);
  }
  return { categories, decision, actions: [...actions], unknownCategories: [...unknown] };
}
