import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { classifyVerdict } from '../../../core/sweep/classify-verdict';
import { redecideVerdict } from '../../../core/sweep/redecide-verdict';
import { VerdictSchema } from '../../../core/verdict/verdict';
import { testPolicy } from '../../helpers/test-policy';
import { MemoryResolver, wordDetector } from './sweep-fixtures';

const uri = 'file:///items/a.txt';
const resolver = new MemoryResolver(new Map([[uri, 'bad words, buy now']]));
const policyA = testPolicy();
const policyB = testPolicy({
  version: '2',
  categories: [
    { id: 'hate', thresholds: { review: 0.3, block: 0.55 }, actions: { block: ['quarantine'] } },
    { id: 'spam', thresholds: { review: 0.25, block: 0.9 }, actions: { review: ['tag'] } },
  ],
});

function engine(policy = policyA, detectorVersion = '1') {
  return new ModerationEngine({ policy, tier: 'fast', detectors: [wordDetector(detectorVersion)] });
}

async function verdictUnder(e: ModerationEngine) {
  return e.moderate(await resolver.resolve(uri), { runId: 'scan' });
}

describe('classifyVerdict', () => {
  it('leaves a verdict under the same policy and scoring unchanged', async () => {
    const e = engine();
    expect(classifyVerdict(await verdictUnder(e), e).kind).toBe('unchanged');
  });

  it('re-decides a threshold-only change and re-scores a detector change', async () => {
    const v = await verdictUnder(engine());
    expect(classifyVerdict(v, engine(policyB))).toMatchObject({ kind: 'redecide' });
    expect(classifyVerdict(v, engine(policyA, '2')).kind).toBe('rescore');
    expect(classifyVerdict(v, engine(testPolicy({ version: '3', disabledDetectors: ['words'] }))).kind).toBe(
      'rescore',
    );
  });

  it('re-scores error verdicts, verdicts without a scoring hash and items over the new size limit', async () => {
    const v = await verdictUnder(engine());
    const b = engine(policyB);
    const { scoringHash: _, ...policyWithoutHash } = v.policy;
    expect(classifyVerdict({ ...v, policy: policyWithoutHash }, b).reason).toBe('no scoring hash recorded');
    expect(
      classifyVerdict(
        {
          ...v,
          decision: 'error',
          error: { code: 'unreadable', message: 'x', retryable: true },
        },
        b,
      ).kind,
    ).toBe('rescore');
    const small = engine(testPolicy({ version: '4', limits: { maxTextBytes: 4 } }));
    expect(classifyVerdict(v, small).reason).toBe('item exceeds the new size limit');
  });

  it('ignores video settings for text but not for video', () => {
    const a = engine();
    const b = engine(testPolicy({ version: '5', video: { fps: 0.5 } }));
    expect(a.scoringHash('text', 'fast')).toBe(b.scoringHash('text', 'fast'));
    expect(a.scoringHash('video', 'heavy')).not.toBe(b.scoringHash('video', 'heavy'));
  });
});

describe('redecideVerdict', () => {
  it('gives what a fresh moderation under the new policy gives, without running a detector', async () => {
    const old = await verdictUnder(engine());
    const fresh = await verdictUnder(engine(policyB));
    const now = new Date('2026-12-01T00:00:00Z');
    const next = redecideVerdict(old, policyB, { runId: 'sweep-1', now });
    expect(VerdictSchema.parse(next)).toBeTruthy();
    for (const field of [
      'decision',
      'categories',
      'segments',
      'signals',
      'actions',
      'tier',
      'item',
    ] as const) {
      expect(next[field]).toEqual(fresh[field]);
    }
    expect(next.policy).toEqual(fresh.policy);
    expect(next.decision).not.toBe(old.decision);
    expect(next).toMatchObject({
      runId: 'sweep-1',
      createdAt: now.toISOString(),
      redecided: { fromPolicyVersion: '1', scoredAt: old.createdAt },
    });
    // The runs are the original ones: nothing ran again.
    expect(next.detectors).toEqual(old.detectors);
  });

  it('keeps pointing at the verdict whose detectors ran across chained re-decisions', async () => {
    const old = await verdictUnder(engine());
    const once = redecideVerdict(old, policyB, { now: new Date() });
    const twice = redecideVerdict(once, testPolicy({ version: '9' }), { now: new Date() });
    expect(twice.redecided).toEqual(once.redecided);
    expect(twice.runId).toBeUndefined();
  });
});
