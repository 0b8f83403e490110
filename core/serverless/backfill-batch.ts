import { z } from 'zod';
import {
  type BackfillFilter,
  matchesFilter,
  mediaKindOfKey,
  tierForMedia,
} from '../backfill/backfill-filter';
import type { CostModel } from '../cost/cost-model';
import type { Tier } from '../detectors/detector';
import { PermanentError } from '../errors';
import type { Logger } from '../logging/logger';
import type { MediaKind } from '../media/media-type';
import type { JobQueue } from '../ports/job-queue';
import type { ObjectInfo } from '../ports/object-store';
import type { VerdictStore } from '../ports/verdict-store';
import type { Verdict } from '../verdict/verdict';
import { JOB_SCHEMA_ID, type JobMessage, JobMessageSchema } from '../worker/job-message';
import { decodeS3EventKey, s3Uri } from './s3-location';

/** Most items one invocation takes: bounds its run time, memory and the verdict reads it makes. */
export const MAX_BACKFILL_BATCH_ITEMS = 1000;

/** Verdict reads one invocation runs at once. */
const VERDICT_READ_CONCURRENCY = 16;

/**
 * Prefix of the cost ledger's keys in the table that holds them (the cache table: its content keys are hex
 * digests or `h:…`, run states `run#…`). The state machine reads the same key to tell a stop at the ceiling from
 * a failure.
 */
export const BACKFILL_COST_KEY_PREFIX = 'backfill-cost#';

/** The ledger key of a run. */
export function backfillCostKey(runId: string): string {
  return `${BACKFILL_COST_KEY_PREFIX}${runId}`;
}

/** A {@link BackfillFilter} as JSON carries it: dates as ISO strings. */
export const SerialisedBackfillFilterSchema = z
  .object({
    prefix: z.string().optional(),
    suffixes: z.array(z.string().min(1)).max(100).optional(),
    minBytes: z.number().int().min(0).optional(),
    maxBytes: z.number().int().min(0).optional(),
    modifiedAfter: z.iso.datetime({ offset: true }).optional(),
    modifiedBefore: z.iso.datetime({ offset: true }).optional(),
    media: z.array(z.enum(['text', 'image', 'audio', 'video', 'unknown'])).optional(),
  })
  .strict();
export type SerialisedBackfillFilter = z.infer<typeof SerialisedBackfillFilterSchema>;

/** One listed object as Step Functions' item readers give it (ListObjectsV2 entries, or S3 Inventory rows). */
const ListedItemSchema = z.looseObject({
  Key: z.string().min(1).max(4096),
  /** ListObjectsV2 gives a number; inventory rows give strings. */
  Size: z.union([z.number(), z.string()]).optional(),
  /** An ISO date, or epoch seconds or milliseconds. */
  LastModified: z.union([z.number(), z.string()]).optional(),
  LastModifiedDate: z.union([z.number(), z.string()]).optional(),
  Etag: z.string().optional(),
  ETag: z.string().optional(),
  /** Inventory rows name their bucket; listed objects take `BatchInput.bucket`. */
  Bucket: z.string().min(1).optional(),
});

/** The run's settings, the same for every batch (the Distributed Map's `ItemBatcher.BatchInput`). */
const BatchInputSchema = z.object({
  /** Bucket of the listed keys; inventory rows may name their own. */
  bucket: z.string().min(1).optional(),
  /** The run (the state machine's execution name): the jobs' trace id and the cost ledger's key. */
  runId: z.string().min(1).max(200),
  filter: SerialisedBackfillFilterSchema.nullish(),
  /** Dollar ceiling of the whole run; unset or null: none. */
  maxCost: z.number().positive().nullish(),
  /** `sweep` for scheduled sweeps; default `backfill`. */
  reason: z.enum(['backfill', 'sweep']).nullish(),
  /** `url` when keys come URL-encoded (S3 Inventory reports); default `none` (ListObjectsV2). */
  keyEncoding: z.enum(['none', 'url']).nullish(),
});

/** What one backfill-batch invocation receives: the Distributed Map's batch of items and its `BatchInput`. */
export const BackfillBatchEventSchema = z.object({
  Items: z.array(ListedItemSchema).max(MAX_BACKFILL_BATCH_ITEMS),
  BatchInput: BatchInputSchema,
});
export type BackfillBatchEvent = z.input<typeof BackfillBatchEventSchema>;

/** Counts of one batch (the state machine's result writer collects them into the run's report). */
export interface BackfillBatchResult {
  /** Items in the batch. */
  readonly listed: number;
  /** Items the filter left out (folder markers included). */
  readonly filtered: number;
  /** Items with a verdict under the current policy version already (for the same ETag, when it records one). */
  readonly skipped: number;
  /** Jobs sent: `fast` + `heavy`. */
  readonly enqueued: number;
  readonly fast: number;
  readonly heavy: number;
  /** Estimated dollars of the enqueued items (cost model {@link CostModel.pricesVersion}). */
  readonly estimatedCost: number;
  readonly pricesVersion: string;
  /** Set when the run's cost ceiling stopped this batch; the items past it were not sent. */
  readonly stopped?: true;
  readonly reason?: 'max-cost';
}

/**
 * The running estimated cost of each run, shared by its concurrent batches. `reserve` is atomic: concurrent
 * batches never take the run over its ceiling together.
 */
export interface CostLedger {
  /**
   * Adds the longest leading run of `costs` that fits under `ceiling` to the run's total, and returns how many
   * were added. When not all fit, the run is marked stopped and later calls add nothing.
   */
  reserve(
    runId: string,
    costs: readonly number[],
    ceiling: number,
  ): Promise<{ readonly accepted: number; readonly total: number }>;
}

/** What {@link runBackfillBatch} works with. */
export interface BackfillBatchDeps {
  readonly verdicts: Pick<VerdictStore, 'get'>;
  readonly fastQueue: Pick<JobQueue<JobMessage>, 'sendBatch'>;
  readonly heavyQueue: Pick<JobQueue<JobMessage>, 'sendBatch'>;
  /** The policy the tiers decide under: verdicts under its version count as done. */
  readonly policy: { readonly id: string; readonly version: string };
  readonly costModel: CostModel;
  readonly ledger: CostLedger;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** The batch's input does not have the documented shape: a bug in the state machine or a hand-made input. */
export class InvalidBackfillBatchError extends PermanentError {
  readonly code = 'invalid-backfill-batch';
}

/**
 * The run reached its dollar ceiling (`maxCost`). The state machine catches it by its name and ends the run as
 * "stopped at the cost ceiling"; the message carries the batch's counts (never keys).
 */
export class CostCeilingReachedError extends PermanentError {
  readonly code = 'cost-ceiling-reached';

  constructor(readonly result: BackfillBatchResult) {
    super(
      `the run reached its cost ceiling: ${result.enqueued} of ${result.listed} item(s) of this batch sent ` +
        `(${result.filtered} filtered, ${result.skipped} already scored)`,
    );
    this.name = 'CostCeilingReached';
  }
}

interface Candidate {
  readonly info: ObjectInfo;
  readonly uri: string;
  readonly media: MediaKind;
  readonly tier: Tier;
}

/**
 * One Distributed Map batch of a backfill or sweep: filters the listed objects (`matchesFilter`), skips those
 * already scored under the current policy version, prices the rest with the cost model and reserves that against
 * the run's ceiling, then sends `winnow.job/v1` jobs to the fast queue (text, images, unknown) or the heavy queue
 * (audio, video). At most {@link MAX_BACKFILL_BATCH_ITEMS} items. Logs ids and counts, never keys.
 *
 * A reservation is made before the jobs are sent, so a batch that fails to send and is retried counts its cost
 * twice: the ceiling errs towards stopping early. Items already sent are not sent again by a skip (their verdict
 * may not exist yet): the tiers' own idempotency (verdict per policy version, content cache) absorbs repeats.
 */
export async function runBackfillBatch(
  event: unknown,
  deps: BackfillBatchDeps,
): Promise<BackfillBatchResult> {
  const parsed = BackfillBatchEventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    throw new InvalidBackfillBatchError(`not a backfill batch: ${problems}`);
  }
  const { Items: items, BatchInput: input } = parsed.data;
  const filter = toFilter(input.filter ?? {});
  const log = deps.logger.child({ runId: input.runId });

  const candidates: Candidate[] = [];
  let filtered = 0;
  for (const item of items) {
    const info = toObjectInfo(item, input.keyEncoding === 'url');
    const bucket = item.Bucket ?? input.bucket;
    if (!bucket)
      throw new InvalidBackfillBatchError('an item has no bucket and BatchInput.bucket is not set');
    // Folder markers (zero-byte keys ending in `/`) are never content.
    if (info.key.endsWith('/') || !matchesFilter(info, filter)) {
      filtered++;
      continue;
    }
    const media = mediaKindOfKey(info.key);
    candidates.push({ info, uri: s3Uri({ bucket, key: info.key }), media, tier: tierForMedia(media) });
  }

  const existing = await mapBounded(candidates, VERDICT_READ_CONCURRENCY, (c) =>
    deps.verdicts.get(c.uri, deps.policy.version),
  );
  const todo = candidates.filter((c, i) => !alreadyScored(existing[i], c.info.etag));
  const skipped = candidates.length - todo.length;

  const costs = todo.map((c) =>
    deps.costModel.itemCost({ media: c.media, tier: c.tier, bytes: c.info.size }),
  );
  let accepted = todo.length;
  if (input.maxCost != null && todo.length > 0) {
    ({ accepted } = await deps.ledger.reserve(input.runId, costs, input.maxCost));
  }
  const send = todo.slice(0, accepted);
  const enqueuedAt = (deps.now?.() ?? new Date()).toISOString();
  const job = (c: Candidate): JobMessage =>
    JobMessageSchema.parse({
      schema: JOB_SCHEMA_ID,
      item: { uri: c.uri, size: c.info.size },
      reason: input.reason ?? 'backfill',
      policy: { id: deps.policy.id, version: deps.policy.version },
      traceId: input.runId,
      enqueuedAt,
    });
  const fast = send.filter((c) => c.tier === 'fast').map(job);
  const heavy = send.filter((c) => c.tier === 'heavy').map(job);
  if (fast.length > 0) await deps.fastQueue.sendBatch(fast);
  if (heavy.length > 0) await deps.heavyQueue.sendBatch(heavy);

  const stopped = accepted < todo.length;
  const result: BackfillBatchResult = {
    listed: items.length,
    filtered,
    skipped,
    enqueued: send.length,
    fast: fast.length,
    heavy: heavy.length,
    estimatedCost: roundDollars(costs.slice(0, accepted).reduce((a, b) => a + b, 0)),
    pricesVersion: deps.costModel.pricesVersion,
    ...(stopped ? { stopped: true as const, reason: 'max-cost' as const } : {}),
  };
  log.info(stopped ? 'backfill batch stopped at the cost ceiling' : 'backfill batch done', { ...result });
  return result;
}

/**
 * True when a verdict under the current policy version exists for the object as listed: when both the verdict and
 * the listing carry an ETag, they must match (a changed object is scored again).
 */
function alreadyScored(verdict: Verdict | undefined, etag: string | undefined): boolean {
  if (!verdict) return false;
  const recorded = (verdict.item as { etag?: string }).etag;
  if (recorded === undefined || etag === undefined) return true;
  return unquote(recorded) === unquote(etag);
}

/** ETags as S3 quotes them (`"abc"`) and as some readers pass them (`abc`) compare equal. */
function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/** The filter with its dates parsed. */
export function toFilter(raw: SerialisedBackfillFilter): BackfillFilter {
  return {
    ...raw,
    modifiedAfter: raw.modifiedAfter === undefined ? undefined : new Date(raw.modifiedAfter),
    modifiedBefore: raw.modifiedBefore === undefined ? undefined : new Date(raw.modifiedBefore),
  };
}

function toObjectInfo(item: z.infer<typeof ListedItemSchema>, urlEncoded: boolean): ObjectInfo {
  let key = item.Key;
  if (urlEncoded) {
    try {
      key = decodeS3EventKey(key);
    } catch {
      throw new InvalidBackfillBatchError('an inventory key is not valid URL encoding');
    }
  }
  const size = Number(item.Size ?? 0);
  return {
    key,
    size: Number.isFinite(size) && size >= 0 ? Math.trunc(size) : 0,
    lastModified: toDate(item.LastModified ?? item.LastModifiedDate),
    etag: item.Etag ?? item.ETag,
  };
}

function toDate(value: number | string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  // Epoch seconds up to the year 5138, milliseconds beyond.
  const date = Number.isNaN(n) ? new Date(String(value)) : new Date(n < 1e11 ? n * 1000 : n);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function roundDollars(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
