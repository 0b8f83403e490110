import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { FsObjectStore, openStateDir, type StateDir } from '../../../adapters/local';
import type { Detector, TextContent } from '../../../core/detectors/detector';
import { TransientStoreError } from '../../../core/errors';
import type { JobQueue, QueueDepth, ReceivedMessage } from '../../../core/ports/job-queue';
import type { ObjectStore } from '../../../core/ports/object-store';
import type { ActionTarget, VerdictEvent } from '../../../core/serverless/apply-actions';
import type { S3Location } from '../../../core/serverless/s3-location';
import { type Verdict, VerdictSchema } from '../../../core/verdict/verdict';
import { type JobMessage, parseJobMessage } from '../../../core/worker/job-message';

/** Repository root (for `examples/`). */
export const ROOT = join(__dirname, '..', '..', '..');
export const example = (path: string) => join(ROOT, 'examples', path);

/** An S3 notification record, the key given as S3 sends it (URL-encoded). */
export function s3Record(
  bucket: string,
  rawKey: string,
  object: { size?: number; versionId?: string; eTag?: string; eventName?: string } = {},
) {
  const { eventName = 'ObjectCreated:Put', ...rest } = object;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-11-26T10:00:00.000Z',
    eventName,
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'winnow',
      bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
      object: { key: rawKey, sequencer: '0A1B2C', ...rest },
    },
  };
}

export const s3Event = (records: unknown[]) => ({ Records: records });

/** An EventBridge `Object Created` event from S3 (the key URL-encoded, as for notifications). */
export function eventBridgeEvent(bucket: string, rawKey: string, object: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-11-26T10:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key: rawKey, ...object },
      reason: 'PutObject',
    },
  };
}

/** An SQS event whose messages have these bodies (objects are sent as JSON); ids `m0`, `m1`, … */
export function sqsEvent(bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'x',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:winnow-fast',
      awsRegion: 'eu-west-1',
    })),
  };
}

/** A job queue in memory that keeps what was sent; `failNext` makes the next sends fail transiently. */
export class MemoryQueue<T> implements JobQueue<T> {
  readonly sent: T[] = [];
  failNext = 0;
  async sendBatch(bodies: readonly T[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new TransientStoreError('queue unavailable');
    }
    this.sent.push(...bodies);
  }
  async receive(): Promise<ReceivedMessage<T>[]> {
    return [];
  }
  async extendVisibility(): Promise<void> {}
  async delete(): Promise<void> {}
  async depth(): Promise<QueueDepth> {
    return { visible: this.sent.length, inFlight: 0 };
  }
}

/** Jobs sent, checked against the `winnow.job/v1` schema. */
export function validJobs(queue: MemoryQueue<JobMessage>): JobMessage[] {
  return queue.sent.map((j) => {
    const parsed = parseJobMessage(j);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.job;
  });
}

/** Buckets as directories under one temporary root, with a state dir for verdicts. */
export class TestBuckets {
  readonly root = mkdtempSync(join(tmpdir(), 'winnow-functions-'));
  readonly state: StateDir = openStateDir(join(this.root, '.state'));
  /** Object gets (ranged or whole) per bucket/key, to count reads. */
  readonly gets: { key: string; start?: number; end?: number }[] = [];

  put(bucket: string, key: string, body: string | Buffer): void {
    const path = join(this.root, 'buckets', bucket, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  }

  copy(bucket: string, key: string, from: string): void {
    const path = join(this.root, 'buckets', bucket, key);
    mkdirSync(dirname(path), { recursive: true });
    copyFileSync(from, path);
  }

  /** The object store of a bucket, recording its gets. */
  store = (bucket: string): ObjectStore => {
    const fs = new FsObjectStore(join(this.root, 'buckets', bucket));
    const gets = this.gets;
    return {
      uriFor: (k) => fs.uriFor(k),
      list: (o) => fs.list(o),
      head: (k) => fs.head(k),
      put: (k, b) => fs.put(k, b),
      get: (k, range) => {
        gets.push({ key: k, ...range });
        return fs.get(k, range);
      },
    };
  };

  close(): void {
    this.state.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A text detector flagging `hate` when the text holds "bad"; counts its calls. */
export function hateWordDetector(calls = { n: 0 }): Detector {
  return {
    id: 'hate-word',
    version: '1',
    media: ['text'],
    tiers: ['fast'],
    detect: (input) => {
      calls.n++;
      const text = (input as TextContent).normalized.text;
      return text.includes('bad')
        ? [{ detector: 'hate-word', category: 'hate', label: 'w', score: 0.9, evidence: [] }]
        : [];
    },
  };
}

/** An image detector giving every image this `hate` score (0.5 lies in the default escalation band). */
export function imageScoreDetector(score: number): Detector {
  return {
    id: 'image-score',
    version: '1',
    media: ['image'],
    tiers: ['fast'],
    detect: () => [{ detector: 'image-score', category: 'hate', label: 'x', score, evidence: [] }],
  };
}

/** A text detector that always throws (every detector failing makes a retryable `detectors-failed` verdict). */
export const brokenDetector: Detector = {
  id: 'broken',
  version: '1',
  media: ['text'],
  tiers: ['fast'],
  detect: () => {
    throw new Error('model crashed');
  },
};

/** A PNG signature followed by junk: sniffs as an image, fails to decode. */
export const CORRUPT_PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('not really a png at all'),
]);

/** A verdict as the fast tier writes it. */
export function sampleVerdict(overrides: Partial<Verdict> = {}): Verdict {
  return VerdictSchema.parse({
    schema: 'winnow.verdict/v1',
    item: {
      uri: 's3://uploads/dir/a b.png',
      sha256: 'a'.repeat(64),
      media: 'image',
      format: 'png',
      bytes: 10,
    },
    decision: 'block',
    categories: [
      { id: 'hate', score: 0.9, decision: 'block' },
      { id: 'spam', score: 0.6, decision: 'review' },
      { id: 'pii', score: 0.1, decision: 'allow' },
    ],
    segments: [],
    signals: [],
    detectors: [],
    policy: { id: 'default', version: '2026-11-26.2' },
    tier: 'fast',
    actions: ['tag', 'quarantine', 'notify'],
    cached: false,
    runId: 's3obj-1',
    createdAt: '2026-11-26T10:00:00.000Z',
    ...overrides,
  });
}

export type Call = [string, ...unknown[]];

/** An action target that records calls; `failures` queues errors to throw per method. */
export class RecordingTarget implements ActionTarget {
  readonly calls: Call[] = [];
  readonly failures: Record<string, Error[]> = {};
  private fail(method: string): void {
    const err = this.failures[method]?.shift();
    if (err) throw err;
  }
  async tagObject(object: S3Location, tags: Readonly<Record<string, string>>) {
    this.calls.push(['tagObject', object, tags]);
    this.fail('tagObject');
  }
  async copyObject(from: S3Location, to: S3Location, metadata: Readonly<Record<string, string>>) {
    this.calls.push(['copyObject', from, to, metadata]);
    this.fail('copyObject');
  }
  async putEvent(event: VerdictEvent) {
    this.calls.push(['putEvent', event]);
    this.fail('putEvent');
  }
}
