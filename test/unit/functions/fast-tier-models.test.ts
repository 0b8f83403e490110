/** @jest-environment ./test/helpers/onnx-environment.js */
import { createDefaultDetectors } from '../../../core/detectors/registry';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { loadPolicy } from '../../../core/policy/load-policy';
import { FastTier } from '../../../core/serverless/fast-tier';
import type { JobMessage } from '../../../core/worker/job-message';
import { noTelemetry } from '../../../functions/observability';
import { createUploadHandler } from '../../../functions/upload-handler';
import { example, MemoryQueue, s3Event, s3Record, TestBuckets, validJobs } from './fixtures';

// The real fast tier: the default policy and detectors (text rules, MobileNetV2, OCR), as the Lambda runs them.
describe('upload handler with the default detectors', () => {
  let buckets: TestBuckets;
  beforeAll(() => {
    buckets = new TestBuckets();
  });
  afterAll(() => buckets.close());

  it('moderates example text and images, and routes video and audio to the heavy tier', async () => {
    const engine = new ModerationEngine({
      policy: loadPolicy(),
      tier: 'fast',
      detectors: createDefaultDetectors(),
    });
    await engine.warmUp();
    const queue = new MemoryQueue<JobMessage>();
    const fastTier = new FastTier({
      engine,
      verdicts: buckets.state.verdicts,
      heavyQueue: queue,
      objects: buckets.store,
    });
    const handler = createUploadHandler(async () => ({ fastTier, telemetry: noTelemetry }));
    const files = [
      'text/hate-dehumanising.txt',
      'text/benign-greeting.txt',
      'images/photo.jpg',
      'images/scam-text.png',
      'video/clip.mp4',
      'audio/threat.wav',
    ];
    for (const f of files) buckets.copy('uploads', `in/${f}`, example(f));
    const summary = await handler(
      s3Event(files.map((f) => s3Record('uploads', `in/${f.replace(/\//g, '%2F')}`, { versionId: '1' }))),
    );
    expect(summary).toEqual({ moderated: 4, queued: 2, skipped: 0, invalid: 0 });
    const verdict = (f: string) => buckets.state.verdicts.get(`s3://uploads/in/${f}`, engine.policy.version);
    const flagged = async (f: string) =>
      (await verdict(f))?.categories.filter((c) => c.decision !== 'allow').map((c) => c.id);
    expect(await flagged('text/hate-dehumanising.txt')).toEqual(['hate']);
    expect(await flagged('text/benign-greeting.txt')).toEqual([]);
    expect(await flagged('images/photo.jpg')).toEqual([]);
    expect(await flagged('images/scam-text.png')).toEqual(['spam']);
    const photo = await verdict('images/photo.jpg');
    expect(photo?.detectors.find((d) => d.id === 'image-nsfw')).toMatchObject({
      status: 'ok',
      model: { id: 'nsfw-mobilenet-v2-mid' },
    });
    expect(validJobs(queue).map((j) => `${j.item.uri} ${j.reason}`)).toEqual([
      's3://uploads/in/video/clip.mp4 media-video',
      's3://uploads/in/audio/threat.wav media-audio',
    ]);
  });
});
