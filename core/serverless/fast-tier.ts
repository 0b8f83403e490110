import { randomUUID } from 'node:crypto';
import {
  type ErrorInfo,
  ItemTooLargeError,
  toErrorInfo,
  UnreadableItemError,
  UnsupportedMediaError,
  WinnowError,
} from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { MediaInfo } from '../media/media-type';
import { SNIFF_BYTES, sniffMedia } from '../media/sniff';
import type { ItemSource, ModerationEngine } from '../pipeline/moderation-engine';
import type { JobQueue } from '../ports/job-queue';
import type { ObjectStore } from '../ports/object-store';
import type { VerdictStore } from '../ports/verdict-store';
import { errorVerdict } from '../verdict/build-verdict';
import type { Verdict } from '../verdict/verdict';
import { JOB_SCHEMA_ID, type JobMessage, type JobReason, parseJobMessage } from '../worker/job-message';
import { noMetrics, type RetryStep, type ServerlessMetrics, type SkipReason } from './metrics';
import { isDone, objectVersionToken } from './object-version';
import { type RetryOptions, withRetries } from './retry';
import { type S3EventBatch, type S3ObjectEvent, s3EventsIn } from './s3-events';
import { isUnder, parseS3Uri, type S3Location, type S3Prefix, s3Uri } from './s3-location';

/** The object store of a bucket (an S3 adapter per bucket in AWS; a directory per bucket in tests). */
export type ObjectStores = (bucket: string) => ObjectStore;

/** Everything a {@link FastTier} needs. */
export interface FastTierOptions {
  /** A fast-tier engine without `escalateTo`: uncertain verdicts come back pending, and are queued here. */
  readonly engine: ModerationEngine;
  readonly verdicts: VerdictStore;
  /** The heavy tier's queue of `winnow.job/v1` messages. */
  readonly heavyQueue: JobQueue<JobMessage>;
  readonly objects: ObjectStores;
  /** Locations never moderated, such as the quarantine location (its copies would be moderated again). */
  readonly skip?: readonly S3Prefix[];
  readonly metrics?: ServerlessMetrics;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /**
   * How store and queue calls are retried within one invocation before the item is left to a redelivery (default:
   * one try, no retry; the functions use 3 tries). Each retry is counted (`ServerlessMetrics.retried`) and logged.
   */
  readonly retry?: Omit<RetryOptions, 'onRetry'>;
}

/** What happened to one item. */
export type ItemOutcome =
  | { readonly status: 'skipped'; readonly uri: string; readonly reason: SkipReason }
  | {
      readonly status: 'moderated';
      readonly uri: string;
      /** The stored verdict. */
      readonly verdict: Verdict;
      /** The uncertain verdict's item was also queued for the heavy tier. */
      readonly escalated: boolean;
      /** The verdict is a retryable `error`: deliver the input again (it is stored meanwhile). */
      readonly retry: boolean;
    }
  | { readonly status: 'queued'; readonly uri: string; readonly reason: JobReason };

/** What happened to one payload (an SQS body, an S3 event, an EventBridge event). */
export interface PayloadOutcome {
  readonly items: readonly ItemOutcome[];
  /** Why (parts of) the payload could not be used: retrying cannot help, so these are logged and dropped. */
  readonly invalid: readonly string[];
  /** Failures of the stores or the queue (the item has no stored result); a redelivery may pass. */
  readonly failures: readonly ErrorInfo[];
  /** True when the payload should be delivered again: a failure, or a retryable error verdict. */
  readonly retry: boolean;
}

/** An item about to be handled: where it is and how its trace is known. */
interface Target extends S3Location {
  readonly uri: string;
  /** Authoritative size when known (an S3 event's); otherwise read with a HEAD. */
  readonly size?: number;
  /** Becomes the verdict's `runId` and the job's `traceId`; with it, a repeat is recognised and skipped. */
  readonly traceId?: string;
}

const HEAVY_MEDIA: Readonly<Record<string, JobReason>> = { video: 'media-video', audio: 'media-audio' };

/**
 * The serverless fast tier: what the upload and fast-queue functions do with each object, apart from AWS event
 * plumbing.
 *
 * For each object: skip it when a verdict for this object version already exists (see `object-version.ts`); read
 * its first 4 KiB (a ranged GET) and sniff the media; send audio and video to the heavy tier's queue without
 * moderating them; moderate text, images (and anything else, which gets its `error` verdict) with the engine and
 * store the verdict; when the verdict is uncertain (`escalation.status: 'pending'`), queue the item for the heavy
 * tier first and store the verdict after, so a crash in between leaves a retry rather than a lost job.
 *
 * A bad object (corrupt, too large, unreadable, unsupported) becomes an `error` verdict like any other. Failures
 * of the verdict store or the queue throw out of {@link object} and {@link job}, and are collected by
 * {@link payload}, so one item's failure never stops the others.
 */
export class FastTier {
  readonly engine: ModerationEngine;
  private readonly verdicts: VerdictStore;
  private readonly heavyQueue: JobQueue<JobMessage>;
  private readonly objects: ObjectStores;
  private readonly skipLocations: readonly S3Prefix[];
  private readonly metrics: ServerlessMetrics;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly retry: Omit<RetryOptions, 'onRetry'>;

  constructor(options: FastTierOptions) {
    this.engine = options.engine;
    this.verdicts = options.verdicts;
    this.heavyQueue = options.heavyQueue;
    this.objects = options.objects;
    this.skipLocations = options.skip ?? [];
    this.metrics = options.metrics ?? noMetrics;
    this.logger = (options.logger ?? silentLogger).child({
      policyId: options.engine.policy.id,
      policyVersion: options.engine.policy.version,
    });
    this.now = options.now ?? (() => new Date());
    this.retry = options.retry ?? { tries: 1 };
  }

  /**
   * Runs a store or queue call that is safe to repeat (conditional verdict writes, reads, a job whose repeat the
   * worker recognises), retrying transient failures; every retry is counted and logged with its step and attempt.
   */
  private retrying<T>(step: RetryStep, log: Logger, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, {
      ...this.retry,
      onRetry: (attempt, err) => {
        this.metrics.retried(step);
        log.warn('store call failed; retrying', { step, attempt, code: toErrorInfo(err).code });
      },
    });
  }

  /** Handles a payload: an S3 notification in any wrapping, or a job message (parsed, or as JSON text). */
  async payload(body: unknown): Promise<PayloadOutcome> {
    let value = body;
    if (typeof body === 'string') {
      try {
        value = JSON.parse(body);
      } catch {
        return this.invalid(`body is not valid JSON (${Buffer.byteLength(body)} bytes)`);
      }
    }
    if (isJobLike(value)) {
      const parsed = parseJobMessage(value);
      if (!parsed.ok) return this.invalid(parsed.reason);
      return this.run([() => this.job(parsed.job)], []);
    }
    const s3 = s3EventsIn(value);
    if (!s3) return this.invalid(`not a ${JOB_SCHEMA_ID} message or an S3 event notification`);
    return this.s3Events(s3);
  }

  /** Handles the object creations of an S3 notification, one after another. */
  async s3Events(batch: S3EventBatch): Promise<PayloadOutcome> {
    return this.run(
      batch.objects.map((o) => () => this.object(o)),
      batch.invalid,
    );
  }

  /** Handles one object creation from an S3 event. */
  async object(event: S3ObjectEvent): Promise<ItemOutcome> {
    const uri = s3Uri(event);
    if (this.skipLocations.some((l) => isUnder(event, l))) return this.skipped(uri, 'quarantine-location');
    if (event.key.endsWith('/') && event.size === 0) return this.skipped(uri, 'folder-marker');
    return this.item({
      bucket: event.bucket,
      key: event.key,
      uri,
      size: event.size,
      traceId: objectVersionToken(event),
    });
  }

  /** Handles one `winnow.job/v1` message sent to the fast tier (a backfill, a sweep, an operator). */
  async job(job: JobMessage): Promise<ItemOutcome> {
    const location = parseS3Uri(job.item.uri);
    if (!location) {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(job.item.uri)?.[1] ?? 'no scheme';
      const error = new UnreadableItemError(
        `unsupported URI scheme ${scheme}: the fast tier reads s3:// only`,
      );
      return this.storeError(
        { bucket: '', key: '', uri: job.item.uri, traceId: job.traceId },
        UNKNOWN,
        0,
        error,
        performance.now(),
      );
    }
    // The job's size is only a hint, and routing must not trust it: the HEAD below is authoritative.
    return this.item({ ...location, uri: s3Uri(location), traceId: job.traceId });
  }

  private async item(target: Target): Promise<ItemOutcome> {
    const started = performance.now();
    const log = this.logger.child({
      itemId: target.uri,
      ...(target.traceId ? { traceId: target.traceId } : {}),
    });
    const { policy } = this.engine;
    if (target.traceId !== undefined) {
      const existing = await this.retrying('verdict-store', log, () =>
        this.verdicts.get(target.uri, policy.version),
      );
      if (isDone(existing, target.traceId)) {
        log.info('already moderated; skipped', { decision: existing?.decision });
        return this.skipped(target.uri, 'already-moderated');
      }
    }
    const store = this.objects(target.bucket);
    let size = target.size;
    let media: MediaInfo = UNKNOWN;
    try {
      if (size === undefined) {
        const info = await store.head(target.key);
        if (!info) throw new UnreadableItemError('NoSuchKey: the object no longer exists');
        size = info.size;
      }
      if (size > 0) media = sniffMedia(await readHead(store, target.key, Math.min(size, SNIFF_BYTES)));
    } catch (err) {
      if (!isPermanent(err)) throw err;
      return this.storeError(target, media, size ?? 0, err, started);
    }

    const heavy = media.format === 'hls' ? undefined : HEAVY_MEDIA[media.kind];
    if (heavy) {
      await this.sendJob(target, heavy, { size });
      log.info('queued for the heavy tier', {
        reason: heavy,
        media: media.kind,
        format: media.format,
        bytes: size,
      });
      return { status: 'queued', uri: target.uri, reason: heavy };
    }
    // Text and images are read into memory up to the policy's buffer limit; refuse bigger ones before reading.
    const limit = policy.limits.maxTextBytes;
    if (size > limit) {
      const error =
        media.kind === 'unknown'
          ? new UnsupportedMediaError('the bytes match no supported text, image, audio or video format')
          : new ItemTooLargeError(
              `${media.kind} item is ${size} bytes; the fast tier reads at most ${limit}`,
            );
      return this.storeError(target, media, size, error, started);
    }

    const source: ItemSource = { uri: target.uri, size, open: () => store.get(target.key) };
    const verdict = await this.engine.moderate(source, target.traceId ? { runId: target.traceId } : {});
    const escalated = verdict.escalation?.status === 'pending';
    if (escalated) {
      // The job goes first: a verdict stored without its job would make a redelivery skip the item.
      await this.sendJob(target, 'uncertain', { size: verdict.item.bytes, sha256: verdict.item.sha256 });
      log.info('uncertain; queued for the heavy tier', { reason: verdict.escalation?.reason });
    }
    return this.store(target, verdict, escalated, started);
  }

  private async storeError(
    target: Target,
    media: MediaInfo,
    bytes: number,
    err: unknown,
    started: number,
  ): Promise<ItemOutcome> {
    const verdict = errorVerdict(
      { uri: target.uri, sha256: '', media: media.kind, format: media.format, bytes },
      toErrorInfo(err),
      {
        policy: this.engine.policy,
        tier: 'fast',
        createdAt: this.now(),
        ...(target.traceId ? { runId: target.traceId } : {}),
      },
    );
    this.logger
      .child({ itemId: target.uri })
      .info('item moderated', { decision: 'error', code: verdict.error?.code, media: media.kind, bytes });
    return this.store(target, verdict, false, started);
  }

  private async store(
    target: Target,
    verdict: Verdict,
    escalated: boolean,
    started: number,
  ): Promise<ItemOutcome> {
    const log = this.logger.child({ itemId: target.uri });
    await this.retrying('verdict-store', log, () => this.verdicts.put(verdict));
    this.metrics.verdict(verdict, performance.now() - started);
    return {
      status: 'moderated',
      uri: target.uri,
      verdict,
      escalated,
      retry: verdict.error?.retryable === true,
    };
  }

  private async sendJob(
    target: Target,
    reason: JobReason,
    item: { readonly size?: number; readonly sha256?: string },
  ): Promise<void> {
    const { policy } = this.engine;
    const job: JobMessage = {
      schema: JOB_SCHEMA_ID,
      item: {
        uri: target.uri,
        ...(item.size === undefined ? {} : { size: item.size }),
        ...(item.sha256 ? { sha256: item.sha256 } : {}),
      },
      reason,
      policy: { id: policy.id, version: policy.version },
      traceId: target.traceId ?? randomUUID(),
      enqueuedAt: this.now().toISOString(),
      attempt: 1,
    };
    await this.retrying('heavy-queue', this.logger.child({ itemId: target.uri }), () =>
      this.heavyQueue.sendBatch([job]),
    );
    this.metrics.escalated(reason);
  }

  private skipped(uri: string, reason: SkipReason): ItemOutcome {
    this.metrics.skipped(reason);
    return { status: 'skipped', uri, reason };
  }

  private invalid(reason: string): PayloadOutcome {
    this.logger.error('unusable input dropped', { reason });
    this.metrics.invalidInput();
    return { items: [], invalid: [reason], failures: [], retry: false };
  }

  /** Runs items one after another, so one failure never stops the others and memory stays bounded. */
  private async run(
    tasks: readonly (() => Promise<ItemOutcome>)[],
    invalid: readonly string[],
  ): Promise<PayloadOutcome> {
    for (const reason of invalid) {
      this.logger.error('unusable record dropped', { reason });
      this.metrics.invalidInput();
    }
    const items: ItemOutcome[] = [];
    const failures: ErrorInfo[] = [];
    for (const task of tasks) {
      try {
        items.push(await task());
      } catch (err) {
        const info = toErrorInfo(err);
        this.logger.error('item failed; it will be retried', { code: info.code, error: err });
        failures.push(info);
      }
    }
    const retry = failures.length > 0 || items.some((i) => i.status === 'moderated' && i.retry);
    return { items, invalid, failures, retry };
  }
}

const UNKNOWN: MediaInfo = { kind: 'unknown', format: 'unknown', mime: 'application/octet-stream' };

/** A body that means to be a job message (its `schema` names one), valid or not. */
function isJobLike(value: unknown): boolean {
  const schema =
    typeof value === 'object' && value !== null ? (value as { schema?: unknown }).schema : undefined;
  return typeof schema === 'string' && schema.startsWith('winnow.job/');
}

/** A failure that is the item's own (it gets an `error` verdict), rather than one a retry may fix. */
function isPermanent(err: unknown): boolean {
  return err instanceof WinnowError && !err.retryable;
}

/** The first `bytes` bytes of an object, by a ranged read. */
async function readHead(store: ObjectStore, key: string, bytes: number): Promise<Buffer> {
  const stream = await store.get(key, { start: 0, end: bytes - 1 });
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buf);
    read += buf.length;
    if (read >= bytes) break;
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}
