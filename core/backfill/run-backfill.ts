import { createHash } from 'node:crypto';
import type { CostModel } from '../cost/cost-model';
import type { Logger } from '../logging/logger';
import {
  type BatchScanHooks,
  type ItemAdmission,
  runBatchScan,
  type ScanJob,
  type ScanRunState,
  type ScanSource,
  scanRunKey,
} from '../pipeline/batch-scan';
import type { ModerationEngine } from '../pipeline/moderation-engine';
import type { JobQueue } from '../ports/job-queue';
import type { ListOptions, ListPage, ObjectInfo } from '../ports/object-store';
import type { RunStateStore } from '../ports/run-state-store';
import type { VerdictStore } from '../ports/verdict-store';
import type { Verdict } from '../verdict/verdict';
import { isAlreadyScored } from './already-scored';
import { type BackfillFilter, matchesFilter, mediaKindOfKey, tierForMedia } from './backfill-filter';
import { addToTally, type BackfillTally, emptyTally, tallyRun } from './backfill-tally';
import { CostMeter, expectedCost } from './cost-meter';
import type { RateLimiter } from './rate-limiter';

/** Everything {@link runBackfill} needs. */
export interface BackfillOptions {
  /** What to read: a directory or bucket listing, or an inventory (`ScanSource.list`). */
  readonly sources: readonly ScanSource[];
  /** Moderates text and images (and escalates uncertain ones to the heavy tier). */
  readonly fast: ModerationEngine;
  /** Moderates audio and video. */
  readonly heavy: ModerationEngine;
  readonly queue: JobQueue<ScanJob>;
  readonly verdicts: VerdictStore;
  readonly runs: RunStateStore;
  readonly costModel: CostModel;
  readonly filter?: BackfillFilter;
  /** Dollar ceiling for the run (over all its restarts); unset: none. */
  readonly maxCost?: number;
  /** Paces item starts (items/s); unset: as fast as `concurrency` allows. */
  readonly limiter?: RateLimiter;
  readonly concurrency: number;
  readonly maxReceives: number;
  readonly visibilityTimeoutSec?: number;
  readonly pageSize?: number;
  readonly receiveBatch?: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: BackfillProgress) => void;
}

/** Live state of a backfill, over the whole run (a resumed run includes what earlier processes did). */
export interface BackfillProgress {
  readonly runId: string;
  /** Objects listed that passed the filter (queued or skipped). */
  readonly listed: number;
  readonly listingDone: boolean;
  readonly scored: number;
  readonly skipped: number;
  readonly failed: number;
  /** Estimated dollars so far. */
  readonly estimatedCost: number;
  /** Items finished per second by this process. */
  readonly itemsPerSec: number;
  /** Seconds until every listed item is done at the current rate; undefined while listing or before any item. */
  readonly etaSec?: number;
  readonly elapsedMs: number;
}

/** The final summary that `winnow backfill --json` prints. */
export interface BackfillSummary {
  /** Objects that passed the filter (distinct, once the run is complete). */
  readonly listed: number;
  /** Items moderated by the detectors in this run. */
  readonly scored: number;
  /** Items already scored under the same policy and model versions: unchanged (etag) or identical bytes (cache). */
  readonly skipped: number;
  /** Items that ended with an `error` verdict. */
  readonly failed: number;
  /** Estimated dollars of the run, from the cost model. */
  readonly estimatedCost: number;
}

/** The summary report of a finished or stopped backfill. */
export interface BackfillReport extends BackfillSummary {
  readonly runId: string;
  readonly resumed: boolean;
  readonly complete: boolean;
  /** Why an incomplete run stopped: `cost-ceiling`, or `interrupted`. */
  readonly stopReason?: string;
  /** Of `skipped`: unchanged objects (same etag) never read. */
  readonly skippedUnchanged: number;
  /** Of `skipped`: read, and found identical to bytes scored before. */
  readonly skippedCached: number;
  readonly deadLettered: number;
  readonly maxCost?: number;
  readonly pricesVersion: string;
  readonly byTier: BackfillTally['byTier'];
  readonly byMedia: BackfillTally['byMedia'];
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Milliseconds this process ran. */
  readonly elapsedMs: number;
}

/** Why a backfill stops before the end when its next item would pass `maxCost`. */
export const COST_CEILING = 'cost-ceiling';

/** What a backfill's verdicts are compared on to skip unchanged items: policy and both tiers' detectors. */
export function backfillFingerprint(fast: ModerationEngine, heavy: ModerationEngine): string {
  return createHash('sha256').update(`${fast.fingerprint}:${heavy.fingerprint}`).digest('hex').slice(0, 16);
}

/** Names "the same backfill" across restarts: the sources, the filter, the policy and detector versions. */
export function backfillHooksIdentity(
  fast: ModerationEngine,
  heavy: ModerationEngine,
  filter: BackfillFilter | undefined,
): Pick<BatchScanHooks, 'kind' | 'identity'> {
  return { kind: 'backfill', identity: { fp: backfillFingerprint(fast, heavy), filter: filter ?? {} } };
}

/** The run key of a backfill (e.g. to name its local queue). */
export function backfillRunKey(
  sources: readonly ScanSource[],
  fast: ModerationEngine,
  heavy: ModerationEngine,
  filter?: BackfillFilter,
): string {
  return scanRunKey(sources, fast, backfillHooksIdentity(fast, heavy, filter));
}

/** Verdict lookups at once while admitting a listed page. */
const LOOKUPS_AT_ONCE = 16;

/**
 * Runs a resumable backfill over the batch scan: lists with a saved cursor (a killed run resumes where it stopped),
 * takes only objects that pass the filter, leaves out unchanged objects already scored under the same policy and
 * detector versions without reading them, routes audio and video to the heavy tier, paces item starts, and stops
 * cleanly before the next item would pass the dollar ceiling (its jobs stay queued for a resumed run). Every other
 * item ends with exactly one verdict of the run, stamped with its etag and the detectors' fingerprint.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillReport> {
  const { fast, heavy, verdicts, costModel } = options;
  const policyVersion = fast.policy.version;
  const fingerprint = backfillFingerprint(fast, heavy);
  const filter = options.filter ?? {};
  const started = Date.now();
  let runId = '';
  let tally: BackfillTally = emptyTally();
  let meter = new CostMeter(options.maxCost);
  let runStartedAt = new Date().toISOString();
  let doneHere = 0;
  const reservations = new Map<ScanJob, number>();

  const sources = options.sources.map((s) => ({ ...s, list: filtered(s, filter) }));

  const hooks: BatchScanHooks = {
    ...backfillHooksIdentity(fast, heavy, options.filter),
    async onRun(run: Readonly<ScanRunState>) {
      runId = run.runId;
      runStartedAt = run.startedAt;
      tally = await tallyRun(verdicts, runId, policyVersion, costModel);
      meter = new CostMeter(options.maxCost, tally.dollars);
    },
    async admit(items, source, currentRun) {
      const store = sources[source]?.store;
      if (!store) return { jobs: [], skipped: 0 };
      const jobs: ScanJob[] = [];
      let skipped = 0;
      for (let i = 0; i < items.length; i += LOOKUPS_AT_ONCE) {
        const chunk = items.slice(i, i + LOOKUPS_AT_ONCE);
        const existing = await Promise.all(
          chunk.map((o) => verdicts.get(store.uriFor(o.key), policyVersion)),
        );
        chunk.forEach((o, j) => {
          const v = existing[j];
          // Written by this run before a restart: already counted in the run's verdicts.
          if (v?.runId === currentRun) return;
          if (v && isAlreadyScored(v, { etag: o.etag, fingerprint })) {
            skipped++;
            return;
          }
          jobs.push({
            runId: currentRun,
            source,
            key: o.key,
            size: o.size,
            ...(o.etag ? { etag: o.etag } : {}),
            tier: tierForMedia(mediaKindOfKey(o.key)),
          });
        });
      }
      return { jobs, skipped };
    },
    engineFor: (job) => (job.tier === 'heavy' ? heavy : fast),
    async beforeItem(job, signal): Promise<ItemAdmission> {
      const store = sources[job.source]?.store;
      if (store) {
        // A job delivered again after its verdict was written (a crash before the job was deleted).
        const v = await verdicts.get(store.uriFor(job.key), policyVersion);
        if (v?.runId === runId) return 'done';
      }
      await options.limiter?.take(signal);
      const dollars = expectedCost(costModel, job.key, job.tier ?? 'fast', job.size);
      if (!meter.reserve(dollars)) return { halt: COST_CEILING };
      reservations.set(job, dollars);
      return 'go';
    },
    finishVerdict: (job, verdict): Verdict => ({
      ...verdict,
      item: { ...verdict.item, ...(job.etag !== undefined ? { etag: job.etag } : {}) },
      detectorsFingerprint: fingerprint,
    }),
    afterItem(job, verdict) {
      const reserved = reservations.get(job) ?? 0;
      reservations.delete(job);
      const before = tally.dollars;
      if (verdict) {
        addToTally(tally, verdict, costModel);
        doneHere++;
      }
      meter.settle(reserved, verdict ? tally.dollars - before : undefined);
    },
  };

  let lastSkipped = 0;
  let lastListed = 0;
  const result = await runBatchScan({
    sources,
    engine: fast,
    queue: options.queue,
    verdicts,
    runs: options.runs,
    concurrency: options.concurrency,
    maxReceives: options.maxReceives,
    visibilityTimeoutSec: options.visibilityTimeoutSec,
    pageSize: options.pageSize,
    receiveBatch: options.receiveBatch,
    logger: options.logger,
    signal: options.signal,
    hooks,
    onProgress: (p) => {
      lastSkipped = p.skipped ?? 0;
      lastListed = p.listed;
      if (!options.onProgress) return;
      const finished = tally.scored + tally.cached + tally.failed;
      const rate = p.elapsedMs > 0 ? (doneHere / p.elapsedMs) * 1000 : 0;
      const left = Math.max(0, p.listed - finished);
      options.onProgress({
        runId: p.runId,
        listed: p.listed + lastSkipped,
        listingDone: p.listingDone,
        scored: tally.scored,
        skipped: lastSkipped + tally.cached,
        failed: tally.failed,
        estimatedCost: tally.dollars,
        itemsPerSec: rate,
        ...(p.listingDone && rate > 0 ? { etaSec: left / rate } : {}),
        elapsedMs: p.elapsedMs,
      });
    },
  });

  // Counted again from the store: exact whatever happened to earlier processes of the run.
  const final = await tallyRun(verdicts, result.runId, policyVersion, costModel);
  const state = await options.runs.getRun<ScanRunState>(`backfill:${result.runId}`);
  const skippedUnchanged = state?.skipped ?? lastSkipped;
  const finished = final.scored + final.cached + final.failed;
  const listed = result.complete
    ? finished + skippedUnchanged
    : Math.max(lastListed, result.listed) + skippedUnchanged;
  return {
    listed,
    scored: final.scored,
    skipped: skippedUnchanged + final.cached,
    failed: final.failed,
    estimatedCost: roundDollars(final.dollars),
    runId: result.runId,
    resumed: result.resumed,
    complete: result.complete,
    ...(result.complete ? {} : { stopReason: result.haltedBy ?? 'interrupted' }),
    skippedUnchanged,
    skippedCached: final.cached,
    deadLettered: result.deadLettered,
    ...(options.maxCost !== undefined ? { maxCost: options.maxCost } : {}),
    pricesVersion: costModel.pricesVersion,
    byTier: final.byTier,
    byMedia: final.byMedia,
    startedAt: runStartedAt,
    ...(state?.finishedAt ? { finishedAt: state.finishedAt } : {}),
    elapsedMs: Date.now() - started,
  };
}

/** Dollars to a millionth, so sums of small prices print cleanly. */
function roundDollars(d: number): number {
  return Math.round(d * 1e6) / 1e6;
}

/** The source's listing with the filter applied (the prefix also narrows the listing itself). */
function filtered(source: ScanSource, filter: BackfillFilter): (o: ListOptions) => Promise<ListPage> {
  const list = source.list ?? ((o: ListOptions) => source.store.list(o));
  return async (o) => {
    const page = await list({ ...o, ...(filter.prefix !== undefined ? { prefix: filter.prefix } : {}) });
    const items: ObjectInfo[] = page.items.filter((item) => matchesFilter(item, filter));
    return page.cursor === undefined ? { items } : { items, cursor: page.cursor };
  };
}
