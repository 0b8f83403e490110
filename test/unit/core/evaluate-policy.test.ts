import { evaluatePolicy } from '../../../core/policy/evaluate-policy';
import { loadPolicyFile, parsePolicy } from '../../../core/policy/load-policy';
import type { Signal } from '../../../core/signals';
import { testPolicy } from '../../helpers/test-policy';

const sig = (category: string | null, score: number, detector = 'd'): Signal => ({
  detector,
  category,
  label: 'x',
  score,
  evidence: [],
});

describe('evaluatePolicy', () => {
  const policy = testPolicy();

  it('allows when nothing scored', () => {
    expect(evaluatePolicy(policy, [])).toEqual({
      categories: [],
      decision: 'allow',
      actions: [],
      unknownCategories: [],
    });
  });

  it('takes the highest score per category and the worst decision overall', () => {
    const out = evaluatePolicy(policy, [sig('hate', 0.6), sig('hate', 0.2), sig('pii', 0.95), sig(null, 1)]);
    expect(out.categories).toEqual([
      { id: 'hate', score: 0.6, decision: 'review' },
      { id: 'pii', score: 0.95, decision: 'block' },
    ]);
    expect(out.decision).toBe('block');
    expect(out.actions).toEqual(['tag']);
  });

  it('applies thresholds inclusively and collects actions in order without duplicates', () => {
    const out = evaluatePolicy(policy, [sig('hate', 0.85), sig('pii', 0.5)]);
    expect(out.categories.map((c) => c.decision)).toEqual(['block', 'review']);
    expect(out.actions).toEqual(['tag', 'quarantine', 'notify']);
  });

  it('ignores categories the policy does not define, and reports them', () => {
    const out = evaluatePolicy(policy, [sig('weapons', 0.99)]);
    expect(out.decision).toBe('allow');
    expect(out.unknownCategories).toEqual(['weapons']);
  });
});

describe('policy validation', () => {
  it('names every problem with its path', () => {
    expect(() =>
      parsePolicy({
        id: 'Bad Id',
        version: '',
        categories: [{ id: 'x', thresholds: { review: 0.9, block: 0.5 } }],
      }),
    ).toThrow(
      /id: use lowercase[\s\S]*version[\s\S]*categories\.0\.thresholds: thresholds.review must not be above/,
    );
  });
  it('rejects duplicate categories and unknown keys', () => {
    const cat = { id: 'x', thresholds: { review: 0.1, block: 0.5 } };
    expect(() => parsePolicy({ id: 'p', version: '1', categories: [cat, cat] })).toThrow(
      /duplicate category "x"/,
    );
    expect(() => parsePolicy({ id: 'p', version: '1', categories: [cat], threshold: 1 })).toThrow(
      /threshold/,
    );
  });
  it('fails clearly on a missing or malformed file', () => {
    expect(() => loadPolicyFile('/nonexistent/policy.yaml')).toThrow(/cannot read policy file/);
  });
});
