import type { SQSBatchResponse } from 'aws-lambda';
import type { Detector } from '../../../core/detectors/detector';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { FastTier } from '../../../core/serverless/fast-tier';
import { RedeliverError } from '../../../core/serverless/serverless-errors';
import { JOB_SCHEMA_ID, type JobMessage } from '../../../core/worker/job-message';
import { createFastQueueHandler } from '../../../functions/fast-queue-handler';
import { noTelemetry } from '../../../functions/observability';
import type { ModerationRuntime } from '../../../functions/runtime';
import { createUploadHandler, type UploadSummary } from '../../../functions/upload-handler';
import { testPolicy } from '../../helpers/test-policy';
import {
  brokenDetector,
  CORRUPT_PNG,
  eventBridgeEvent,
  example,
  hateWordDetector,
  imageScoreDetector,
  MemoryQueue,
  s3Event,
  s3Record,
  sqsEvent,
  TestBuckets,
  validJobs,
} from './fixtures';

describe('upload and fast-queue handlers', () => {
  let buckets: TestBuckets;
  let queue: MemoryQueue<JobMessage>;
  let calls: { n: number };
  beforeEach(() => {
    buckets = new TestBuckets();
    queue = new MemoryQueue<JobMessage>();
    calls = { n: 0 };
  });
  afterEach(() => buckets.close());

  const runtime = (detectors: Detector[] = [hateWordDetector(calls), imageScoreDetector(0.1)]) => {
    const rt: ModerationRuntime = {
      telemetry: noTelemetry,
      fastTier: new FastTier({
        engine: new ModerationEngine({ policy: testPolicy(), tier: 'fast', detectors }),
        verdicts: buckets.state.verdicts,
        heavyQueue: queue,
        objects: buckets.store,
      }),
    };
    return async () => rt;
  };
  const verdict = (key: string) => buckets.state.verdicts.get(`s3://uploads/${key}`, '1');

  it('decodes keys from a direct S3 event and moderates every record', async () => {
    buckets.put('uploads', 'a+b.txt', 'plus sign is bad');
    buckets.put('uploads', 'a b.txt', 'a space');
    buckets.copy('uploads', 'café.png', example('images/photo.jpg'));
    buckets.put('uploads', '+.txt', 'plus');
    const handler = createUploadHandler(runtime());
    const summary = await handler(
      s3Event([
        s3Record('uploads', 'a%2Bb.txt', { versionId: '1' }),
        s3Record('uploads', 'a+b.txt', { versionId: '1' }),
        s3Record('uploads', 'caf%C3%A9.png', { versionId: '1' }),
        s3Record('uploads', '%2B.txt', { versionId: '1' }),
      ]),
    );
    expect(summary).toEqual({ moderated: 4, queued: 0, skipped: 0, invalid: 0 });
    expect((await verdict('a+b.txt'))?.decision).toBe('block');
    expect((await verdict('a b.txt'))?.decision).toBe('allow');
    expect((await verdict('café.png'))?.item.media).toBe('image');
    expect((await verdict('+.txt'))?.decision).toBe('allow');
  });

  it('routes: text and images to verdicts, video and audio to jobs, uncertain to both', async () => {
    buckets.put('uploads', 'n.txt', 'hello');
    buckets.copy('uploads', 'p.jpg', example('images/photo.jpg'));
    buckets.copy('uploads', 'v.mp4', example('video/clip.mp4'));
    buckets.copy('uploads', 's.wav', example('audio/speech.wav'));
    const handler = createUploadHandler(runtime([hateWordDetector(calls), imageScoreDetector(0.5)]));
    const summary = await handler(
      s3Event(['n.txt', 'p.jpg', 'v.mp4', 's.wav'].map((k) => s3Record('uploads', k, { versionId: '1' }))),
    );
    expect(summary).toEqual({ moderated: 2, queued: 2, skipped: 0, invalid: 0 });
    expect((await verdict('n.txt'))?.escalation).toBeUndefined();
    expect((await verdict('p.jpg'))?.escalation?.status).toBe('pending');
    expect(await verdict('v.mp4')).toBeUndefined();
    expect(
      validJobs(queue)
        .map((j) => `${j.item.uri} ${j.reason}`)
        .sort(),
    ).toEqual([
      's3://uploads/p.jpg uncertain',
      's3://uploads/s.wav media-audio',
      's3://uploads/v.mp4 media-video',
    ]);
  });

  it('gives one corrupt object its error verdict while the others succeed', async () => {
    buckets.put('uploads', 'good1.txt', 'bad words');
    buckets.put('uploads', 'broken.png', CORRUPT_PNG);
    buckets.put('uploads', 'good2.txt', 'fine words');
    const handler = createUploadHandler(runtime());
    const summary = await handler(
      s3Event(
        ['good1.txt', 'broken.png', 'good2.txt'].map((k) => s3Record('uploads', k, { eTag: `e-${k}` })),
      ),
    );
    expect(summary).toMatchObject({ moderated: 3 });
    expect((await verdict('broken.png'))?.error).toMatchObject({ code: 'corrupt-media', retryable: false });
    expect((await verdict('good1.txt'))?.decision).toBe('block');
    expect((await verdict('good2.txt'))?.decision).toBe('allow');
  });

  it('takes EventBridge events and moderates a version only once', async () => {
    buckets.put('uploads', 'dir/a b.txt', 'bad');
    const handler = createUploadHandler(runtime());
    const event = eventBridgeEvent('uploads', 'dir/a+b.txt', { size: 3, 'version-id': 'v1' });
    expect(await handler(event)).toEqual({ moderated: 1, queued: 0, skipped: 0, invalid: 0 });
    expect(await handler(event)).toEqual({ moderated: 0, queued: 0, skipped: 1, invalid: 0 });
    expect(calls.n).toBe(1);
  });

  it('fails a direct invocation after all records ran when one needs a retry', async () => {
    buckets.put('uploads', 'a.txt', 'bad');
    buckets.put('uploads', 'b.txt', 'fine');
    const handler = createUploadHandler(runtime([brokenDetector]));
    const event = s3Event([s3Record('uploads', 'a.txt', { versionId: '1' })]);
    await expect(handler(event)).rejects.toThrow(RedeliverError);
    await expect(handler(event)).rejects.toThrow(/detectors-failed/);
    // The retryable error verdict is stored meanwhile, so the item has a verdict if the retries run out.
    expect((await verdict('a.txt'))?.error).toMatchObject({ code: 'detectors-failed', retryable: true });
  });

  it('reports only retryable failures in batchItemFailures', async () => {
    buckets.put('uploads', 'ok.txt', 'bad');
    buckets.put('uploads', 'corrupt.png', CORRUPT_PNG);
    buckets.copy('uploads', 'v.mp4', example('video/clip.mp4'));
    buckets.put('uploads', 'flaky.txt', 'flaky');
    const flaky: Detector = {
      ...hateWordDetector(calls),
      detect: (input, ctx) => {
        if ((input as { text: string }).text === 'flaky') throw new Error('model crashed');
        return hateWordDetector(calls).detect(input, ctx);
      },
    };
    const handler = createFastQueueHandler(runtime([flaky, imageScoreDetector(0.1)]));
    queue.failNext = 1;
    const job = {
      schema: JOB_SCHEMA_ID,
      item: { uri: 's3://uploads/ok.txt' },
      reason: 'manual',
      policy: { id: 'test', version: '1' },
      traceId: 'op-1',
      enqueuedAt: '2026-11-26T10:00:00Z',
    };
    const response = (await handler(
      sqsEvent([
        job, // m0: moderated
        s3Event([s3Record('uploads', 'corrupt.png', { versionId: '1' })]), // m1: error verdict, permanent
        s3Event([s3Record('uploads', 'v.mp4', { versionId: '1' })]), // m2: the heavy queue fails: retry
        'not json at all', // m3: dropped
        s3Event([s3Record('uploads', 'flaky.txt', { versionId: '1' })]), // m4: retryable error verdict: retry
        {
          Type: 'Notification',
          Message: JSON.stringify(s3Event([s3Record('uploads', 'ok.txt', { eTag: 'x' })])),
        },
      ]),
    )) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm4' }]);
    expect((await verdict('corrupt.png'))?.decision).toBe('error');
    expect((await verdict('flaky.txt'))?.error?.retryable).toBe(true);

    // Delivered again, the failed ones pass and nothing is moderated twice.
    const before = calls.n;
    const again = await handler(
      sqsEvent([
        s3Event([s3Record('uploads', 'corrupt.png', { versionId: '1' })]),
        s3Event([s3Record('uploads', 'v.mp4', { versionId: '1' })]),
      ]),
    );
    expect(again.batchItemFailures).toEqual([]);
    expect(calls.n).toBe(before);
    expect(validJobs(queue).map((j) => j.reason)).toEqual(['media-video']);
  });

  it('answers an SQS batch sent to the upload function with batchItemFailures', async () => {
    buckets.put('uploads', 'a.txt', 'bad');
    const handler = createUploadHandler(runtime([brokenDetector]));
    const response = (await handler(
      sqsEvent([s3Event([s3Record('uploads', 'a.txt', { versionId: '1' })])]),
    )) as SQSBatchResponse;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
  });

  it('returns an empty summary for the S3 test event', async () => {
    const handler = createUploadHandler(runtime());
    const summary = (await handler({ Service: 'Amazon S3', Event: 's3:TestEvent' })) as UploadSummary;
    expect(summary).toEqual({ moderated: 0, queued: 0, skipped: 0, invalid: 0 });
  });
});
