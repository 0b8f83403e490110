import type { Detector } from '../../../core/detectors/detector';
import { TransientStoreError } from '../../../core/errors';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import type { Policy } from '../../../core/policy/policy';
import type { VerdictStore } from '../../../core/ports/verdict-store';
import { FastTier, type ItemOutcome } from '../../../core/serverless/fast-tier';
import type { S3ObjectEvent } from '../../../core/serverless/s3-events';
import { VerdictSchema } from '../../../core/verdict/verdict';
import { JOB_SCHEMA_ID, type JobMessage } from '../../../core/worker/job-message';
import { testPolicy } from '../../helpers/test-policy';
import {
  brokenDetector,
  CORRUPT_PNG,
  example,
  hateWordDetector,
  imageScoreDetector,
  MemoryQueue,
  s3Event,
  s3Record,
  TestBuckets,
  validJobs,
} from './fixtures';

describe('FastTier', () => {
  let buckets: TestBuckets;
  let queue: MemoryQueue<JobMessage>;
  let calls: { n: number };
  beforeEach(() => {
    buckets = new TestBuckets();
    queue = new MemoryQueue<JobMessage>();
    calls = { n: 0 };
  });
  afterEach(() => buckets.close());

  const tier = (
    options: { detectors?: Detector[]; policy?: Policy; verdicts?: VerdictStore; skip?: boolean } = {},
  ) =>
    new FastTier({
      engine: new ModerationEngine({
        policy: options.policy ?? testPolicy(),
        tier: 'fast',
        detectors: options.detectors ?? [hateWordDetector(calls), imageScoreDetector(0.1)],
      }),
      verdicts: options.verdicts ?? buckets.state.verdicts,
      heavyQueue: queue,
      objects: buckets.store,
      skip: options.skip ? [{ bucket: 'quarantine', prefix: 'held/' }] : [],
    });
  const event = (key: string, extra: Partial<S3ObjectEvent> = {}): S3ObjectEvent => ({
    bucket: 'uploads',
    key,
    eventName: 'ObjectCreated:Put',
    ...extra,
  });
  const verdictOf = (o: ItemOutcome) => {
    if (o.status !== 'moderated') throw new Error(`expected a verdict, got ${o.status}`);
    return o.verdict;
  };

  it('moderates text and stores the verdict under the object version', async () => {
    buckets.put('uploads', 'notes/a b.txt', 'this is bad text');
    const outcome = await tier().object(event('notes/a b.txt', { size: 16, versionId: 'v1' }));
    const verdict = verdictOf(outcome);
    expect(VerdictSchema.parse(verdict)).toBeTruthy();
    expect(verdict).toMatchObject({
      item: { uri: 's3://uploads/notes/a b.txt', media: 'text', bytes: 16 },
      decision: 'block',
      tier: 'fast',
      runId: expect.stringMatching(/^s3obj-/),
    });
    expect(await buckets.state.verdicts.get('s3://uploads/notes/a b.txt', '1')).toEqual(verdict);
    expect(queue.sent).toEqual([]);
    // The sniff is a ranged read of the head only; the engine reads the whole object once.
    expect(buckets.gets).toEqual([{ key: 'notes/a b.txt', start: 0, end: 15 }, { key: 'notes/a b.txt' }]);
  });

  it('moderates the same object version once, and a new version again', async () => {
    buckets.put('uploads', 'a.txt', 'bad');
    const fast = tier();
    const first = await fast.object(event('a.txt', { size: 3, versionId: 'v1' }));
    const again = await fast.object(event('a.txt', { size: 3, versionId: 'v1' }));
    expect(first.status).toBe('moderated');
    expect(again).toEqual({ status: 'skipped', uri: 's3://uploads/a.txt', reason: 'already-moderated' });
    expect(calls.n).toBe(1);
    // Without versioning the ETag tells versions apart.
    await fast.object(event('a.txt', { size: 3, versionId: 'v2' }));
    await fast.object(event('a.txt', { size: 3, etag: 'e1' }));
    await fast.object(event('a.txt', { size: 3, etag: 'e1' }));
    expect(calls.n).toBe(3);
  });

  it('moderates an image and returns a plain verdict when it is certain', async () => {
    buckets.copy('uploads', 'pics/photo.jpg', example('images/photo.jpg'));
    const verdict = verdictOf(await tier().object(event('pics/photo.jpg', { etag: 'p1' })));
    expect(verdict).toMatchObject({ item: { media: 'image', format: 'jpeg' }, decision: 'allow' });
    expect(verdict.escalation).toBeUndefined();
    expect(queue.sent).toEqual([]);
  });

  it('stores an uncertain image verdict as pending and queues the item for the heavy tier', async () => {
    buckets.copy('uploads', 'pics/photo.jpg', example('images/photo.jpg'));
    const fast = tier({ detectors: [imageScoreDetector(0.5)] });
    const outcome = await fast.object(event('pics/photo.jpg', { versionId: 'v1' }));
    const verdict = verdictOf(outcome);
    expect(outcome).toMatchObject({ escalated: true, retry: false });
    expect(verdict.escalation).toMatchObject({ status: 'pending' });
    expect(await buckets.state.verdicts.get('s3://uploads/pics/photo.jpg', '1')).toEqual(verdict);
    const [job] = validJobs(queue);
    expect(job).toMatchObject({
      schema: JOB_SCHEMA_ID,
      reason: 'uncertain',
      item: { uri: 's3://uploads/pics/photo.jpg', sha256: verdict.item.sha256, size: verdict.item.bytes },
      policy: { id: 'test', version: '1' },
      traceId: verdict.runId,
      attempt: 1,
    });
    // A redelivery finds the pending verdict and sends nothing more.
    expect((await fast.object(event('pics/photo.jpg', { versionId: 'v1' }))).status).toBe('skipped');
    expect(queue.sent).toHaveLength(1);
  });

  it.each([
    ['video/clip.mp4', 'media-video'],
    ['video/clip.webm', 'media-video'],
    ['audio/tone.mp3', 'media-audio'],
    ['audio/speech.wav', 'media-audio'],
  ])('sends %s to the heavy tier without moderating it', async (file, reason) => {
    buckets.copy('uploads', `in/${file}`, example(file));
    const outcome = await tier().object(event(`in/${file}`, { versionId: 'v7' }));
    expect(outcome).toEqual({ status: 'queued', uri: `s3://uploads/in/${file}`, reason });
    const [job] = validJobs(queue);
    expect(job).toMatchObject({
      reason,
      item: { uri: `s3://uploads/in/${file}` },
      traceId: expect.any(String),
    });
    expect(await buckets.state.verdicts.get(`s3://uploads/in/${file}`, '1')).toBeUndefined();
    // Only the head was read.
    expect(buckets.gets).toEqual([{ key: `in/${file}`, start: 0, end: 4095 }]);
  });

  it('gives bad objects error verdicts: corrupt, empty, missing, too large, unsupported', async () => {
    buckets.put('uploads', 'corrupt.png', CORRUPT_PNG);
    buckets.put('uploads', 'empty.txt', '');
    buckets.put('uploads', 'big.txt', 'x'.repeat(2000));
    buckets.put('uploads', 'blob.bin', Buffer.alloc(2000, 0));
    const fast = tier({ policy: testPolicy({ limits: { maxTextBytes: 1000 } }) });
    const codes: Record<string, string | undefined> = {};
    for (const key of ['corrupt.png', 'empty.txt', 'missing.txt', 'big.txt', 'blob.bin']) {
      const verdict = verdictOf(await fast.object(event(key, { versionId: 'v1' })));
      expect(verdict.decision).toBe('error');
      expect(VerdictSchema.parse(verdict)).toBeTruthy();
      codes[key] = verdict.error?.code;
    }
    expect(codes).toEqual({
      'corrupt.png': 'corrupt-media',
      'empty.txt': 'empty-item',
      'missing.txt': 'unreadable',
      'big.txt': 'too-large',
      'blob.bin': 'unsupported-media',
    });
    // Too large and unsupported were decided from the head: never read whole.
    expect(buckets.gets.filter((g) => g.start === undefined).map((g) => g.key)).toEqual([
      'corrupt.png',
      'empty.txt',
    ]);
  });

  it('skips the quarantine location and folder placeholders', async () => {
    const fast = tier({ skip: true });
    expect(await fast.object({ ...event('held/x.txt'), bucket: 'quarantine' })).toMatchObject({
      status: 'skipped',
      reason: 'quarantine-location',
    });
    expect(await fast.object(event('folder/', { size: 0 }))).toMatchObject({ reason: 'folder-marker' });
  });

  it('handles job messages on the fast queue, trusting no size hint', async () => {
    buckets.put('uploads', 'j.txt', 'bad');
    buckets.copy('uploads', 'j.mp4', example('video/clip.mp4'));
    const fast = tier();
    const job = (uri: string, traceId: string) => ({
      schema: JOB_SCHEMA_ID,
      item: { uri, size: 0 },
      reason: 'backfill',
      policy: { id: 'test', version: '1' },
      traceId,
      enqueuedAt: '2026-11-26T10:00:00Z',
    });
    const text = await fast.payload(JSON.stringify(job('s3://uploads/j.txt', 't-1')));
    expect(text.items).toEqual([expect.objectContaining({ status: 'moderated' })]);
    expect(verdictOf(text.items[0] as ItemOutcome)).toMatchObject({ decision: 'block', runId: 't-1' });
    const video = await fast.payload(job('s3://uploads/j.mp4', 't-2'));
    expect(video.items).toEqual([{ status: 'queued', uri: 's3://uploads/j.mp4', reason: 'media-video' }]);
    expect(validJobs(queue)[0]).toMatchObject({ traceId: 't-2', reason: 'media-video' });
    const local = await fast.payload(job('file:///etc/passwd', 't-3'));
    expect(verdictOf(local.items[0] as ItemOutcome).error).toMatchObject({ code: 'unreadable' });
  });

  it('drops payloads it cannot use, without retrying them', async () => {
    const fast = tier();
    for (const body of ['not json', '{"hello":1}', { schema: 'winnow.job/v2' }, { schema: JOB_SCHEMA_ID }]) {
      const outcome = await fast.payload(body);
      expect(outcome).toMatchObject({ items: [], retry: false, failures: [] });
      expect(outcome.invalid).toHaveLength(1);
    }
  });

  it('keeps going after a failing record and asks for a retry', async () => {
    buckets.put('uploads', 'a.txt', 'bad');
    buckets.put('uploads', 'b.txt', 'fine');
    buckets.copy('uploads', 'c.mp4', example('video/clip.mp4'));
    queue.failNext = 1;
    const outcome = await tier().payload(
      s3Event([
        s3Record('uploads', 'c.mp4', { versionId: 'v1' }),
        s3Record('uploads', 'a.txt', { versionId: 'v1' }),
        s3Record('uploads', 'b%zz', { versionId: 'v1' }),
        s3Record('uploads', 'b.txt', { versionId: 'v1' }),
      ]),
    );
    expect(outcome.failures).toEqual([expect.objectContaining({ code: 'transient-store', retryable: true })]);
    expect(outcome.items.map((i) => i.status)).toEqual(['moderated', 'moderated']);
    expect(outcome.invalid).toHaveLength(1);
    expect(outcome.retry).toBe(true);
  });

  it('stores a retryable error verdict, asks for a retry, and replaces it on the retry', async () => {
    buckets.put('uploads', 'a.txt', 'bad');
    const flaky = { fail: true };
    const sometimes: Detector = {
      ...hateWordDetector(calls),
      detect: (input, ctx) => {
        if (flaky.fail) throw new Error('model crashed');
        return hateWordDetector(calls).detect(input, ctx);
      },
    };
    const fast = tier({ detectors: [sometimes] });
    const first = await fast.object(event('a.txt', { versionId: 'v1' }));
    expect(first).toMatchObject({
      retry: true,
      verdict: { decision: 'error', error: { code: 'detectors-failed' } },
    });
    expect((await buckets.state.verdicts.get('s3://uploads/a.txt', '1'))?.decision).toBe('error');
    flaky.fail = false;
    const second = await fast.object(event('a.txt', { versionId: 'v1' }));
    expect(second).toMatchObject({ retry: false, verdict: { decision: 'block' } });
    expect((await buckets.state.verdicts.get('s3://uploads/a.txt', '1'))?.decision).toBe('block');
  });

  it('lets a verdict store failure surface as a retry, never as a lost item', async () => {
    buckets.put('uploads', 'a.txt', 'bad');
    const failing: VerdictStore = {
      get: async () => undefined,
      put: async () => {
        throw new TransientStoreError('throttled');
      },
      query: async () => ({ verdicts: [] }),
    };
    const fast = tier({ verdicts: failing, detectors: [brokenDetector] });
    await expect(fast.object(event('a.txt', { versionId: 'v1' }))).rejects.toThrow(TransientStoreError);
    const outcome = await fast.payload(s3Event([s3Record('uploads', 'a.txt', { versionId: 'v1' })]));
    expect(outcome).toMatchObject({ retry: true, items: [], failures: [{ code: 'transient-store' }] });
  });
});
