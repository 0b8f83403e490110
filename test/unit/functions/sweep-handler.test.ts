import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import type { ItemSource } from '../../../core/pipeline/moderation-engine';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import type { Policy } from '../../../core/policy/policy';
import { VERDICT_EVENT_SOURCE } from '../../../core/serverless/apply-actions';
import { ActionRequestError, InvalidEventError } from '../../../core/serverless/serverless-errors';
import type { Verdict } from '../../../core/verdict/verdict';
import type { JobMessage } from '../../../core/worker/job-message';
import { readSweepConfig } from '../../../functions/config';
import { noTelemetry } from '../../../functions/observability';
import {
  type ChangePublisher,
  SWEEP_CHANGE_DETAIL_TYPE,
  SWEEP_CHANGE_SCHEMA_ID,
  type SweepChangeEvent,
} from '../../../functions/sweep-change-event';
import { createSweepHandler, type SweepRuntime } from '../../../functions/sweep-handler';
import { testPolicy } from '../../helpers/test-policy';
import { fixedCost, MemoryResolver, memoryVerdictStore, wordDetector } from '../sweep/sweep-fixtures';
import { MemoryQueue, sampleVerdict, validJobs } from './fixtures';

const texts = new Map([
  ['s3://uploads/t/1.txt', 'bad'],
  ['s3://uploads/t/2.txt', 'fine'],
  ['s3://uploads/t/3.txt', 'buy this'],
  ['s3://other/x.txt', 'bad'],
]);
/** Version 2 moves only the thresholds: `bad` (hate 0.6) goes from review to block. */
const thresholdsOnly = testPolicy({
  version: '2',
  categories: [
    { id: 'hate', thresholds: { review: 0.3, block: 0.55 } },
    { id: 'spam', thresholds: { review: 0.5, block: 0.9 } },
  ],
});

class RecordingPublisher implements ChangePublisher {
  readonly events: SweepChangeEvent[] = [];
  failWith?: Error;
  async publish(event: SweepChangeEvent): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.events.push(event);
  }
}

/** Verdicts of the text items under policy version 1, written by the fast tier. */
async function world(resolverDelayMs = 0) {
  const verdicts = memoryVerdictStore();
  const resolver = new SlowResolver(texts, resolverDelayMs);
  const v1 = new ModerationEngine({ policy: testPolicy(), tier: 'fast', detectors: [wordDetector('1')] });
  for (const uri of texts.keys()) await verdicts.put(await v1.moderate(await resolver.resolve(uri)));
  resolver.opened = 0;
  return { verdicts, resolver };
}

function runtime(
  w: Awaited<ReturnType<typeof world>>,
  policy: Policy,
  detectorVersion: string,
  extra: Partial<SweepRuntime> = {},
) {
  const calls = { n: 0 };
  const heavyQueue = new MemoryQueue<JobMessage>();
  const changes = new RecordingPublisher();
  const rt: SweepRuntime = {
    verdicts: w.verdicts,
    engine: new ModerationEngine({ policy, tier: 'fast', detectors: [wordDetector(detectorVersion, calls)] }),
    resolver: w.resolver,
    heavyQueue,
    changes,
    costModel: fixedCost,
    partition: 'aws',
    telemetry: noTelemetry,
    concurrency: 1,
    retry: { tries: 2, sleep: async () => undefined },
    ...extra,
  };
  return { rt, calls, heavyQueue, changes, handler: createSweepHandler(async () => rt) };
}

const lambdaContext = (remainingMs: number) =>
  ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

/** A heavy-tier verdict under policy version 1, as the GPU worker writes it. */
const mediaVerdict = (uri: string, media: 'audio' | 'video'): Verdict =>
  sampleVerdict({
    item: { uri, sha256: 'b'.repeat(64), media, format: media === 'video' ? 'mp4' : 'mp3', bytes: 2048 },
    decision: 'allow',
    categories: [{ id: 'hate', score: 0.1, decision: 'allow' }],
    actions: [],
    tier: 'heavy',
    policy: { id: 'test', version: '1' },
  });

/** Items in memory that take a while to open. */
class SlowResolver extends MemoryResolver {
  constructor(
    items: Map<string, string>,
    private readonly delayMs: number,
  ) {
    super(items);
  }
  override async resolve(uri: string): Promise<ItemSource> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    return super.resolve(uri);
  }
}

describe('sweep handler', () => {
  it('re-decides a threshold-only change from stored scores: no model run, no object read', async () => {
    const w = await world();
    const { handler, calls, heavyQueue, changes } = runtime(w, thresholdsOnly, '1');
    const result = await handler({ sweep: 'nightly' }, lambdaContext(900_000));
    expect(result).toMatchObject({
      sweep: 'nightly',
      examined: 4,
      redecided: 4,
      rescored: 0,
      queued: 0,
      modelRuns: 0,
      estimatedCost: 0,
      changedDecision: 2,
      changeEvents: 2,
      complete: true,
    });
    expect(calls.n).toBe(0);
    expect(w.resolver.opened).toBe(0);
    expect(heavyQueue.sent).toEqual([]);
    expect(changes.events.map((e) => e.detail.uri).sort()).toEqual([
      's3://other/x.txt',
      's3://uploads/t/1.txt',
    ]);
    expect((await w.verdicts.get('s3://uploads/t/1.txt'))?.policy.version).toBe('2');
  });

  it('publishes each changed decision, and only those, as a content-free change event', async () => {
    const w = await world();
    const { handler, changes } = runtime(w, thresholdsOnly, '1');
    const result = await handler({ sweep: 'nightly', bucket: 'uploads', prefix: 't/' });
    expect(result).toMatchObject({ examined: 3, changedDecision: 1, changeEvents: 1 });
    expect(changes.events).toEqual([
      {
        source: VERDICT_EVENT_SOURCE,
        detailType: SWEEP_CHANGE_DETAIL_TYPE,
        resources: ['arn:aws:s3:::uploads/t/1.txt'],
        detail: expect.objectContaining({
          schema: SWEEP_CHANGE_SCHEMA_ID,
          runId: result.runId,
          sweep: 'nightly',
          uri: 's3://uploads/t/1.txt',
          before: 'review',
          after: 'block',
          beforePolicyVersion: '1',
          policyVersion: '2',
          via: 'redecide',
        }),
      },
    ]);
    const detail = JSON.stringify(changes.events[0]?.detail);
    expect(detail).not.toMatch(/signals|evidence|"bad"/);

    // Run again: everything is under version 2 already, so nothing changes and nothing is published.
    const again = await handler({ sweep: 'nightly', bucket: 'uploads', prefix: 't/' });
    expect(again).toMatchObject({ examined: 3, unchanged: 3, changedDecision: 0, changeEvents: 0 });
    expect(changes.events).toHaveLength(1);
  });

  it('sends audio and video to the heavy queue instead of re-scoring them, and counts them queued', async () => {
    const w = await world();
    await w.verdicts.put(mediaVerdict('s3://uploads/v/clip.mp4', 'video'));
    await w.verdicts.put(mediaVerdict('s3://uploads/a/talk.mp3', 'audio'));
    // A new detector version: text is re-scored here; the media verdicts have no scoring record, so they too.
    const { handler, calls, heavyQueue } = runtime(w, thresholdsOnly, '2');
    const result = await handler({ bucket: 'uploads' });
    expect(result).toMatchObject({ examined: 5, rescored: 3, queued: 2, modelRuns: 3, failed: 0 });
    expect(calls.n).toBe(3);
    expect(result.estimatedCost).toBeCloseTo(3 * 0.001 + 2 * 0.01);
    const jobs = validJobs(heavyQueue);
    expect(jobs.map((j) => [j.item.uri, j.reason, j.policy.version, j.traceId]).sort()).toEqual([
      ['s3://uploads/a/talk.mp3', 'sweep', '2', result.runId],
      ['s3://uploads/v/clip.mp4', 'sweep', '2', result.runId],
    ]);
    expect(jobs[0]?.item).toMatchObject({ size: 2048, sha256: 'b'.repeat(64) });
    // The GPU worker writes their new verdicts; until then the old ones stay.
    expect((await w.verdicts.get('s3://uploads/v/clip.mp4'))?.policy.version).toBe('1');
  });

  it('a dry run classifies and prices only', async () => {
    const w = await world();
    await w.verdicts.put(mediaVerdict('s3://uploads/v/clip.mp4', 'video'));
    const { handler, heavyQueue, changes, calls } = runtime(w, thresholdsOnly, '2');
    const result = await handler({ dryRun: true });
    expect(result).toMatchObject({ dryRun: true, rescored: 4, queued: 1, modelRuns: 0, changeEvents: 0 });
    expect([calls.n, heavyQueue.sent.length, changes.events.length]).toEqual([0, 0, 0]);
    expect((await w.verdicts.get('s3://uploads/t/1.txt'))?.policy.version).toBe('1');
  });

  it('stops before the deadline, and the next invocation finishes what is left', async () => {
    const w = await world(200);
    const { handler, calls } = runtime(w, thresholdsOnly, '2', { stopMarginMs: 1000 });
    const none = await handler({}, lambdaContext(500));
    expect(none).toMatchObject({ examined: 0, complete: false, stoppedBy: 'deadline' });

    const first = await handler({}, lambdaContext(1000 + 300));
    expect(first).toMatchObject({ complete: false, stoppedBy: 'deadline' });
    expect(first.examined).toBeLessThan(4);
    expect(first.rescored).toBeGreaterThanOrEqual(1);

    const rest = await handler({}, lambdaContext(900_000));
    expect(rest.complete).toBe(true);
    expect(rest.unchanged).toBe(first.rescored);
    expect(rest.rescored + rest.unchanged).toBe(4);
    for (const uri of texts.keys()) expect((await w.verdicts.get(uri))?.policy.version).toBe('2');
    expect(calls.n).toBe(first.modelRuns + rest.modelRuns);
  });

  it('leaves re-scores past maxCost for the next run', async () => {
    const w = await world();
    const { handler } = runtime(w, thresholdsOnly, '2');
    const result = await handler({ maxCost: 0.0025 });
    expect(result).toMatchObject({ rescored: 2, deferred: 2, complete: false, stoppedBy: 'budget' });
    expect(result.estimatedCost).toBeCloseTo(0.002);
  });

  it('counts a change event that cannot be published, and goes on', async () => {
    const w = await world();
    const { handler, changes } = runtime(w, thresholdsOnly, '1');
    changes.failWith = new ActionRequestError('bus gone');
    const result = await handler({});
    expect(result).toMatchObject({
      changedDecision: 2,
      changeEvents: 0,
      changeEventsFailed: 2,
      complete: true,
    });
  });

  it('refuses an input of the wrong shape', async () => {
    const w = await world();
    const { handler } = runtime(w, thresholdsOnly, '1');
    await expect(handler({ maxCost: -1 })).rejects.toBeInstanceOf(InvalidEventError);
    await expect(handler({ prefix: 'a/' })).rejects.toThrow(/prefix needs bucket/);
    await expect(handler({ bucket: 'Not_A_Bucket' })).rejects.toBeInstanceOf(InvalidEventError);
  });
});

describe('readSweepConfig', () => {
  it('requires the region, verdict table and heavy queue, and reads the bus and cache', () => {
    expect(() => readSweepConfig({ AWS_REGION: 'eu-west-1' })).toThrow(
      /WINNOW_VERDICT_TABLE: required by the sweep function[\s\S]*WINNOW_HEAVY_QUEUE_URL/,
    );
    const config = readSweepConfig({
      AWS_REGION: 'eu-west-1',
      WINNOW_VERDICT_TABLE: 'verdicts',
      WINNOW_HEAVY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/heavy',
      WINNOW_EVENT_BUS: 'reviews',
    });
    expect(config).toMatchObject({ role: 'sweep', eventBusName: 'reviews', executionProvider: 'cpu' });
    expect(config.cacheTable).toBeUndefined();
  });
});
