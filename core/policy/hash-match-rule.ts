import type { HashMatchRule, Policy } from './policy';

/** The policy's rule for matches in the bank named `bankName`: its own, else the policy's default rule. */
export function hashMatchRule(policy: Policy, bankName: string): HashMatchRule {
  return Object.hasOwn(policy.hashMatch.banks, bankName)
    ? (policy.hashMatch.banks[bankName] as HashMatchRule)
    : policy.hashMatch.default;
}
