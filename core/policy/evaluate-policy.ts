import { HASH_MATCH_DETECTOR_ID } from '../detectors/detector-ids';
import { bankNameOfLabel } from '../detectors/hash/hash-match-label';
import type { Signal } from '../signals';
import type { CategoryDecision, CategoryResult } from '../verdict/verdict';
import { hashMatchRule } from './hash-match-rule';
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

/** What the hash-match signals of one category add up to under the policy's bank rules. */
interface HashOutcome {
  score: number;
  decision: CategoryDecision;
  actions: Action[];
}

/**
 * Applies a policy to signals: each category's score is the highest signal score in it; the thresholds turn that
 * score into a decision; the item's decision is the worst of them. Informational signals (no category) are
 * ignored here. Pure, so a threshold-only policy change can re-decide from stored signals without models.
 *
 * `hash-match` signals follow the policy's `hashMatch` rule of their bank (named by the signal's label) instead of
 * thresholds: the rule's category gets the rule's decision and the rule's actions, whatever the signal's own
 * category says, so a rule change re-decides stored signals too. A rule's category need not be a policy category:
 * it is then listed after the policy's categories.
 */
export function evaluatePolicy(policy: Policy, signals: readonly Signal[]): PolicyOutcome {
  const best = new Map<string, number>();
  const unknown = new Set<string>();
  const hashed = new Map<string, HashOutcome>();
  const known = new Set(policy.categories.map((c) => c.id));
  for (const s of signals) {
    if (s.detector === HASH_MATCH_DETECTOR_ID && s.score > 0) {
      const rule = hashMatchRule(policy, bankNameOfLabel(s.label));
      const h = hashed.get(rule.category) ?? { score: 0, decision: 'allow', actions: [] };
      h.score = Math.max(h.score, s.score);
      h.decision = worstDecision(h.decision, rule.decision);
      h.actions.push(...rule.actions);
      hashed.set(rule.category, h);
      continue;
    }
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
  const add = (id: string, score: number, d: CategoryDecision, acts: readonly Action[]) => {
    categories.push({ id, score, decision: d });
    decision = worstDecision(decision, d);
    for (const a of acts) actions.add(a);
  };
  for (const c of policy.categories) {
    const score = best.get(c.id);
    const h = hashed.get(c.id);
    hashed.delete(c.id);
    const scored = score !== undefined && score > 0;
    if (!scored && !h) continue;
    const d = scored ? decideScore(c, score) : 'allow';
    const acts = d === 'allow' ? [] : c.actions[d];
    if (!h) add(c.id, score as number, d, acts);
    else add(c.id, Math.max(score ?? 0, h.score), worstDecision(d, h.decision), [...acts, ...h.actions]);
  }
  for (const [id, h] of hashed) add(id, h.score, h.decision, h.actions);
  return { categories, decision, actions: [...actions], unknownCategories: [...unknown] };
}
