import { HASH_MATCH_DETECTOR_ID } from '../../../core/detectors/detector-ids';
import { evaluatePolicy } from '../../../core/policy/evaluate-policy';
import { PolicySchema } from '../../../core/policy/policy';
import { scoringSettings } from '../../../core/policy/scoring-settings';
import type { Signal } from '../../../core/signals';
import { testPolicy } from '../../helpers/test-policy';

const hit = (label: string, category = 'ignored'): Signal => ({
  detector: HASH_MATCH_DETECTOR_ID,
  category,
  label,
  score: 1,
  evidence: [{ kind: 'note', text: 'bank x, label -, pdq distance 3, matched 00' }],
});

describe('hashMatch policy', () => {
  it('defaults when a policy has no hashMatch section', () => {
    const policy = testPolicy();
    expect(policy.hashMatch).toEqual({
      radius: 31,
      minQuality: 50,
      videoFps: 1,
      videoQueryPercent: 80,
      videoComparedPercent: 0,
      default: { category: 'hash-match', decision: 'block', actions: ['tag', 'quarantine', 'notify'] },
      banks: {},
    });
  });

  it('rejects a radius above 31, unknown keys and bad bank names', () => {
    const base = testPolicy();
    expect(PolicySchema.safeParse({ ...base, hashMatch: { radius: 32 } }).success).toBe(false);
    expect(PolicySchema.safeParse({ ...base, hashMatch: { radios: 3 } }).success).toBe(false);
    expect(
      PolicySchema.safeParse({
        ...base,
        hashMatch: { banks: { 'bad name': { category: 'spam', decision: 'block' } } },
      }).success,
    ).toBe(false);
  });

  it("gives a match its bank rule's decision and actions, whatever the thresholds", () => {
    const policy = testPolicy({
      hashMatch: {
        banks: {
          partner: { category: 'spam', decision: 'review', actions: ['tag'] },
          ncmec: { category: 'known-content', decision: 'block', actions: ['quarantine', 'notify'] },
        },
      },
    });
    let out = evaluatePolicy(policy, [hit('partner:scam-kit')]);
    expect(out.decision).toBe('review');
    expect(out.categories).toEqual([{ id: 'spam', score: 1, decision: 'review' }]);
    expect(out.actions).toEqual(['tag']);

    // A category of the rule's own (not in the policy) is decided too, listed after the policy's, not unknown.
    out = evaluatePolicy(policy, [
      hit('ncmec'),
      { detector: 'text-hate', category: 'hate', label: 'slur', score: 0.6, evidence: [] },
    ]);
    expect(out.decision).toBe('block');
    expect(out.categories).toEqual([
      { id: 'hate', score: 0.6, decision: 'review' },
      { id: 'known-content', score: 1, decision: 'block' },
    ]);
    expect(out.actions).toEqual(['tag', 'quarantine', 'notify']);
    expect(out.unknownCategories).toEqual([]);
  });

  it('uses the default rule for banks without one, and merges with threshold results of the same category', () => {
    const policy = testPolicy({
      hashMatch: { default: { category: 'spam', decision: 'block', actions: ['notify'] } },
    });
    const out = evaluatePolicy(policy, [
      { detector: 'text-spam', category: 'spam', label: 'bait', score: 0.6, evidence: [] },
      hit('anything:label', 'spam'),
    ]);
    expect(out.categories).toEqual([{ id: 'spam', score: 1, decision: 'block' }]);
    expect(out.decision).toBe('block');
    expect(out.actions).toEqual(['notify']);
  });

  it('follows a rule change on stored signals (the rule is looked up by bank, not taken from the signal)', () => {
    const signals = [hit('partner', 'hash-match')];
    const before = evaluatePolicy(testPolicy(), signals);
    expect(before.categories).toEqual([{ id: 'hash-match', score: 1, decision: 'block' }]);
    const after = evaluatePolicy(
      testPolicy({ hashMatch: { banks: { partner: { category: 'spam', decision: 'review' } } } }),
      signals,
    );
    expect(after.categories).toEqual([{ id: 'spam', score: 1, decision: 'review' }]);
    expect(after.actions).toEqual([]);
  });

  it('puts what changes matching in the scoring settings, and leaves the rules out', () => {
    const a = testPolicy();
    const b = testPolicy({ hashMatch: { banks: { x: { category: 'spam', decision: 'review' } } } });
    const c = testPolicy({ hashMatch: { radius: 20 } });
    const d = testPolicy({ hashMatch: { videoFps: 2 } });
    expect(scoringSettings(b, 'image')).toEqual(scoringSettings(a, 'image'));
    expect(scoringSettings(c, 'image')).not.toEqual(scoringSettings(a, 'image'));
    expect(scoringSettings(d, 'image')).toEqual(scoringSettings(a, 'image'));
    expect(scoringSettings(d, 'video')).not.toEqual(scoringSettings(a, 'video'));
    expect(scoringSettings(c, 'text')).toEqual(scoringSettings(a, 'text'));
  });
});
