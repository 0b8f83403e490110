import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Detector } from '../../../core/detectors/detector';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { escalationReason } from '../../../core/policy/escalation';
import { VerdictSchema } from '../../../core/verdict/verdict';
import { testPolicy } from '../../helpers/test-policy';

const policy = testPolicy({
  categories: [{ id: 'sexual', thresholds: { review: 0.5, block: 0.85 } }],
  escalation: { band: { from: 0.3, to: 0.85 } },
});

function imageDetector(id: string, tier: 'fast' | 'heavy', score: number | Error): Detector {
  return {
    id,
    version: '1',
    media: ['image'],
    tiers: [tier],
    detect: () => {
      if (score instanceof Error) throw score;
      return [{ detector: id, category: 'sexual', label: 'x', score, evidence: [] }];
    },
  };
}

let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
});
const source = (bytes: Buffer) => ({
  uri: 'file:///x',
  size: bytes.length,
  open: async () => Readable.from([bytes]),
});

function engines(fastScore: number, heavyScore: number | Error) {
  const detectors = [
    imageDetector('fast-img', 'fast', fastScore),
    imageDetector('heavy-img', 'heavy', heavyScore),
  ];
  const heavy = new ModerationEngine({ policy, tier: 'heavy', detectors });
  return {
    cascade: new ModerationEngine({ policy, tier: 'fast', detectors, escalateTo: heavy }),
    fastOnly: new ModerationEngine({ policy, tier: 'fast', detectors }),
  };
}

describe('escalation from the fast to the heavy tier', () => {
  it('an uncertain fast score is decided by the heavy tier, and the verdict says so', async () => {
    const v = await engines(0.6, 0.1).cascade.moderate(source(png));
    expect(VerdictSchema.safeParse(v).success).toBe(true);
    expect(v).toMatchObject({
      tier: 'heavy',
      decision: 'allow',
      escalation: { status: 'resolved', from: 'fast', reason: expect.stringContaining('sexual 0.6') },
    });
    expect(v.detectors.map((d) => d.id)).toContain('heavy-img');
  });

  it('without a heavy engine the fast verdict stands, marked pending for the queue', async () => {
    const v = await engines(0.6, 0.1).fastOnly.moderate(source(png));
    expect(v).toMatchObject({ tier: 'fast', decision: 'review', escalation: { status: 'pending' } });
  });

  it('confident scores and text are not escalated', async () => {
    for (const score of [0.1, 0.29, 0.85, 0.99]) {
      const v = await engines(score, 0.5).cascade.moderate(source(png));
      expect({ score, tier: v.tier, escalation: v.escalation }).toEqual({
        score,
        tier: 'fast',
        escalation: undefined,
      });
    }
    expect(
      escalationReason(policy, 'fast', 'text', [{ id: 'sexual', score: 0.6, decision: 'review' }]),
    ).toBeUndefined();
    expect(
      escalationReason(policy, 'heavy', 'image', [{ id: 'sexual', score: 0.6, decision: 'review' }]),
    ).toBeUndefined();
  });

  it('when the heavy tier fails, the fast verdict stands and stays pending', async () => {
    const v = await engines(0.6, new Error('gpu fell over')).cascade.moderate(source(png));
    expect(v).toMatchObject({
      tier: 'fast',
      decision: 'review',
      escalation: {
        status: 'pending',
        reason: expect.stringContaining('heavy tier failed: detectors-failed'),
      },
    });
  });

  it('a category filter limits which categories escalate', () => {
    const only = testPolicy({
      categories: [
        { id: 'sexual', thresholds: { review: 0.5, block: 0.85 } },
        { id: 'spam', thresholds: { review: 0.5, block: 0.85 } },
      ],
      escalation: { band: { from: 0.3, to: 0.85 }, categories: ['sexual'] },
    });
    const spam = [{ id: 'spam', score: 0.6, decision: 'review' as const }];
    expect(escalationReason(only, 'fast', 'image', spam)).toBeUndefined();
  });
});
