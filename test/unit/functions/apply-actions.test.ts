import { TransientStoreError } from '../../../core/errors';
import {
  applyActions,
  plannedActions,
  quarantineMetadata,
  sameActionOutcome,
  statusTags,
  type VerdictEvent,
  verdictEvent,
} from '../../../core/serverless/apply-actions';
import {
  ActionRequestError,
  ActionsFailedError,
  ActionsRejectedError,
  ObjectMissingError,
} from '../../../core/serverless/serverless-errors';
import { type Call, RecordingTarget, sampleVerdict } from './fixtures';

const quarantine = { bucket: 'quarantine', prefix: 'held/' };
const noWait = { tries: 3, sleep: async () => undefined };

describe('applyActions', () => {
  it('tags, quarantines and notifies, in that order', async () => {
    const target = new RecordingTarget();
    const result = await applyActions(sampleVerdict(), target, { quarantine, retry: noWait });
    expect(target.calls.map((c) => c[0])).toEqual(['tagObject', 'copyObject', 'putEvent']);
    const [, object, tags] = target.calls[0] as Call;
    expect(object).toEqual({ bucket: 'uploads', key: 'dir/a b.png' });
    expect(tags).toEqual({
      'winnow:decision': 'block',
      'winnow:categories': 'hate spam',
      'winnow:policy-version': '2026-11-26.2',
    });
    const [, from, to, metadata] = target.calls[1] as Call;
    expect(from).toEqual({ bucket: 'uploads', key: 'dir/a b.png' });
    expect(to).toEqual({ bucket: 'quarantine', key: 'held/uploads/dir/a b.png' });
    expect(metadata).toMatchObject({
      'winnow-decision': 'block',
      'winnow-categories': 'hate spam',
      'winnow-policy-id': 'default',
      'winnow-policy-version': '2026-11-26.2',
      'winnow-sha256': 'a'.repeat(64),
      'winnow-tier': 'fast',
      'winnow-source': 's3://uploads/dir/a b.png',
    });
    const [, event] = target.calls[2] as [string, VerdictEvent];
    expect(event).toMatchObject({
      source: 'winnow',
      detailType: 'Verdict',
      resources: ['arn:aws:s3:::uploads/dir/a b.png'],
      detail: {
        schema: 'winnow.verdict-event/v1',
        uri: 's3://uploads/dir/a b.png',
        decision: 'block',
        categories: [
          { id: 'hate', score: 0.9, decision: 'block' },
          { id: 'spam', score: 0.6, decision: 'review' },
        ],
        policy: { id: 'default', version: '2026-11-26.2' },
        tier: 'fast',
      },
    });
    // The summary never carries content: no signals, evidence or segments.
    expect(Object.keys(event.detail).sort()).toEqual(
      [
        'actions',
        'categories',
        'createdAt',
        'decision',
        'id',
        'media',
        'policy',
        'schema',
        'sha256',
        'tier',
        'uri',
      ].sort(),
    );
    expect(result.steps.map((s) => `${s.action}:${s.status}`)).toEqual([
      'tag:done',
      'quarantine:done',
      'notify:done',
    ]);
  });

  it('is idempotent: the same calls with the same arguments every time', async () => {
    const first = new RecordingTarget();
    const second = new RecordingTarget();
    await applyActions(sampleVerdict(), first, { quarantine, retry: noWait });
    // Re-moderated later (a new createdAt and run): the same tags, destination and event id.
    await applyActions(sampleVerdict({ createdAt: '2026-11-27T00:00:00.000Z', runId: 'other' }), second, {
      quarantine,
      retry: noWait,
    });
    const strip = (calls: Call[]) =>
      JSON.parse(JSON.stringify(calls).replace(/2026-11-2[67]T00:00:00.000Z|2026-11-26T10:00:00.000Z/g, 'T'));
    expect(strip(second.calls)).toEqual(strip(first.calls));
    const id = (t: RecordingTarget) => (t.calls[2]?.[1] as VerdictEvent | undefined)?.detail.id;
    expect(id(first)).toMatch(/^[0-9a-f]{32}$/);
    expect(id(second)).toBe(id(first));
    expect(verdictEvent(sampleVerdict({ decision: 'review' })).detail.id).not.toBe(id(first));
  });

  it('retries transient failures and succeeds', async () => {
    const target = new RecordingTarget();
    target.failures.tagObject = [new TransientStoreError('SlowDown'), new TransientStoreError('SlowDown')];
    target.failures.putEvent = [new Error('socket hang up')];
    const result = await applyActions(sampleVerdict(), target, { quarantine, retry: noWait });
    expect(target.calls.map((c) => c[0])).toEqual([
      'tagObject',
      'tagObject',
      'tagObject',
      'copyObject',
      'putEvent',
      'putEvent',
    ]);
    expect(result.steps.every((s) => s.status === 'done')).toBe(true);
  });

  it('runs every step, then throws a retryable error when retries ran out', async () => {
    const target = new RecordingTarget();
    target.failures.copyObject = [1, 2, 3].map(() => new TransientStoreError('InternalError'));
    const err = await applyActions(sampleVerdict(), target, { quarantine, retry: noWait }).catch((e) => e);
    expect(err).toBeInstanceOf(ActionsFailedError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/quarantine: transient-store/);
    expect(err.result.steps.map((s: { status: string }) => s.status)).toEqual(['done', 'failed', 'done']);
  });

  it('throws a permanent error for permanent failures, without retrying them', async () => {
    const target = new RecordingTarget();
    target.failures.tagObject = [new ActionRequestError('AccessDenied')];
    const err = await applyActions(sampleVerdict(), target, { quarantine, retry: noWait }).catch((e) => e);
    expect(err).toBeInstanceOf(ActionsRejectedError);
    expect(target.calls.filter((c) => c[0] === 'tagObject')).toHaveLength(1);
    // Without a quarantine location the quarantine step fails for good too.
    const bare = new RecordingTarget();
    await expect(applyActions(sampleVerdict(), bare, { retry: noWait })).rejects.toThrow(
      /no quarantine location/,
    );
  });

  it('skips object actions when the object is gone, and for items that are not S3 objects', async () => {
    const target = new RecordingTarget();
    target.failures.tagObject = [new ObjectMissingError('NoSuchKey')];
    target.failures.copyObject = [new ObjectMissingError('NoSuchKey')];
    const result = await applyActions(sampleVerdict(), target, { quarantine, retry: noWait });
    expect(result.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'done']);
    const local = new RecordingTarget();
    const item = {
      uri: 'file:///tmp/a.png',
      sha256: 'a'.repeat(64),
      media: 'image' as const,
      format: 'png',
      bytes: 1,
    };
    const r = await applyActions(sampleVerdict({ item }), local, { quarantine, retry: noWait });
    expect(r.steps.map((s) => `${s.action}:${s.status}`)).toEqual([
      'tag:skipped',
      'quarantine:skipped',
      'notify:done',
    ]);
    expect((local.calls[0]?.[1] as VerdictEvent | undefined)?.resources).toEqual([]);
  });

  it('marks with metadata through a copy in place when asked', async () => {
    const target = new RecordingTarget();
    await applyActions(sampleVerdict({ actions: ['tag'] }), target, { marker: 'metadata', retry: noWait });
    expect(target.calls).toEqual([
      [
        'copyObject',
        { bucket: 'uploads', key: 'dir/a b.png' },
        { bucket: 'uploads', key: 'dir/a b.png' },
        {
          'winnow-decision': 'block',
          'winnow-categories': 'hate spam',
          'winnow-policy-version': '2026-11-26.2',
        },
      ],
    ]);
  });

  it('does nothing without actions, but re-marks a verdict that resolved an escalation', async () => {
    const target = new RecordingTarget();
    const allow = sampleVerdict({ decision: 'allow', categories: [], actions: [] });
    expect((await applyActions(allow, target, { retry: noWait })).steps).toEqual([]);
    const resolved = {
      ...allow,
      tier: 'heavy' as const,
      escalation: { status: 'resolved' as const, reason: 'x', from: 'fast' as const },
    };
    expect(plannedActions(resolved)).toEqual(['tag']);
    await applyActions(resolved, target, { retry: noWait });
    expect(target.calls[0]?.[2]).toEqual({
      'winnow:decision': 'allow',
      'winnow:categories': 'none',
      'winnow:policy-version': '2026-11-26.2',
    });
  });
});

describe('marker values', () => {
  it('keep tag values within what S3 accepts', () => {
    const tags = statusTags(sampleVerdict({ policy: { id: 'p', version: 'v1, "draft"' } }));
    expect(tags['winnow:policy-version']).toBe('v1_ _draft_');
    const many = Array.from({ length: 60 }, (_, i) => ({
      id: `category-${i}`,
      score: 0.9,
      decision: 'block' as const,
    }));
    const value = statusTags(sampleVerdict({ categories: many }))['winnow:categories'] as string;
    expect(value.length).toBeLessThanOrEqual(256);
    expect(value.split(' ').every((id) => /^category-\d+$/.test(id))).toBe(true);
  });

  it('percent-encode non-ASCII metadata and leave out a source URI that does not fit', () => {
    const meta = quarantineMetadata(
      sampleVerdict({ item: { ...sampleVerdict().item, uri: 's3://b/café.png' } }),
    );
    expect(meta['winnow-source']).toBe('s3://b/caf%C3%A9.png');
    const long = quarantineMetadata(
      sampleVerdict({ item: { ...sampleVerdict().item, uri: `s3://b/${'k'.repeat(3000)}` } }),
    );
    expect(long['winnow-source']).toBeUndefined();
  });
});

describe('sameActionOutcome', () => {
  it('tells a rewrite of the same outcome from a changed one', () => {
    const v = sampleVerdict();
    expect(
      sameActionOutcome(
        v,
        sampleVerdict({ runId: 'again', createdAt: '2026-12-01T00:00:00.000Z', cached: true }),
      ),
    ).toBe(true);
    expect(sameActionOutcome(v, sampleVerdict({ decision: 'review' }))).toBe(false);
    expect(sameActionOutcome(v, sampleVerdict({ actions: ['tag'] }))).toBe(false);
  });
});
