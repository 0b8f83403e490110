import { Readable } from 'node:stream';
import type { Detector, DetectorContext, TextContent } from '../../../core/detectors/detector';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import type { ContentCache } from '../../../core/ports/content-cache';
import { contentKeyString } from '../../../core/ports/content-cache';
import { type CachedResult, VerdictSchema } from '../../../core/verdict/verdict';
import { testPolicy } from '../../helpers/test-policy';

function detector(
  id: string,
  impl: (t: TextContent, ctx: DetectorContext) => ReturnType<Detector['detect']>,
  extra: Partial<Detector> = {},
): Detector {
  return {
    id,
    version: '1',
    media: ['text'],
    tiers: ['fast'],
    detect: (input, ctx) => impl(input as TextContent, ctx),
    ...extra,
  };
}

const hateWord = detector('hate-word', (t) => {
  const i = t.normalized.text.indexOf('bad');
  if (i < 0) return [];
  return [
    {
      detector: 'hate-word',
      category: 'hate',
      label: 'w',
      score: 0.9,
      evidence: [
        { kind: 'span', start: t.normalized.offsets[i] ?? 0, end: t.normalized.offsets[i + 3] ?? 0 },
      ],
    },
  ];
});

function source(content: Buffer | string, uri = 'file:///x.txt') {
  const buf = Buffer.from(content);
  return { uri, size: buf.length, open: async () => Readable.from([buf]) };
}

class MemoryCache implements ContentCache {
  readonly map = new Map<string, CachedResult>();
  async get(k: Parameters<ContentCache['get']>[0]) {
    return this.map.get(contentKeyString(k));
  }
  async put(k: Parameters<ContentCache['put']>[0], r: CachedResult) {
    this.map.set(contentKeyString(k), r);
  }
}

describe('ModerationEngine', () => {
  const now = () => new Date('2026-01-02T03:04:05.000Z');

  it('warmUp loads only the detectors its own tier runs; media routed to the other tier load on first use', async () => {
    const inited: string[] = [];
    const make = (id: string, media: Detector['media'], tiers: Detector['tiers']) =>
      detector(id, async () => [], {
        media,
        tiers,
        init: async () => {
          inited.push(id);
        },
      });
    const engine = new ModerationEngine({
      policy: testPolicy(),
      tier: 'fast',
      tierFor: (m) => (m === 'video' ? 'heavy' : 'fast'),
      detectors: [
        make('text', ['text'], ['fast', 'heavy']),
        make('image-fast', ['image'], ['fast']),
        make('image-heavy', ['image'], ['heavy']),
        make('video-frames', ['video'], ['heavy']),
      ],
      now,
    });
    await engine.warmUp();
    expect(inited.sort()).toEqual(['image-fast', 'text']);
  });

  it('produces a schema-valid verdict with signals, categories, detectors and policy', async () => {
    const engine = new ModerationEngine({ policy: testPolicy(), tier: 'fast', detectors: [hateWord], now });
    const v = await engine.moderate(source('this is BAD text'), { runId: 'r1' });
    expect(VerdictSchema.parse(v)).toBeTruthy();
    expect(v).toMatchObject({
      decision: 'block',
      categories: [{ id: 'hate', score: 0.9, decision: 'block' }],
      item: { uri: 'file:///x.txt', media: 'text', format: 'utf-8', bytes: 16 },
      policy: { id: 'test', version: '1' },
      tier: 'fast',
      runId: 'r1',
      actions: ['tag', 'quarantine'],
      cached: false,
      createdAt: '2026-01-02T03:04:05.000Z',
    });
    expect(v.item.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.detectors.map((d) => [d.id, d.status])).toEqual([
      ['text-decode', 'ok'],
      ['hate-word', 'ok'],
    ]);
    const span = v.signals[0]?.evidence[0];
    expect(span && span.kind === 'span' && 'this is BAD text'.slice(span.start, span.end)).toBe('BAD');
  });

  it('isolates a failing detector and records it, keeping the others', async () => {
    const broken = detector('broken', () => {
      throw new Error('boom');
    });
    const engine = new ModerationEngine({
      policy: testPolicy(),
      tier: 'fast',
      detectors: [broken, hateWord],
    });
    const v = await engine.moderate(source('bad'));
    expect(v.decision).toBe('block');
    expect(v.detectors.find((d) => d.id === 'broken')).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('boom'),
    });
  });

  it('times out a slow detector', async () => {
    const slow = detector(
      'slow',
      (_t, ctx) =>
        new Promise<[]>((r) => {
          const timer = setTimeout(() => r([]), 5_000);
          ctx.signal.addEventListener('abort', () => clearTimeout(timer));
        }),
    );
    const policy = testPolicy({ limits: { detectorTimeoutMs: 50 } });
    const engine = new ModerationEngine({ policy, tier: 'fast', detectors: [slow, hateWord] });
    const v = await engine.moderate(source('fine'));
    expect(v.decision).toBe('allow');
    expect(v.detectors.find((d) => d.id === 'slow')).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('detector-timeout'),
    });
  });

  it('gives an error verdict when every detector failed', async () => {
    const broken = detector('broken', () => Promise.reject(new Error('down')));
    const v = await new ModerationEngine({
      policy: testPolicy(),
      tier: 'fast',
      detectors: [broken],
    }).moderate(source('x'));
    expect(v).toMatchObject({ decision: 'error', error: { code: 'detectors-failed', retryable: true } });
    expect(VerdictSchema.safeParse(v).success).toBe(true);
  });

  it('skips detectors the policy disables', async () => {
    const policy = testPolicy({ disabledDetectors: ['hate-word'] });
    const quiet = detector('quiet', () => []);
    const v = await new ModerationEngine({ policy, tier: 'fast', detectors: [hateWord, quiet] }).moderate(
      source('bad'),
    );
    expect(v.decision).toBe('allow');
    expect(v.detectors.find((d) => d.id === 'hate-word')?.status).toBe('skipped');
  });

  it('never allows an item that no detector looked at', async () => {
    const policy = testPolicy({ disabledDetectors: ['hate-word'] });
    const v = await new ModerationEngine({ policy, tier: 'fast', detectors: [hateWord] }).moderate(
      source('bad'),
    );
    expect(v).toMatchObject({ decision: 'error', error: { code: 'detectors-skipped', retryable: false } });
    expect(VerdictSchema.safeParse(v).success).toBe(true);
  });

  it('only runs detectors of its tier', async () => {
    const heavyOnly = detector(
      'heavy-only',
      () => [{ detector: 'heavy-only', category: 'spam', label: 's', score: 1, evidence: [] }],
      { tiers: ['heavy'] },
    );
    const v = await new ModerationEngine({
      policy: testPolicy(),
      tier: 'fast',
      detectors: [heavyOnly, hateWord],
    }).moderate(source('ok'));
    expect(v.detectors.map((d) => d.id)).not.toContain('heavy-only');
  });

  it('marks invalid encoding and still scans the text', async () => {
    const v = await new ModerationEngine({
      policy: testPolicy(),
      tier: 'fast',
      detectors: [hateWord],
    }).moderate(
      source(Buffer.concat([Buffer.from('so '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' bad')])),
    );
    expect(v.decision).toBe('block');
    expect(v.signals.find((s) => s.label === 'invalid-encoding')).toMatchObject({
      detector: 'text-decode',
      category: null,
    });
  });

  it('never scores identical content twice: the second item reuses the cache', async () => {
    const calls: string[] = [];
    const counting = detector('count', (t) => {
      calls.push(t.text);
      return [];
    });
    const cache = new MemoryCache();
    const engine = new ModerationEngine({ policy: testPolicy(), tier: 'fast', detectors: [counting], cache });
    const a = await engine.moderate(source('same bytes', 'file:///a'));
    const b = await engine.moderate(source('same bytes', 'file:///b'));
    expect(calls).toHaveLength(1);
    expect(a.cached).toBe(false);
    expect(b).toMatchObject({ cached: true, item: { uri: 'file:///b' } });
    const other = new ModerationEngine({
      policy: testPolicy({ version: '2' }),
      tier: 'fast',
      detectors: [counting],
      cache,
    });
    await other.moderate(source('same bytes', 'file:///c'));
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['empty item', Buffer.alloc(0), 'empty-item'],
    ['binary junk', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31) % 256)), 'unsupported-media'],
    [
      'image without image detectors',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]),
      'not-implemented',
    ],
  ])('gives an error verdict for %s', async (_name, bytes, code) => {
    const v = await new ModerationEngine({
      policy: testPolicy(),
      tier: 'fast',
      detectors: [hateWord],
    }).moderate(source(bytes));
    expect(v).toMatchObject({ decision: 'error', error: { code } });
    expect(VerdictSchema.safeParse(v).success).toBe(true);
  });

  it('refuses text over the size limit in bounded memory, with the exact hash and size', async () => {
    const policy = testPolicy({ limits: { maxTextBytes: 1024 } });
    const big = Buffer.alloc(10_000, 'a');
    const v = await new ModerationEngine({ policy, tier: 'fast', detectors: [hateWord] }).moderate(
      source(big),
    );
    expect(v).toMatchObject({
      decision: 'error',
      error: { code: 'too-large' },
      item: { bytes: 10_000, media: 'text' },
    });
    expect(v.item.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('turns an unreadable item into an error verdict', async () => {
    const { UnreadableItemError } = await import('../../../core/errors');
    const engine = new ModerationEngine({ policy: testPolicy(), tier: 'fast', detectors: [hateWord] });
    const v = await engine.moderate({
      uri: 'file:///gone',
      size: 0,
      open: () => Promise.reject(new UnreadableItemError('ENOENT')),
    });
    expect(v).toMatchObject({ decision: 'error', error: { code: 'unreadable', retryable: false } });
  });
});
