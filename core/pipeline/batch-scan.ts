import { createHash, randomUUID } from 'node:crypto';
import type { Tier } from '../detectors/detector';
import { DeadLetteredError, toErrorInfo } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { JobQueue, ReceivedMessage } from '../ports/job-queue';
import type { ListOptions, ListPage, ObjectInfo, ObjectStore } from '../ports/object-store';
import type { RunStateStore } from '../ports/run-state-store';
import type { VerdictStore } from '../ports/verdict-store';
import { errorVerdict } from '../verdict/build-verdict';
import type { Verdict } from '../verdict/verdict';
import { runQueueWorker } from '../worker/queue-worker';
import { JobReleasedError, RetryLaterError } from '../worker/worker-errors';
import type { ModerationEngine } from './moderation-engine';

/** One root to scan: a whole store, or a fixed list of keys in it (single files named on the command line). */
export interface ScanSource {
  /** Stable identity of the source, e.g. the directory's file URI. */
  readonly id: string;
  readonly store: ObjectStore;
  readonly prefix?: string;
  /** When set, only these keys, instead of a listing. */
  readonly keys?: readonly string[];
  /** Key prefixes to leave out of the listing, e.g. the scan's own state and output folders inside the root. */
  readonly excludePrefixes?: readonly string[];
  /**
   * Lists the items instead of `store.list` (e.g. an S3 Inventory manifest), with the same paging contract: its
   * cursor is saved after each page and handed back to resume. Keys are keys of `store`.
   */
  readonly list?: (options: ListOptions) => Promise<ListPage>;
}

/** A queued unit of work: one item of one source. */
export interface ScanJob {
  readonly runId: string;
  /** Index into the run's sources. */
  readonly source: number;
  readonly key: string;
  readonly size: number;
  /** The object's version tag as listed, when known. */
  readonly etag?: string;
  /** The tier that moderates the item, when the producer routed it (a backfill); unset: the scan's engine. */
  readonly tier?: Tier;
}

/** Durable state of a batch scan, stored after every listed page. */
export interface ScanRunState {
  readonly runId: string;
  readonly runKey: string;
  status: 'listing' | 'scoring' | 'complete';
  readonly startedAt: string;
  finishedAt?: string;
  readonly sources: { id: string; cursor?: string; listed: number; done: boolean }[];
  /** Items queued so far (may exceed the distinct count after a crash between queueing and saving). */
  listed: number;
  /** Listed items not queued because {@link BatchScanHooks.admit} found them already done; saved with the cursor. */
  skipped?: number;
  /** Why the last process stopped the run early by itself (a hook's halt, e.g. a cost ceiling). */
  haltedBy?: string;
}

/** Live counters for progress display. */
export interface ScanProgress {
  readonly runId: string;
  readonly listed: number;
  readonly listingDone: boolean;
  readonly done: number;
  readonly decisions: Readonly<Record<Verdict['decision'], number>>;
  readonly elapsedMs: number;
  /** Listed items left out as already done (see {@link ScanRunState.skipped}), over the whole run. */
  readonly skipped?: number;
}

/** What a hook says about an item before it is read. */
export type ItemAdmission = 'go' | 'done' | { readonly halt: string };

/**
 * Extension points for runs built on the batch scan (a backfill): their own run namespace, which listed items
 * are queued, per-job engines, a check before each item, and what is stamped on each verdict.
 */
export interface BatchScanHooks {
  /** Names the run's state documents and makes its run key distinct from a scan's (e.g. `backfill`). */
  readonly kind: string;
  /** Anything else that makes two runs the same run (a filter, a fingerprint); hashed into the run key. */
  readonly identity?: unknown;
  /** Called once the run is known, new or resumed, before anything is listed or scored. */
  onRun?(run: Readonly<ScanRunState>, resumed: boolean): Promise<void>;
  /**
   * Turns a listed page into jobs, and says how many items it left out as already done: they add to the run's
   * `skipped` count, saved together with the listing cursor, so a restart never counts them twice.
   */
  admit?(
    items: readonly ObjectInfo[],
    source: number,
    runId: string,
  ): Promise<{ readonly jobs: ScanJob[]; readonly skipped: number }>;
  /** The engine that moderates a job (default: the scan's engine). */
  engineFor?(job: ScanJob): ModerationEngine;
  /**
   * Asked before an item is read: `done` ends its job without a new verdict (it already has one from this run),
   * `{ halt }` stops the run cleanly with that reason, handing the job back for the resumed run.
   */
  beforeItem?(job: ScanJob, signal: AbortSignal): Promise<ItemAdmission>;
  /** What is written for a job: the engine's verdict, with anything the run records besides. */
  finishVerdict?(job: ScanJob, verdict: Verdict): Verdict;
  /** After a job that `beforeItem` let through ended, with its written verdict or undefined when none was. */
  afterItem?(job: ScanJob, verdict: Verdict | undefined): void;
}

/** Everything {@link runBatchScan} needs. */
export interface BatchScanOptions {
  readonly sources: readonly ScanSource[];
  readonly engine: ModerationEngine;
  readonly queue: JobQueue<ScanJob>;
  readonly verdicts: VerdictStore;
  readonly runs: RunStateStore;
  /** Items moderated at once. */
  readonly concurrency: number;
  /** Receives before a message is dead-lettered; retryable failures are retried until then. */
  readonly maxReceives: number;
  /** Seconds a received job stays hidden; it is extended while an item is still being worked on. */
  readonly visibilityTimeoutSec?: number;
  readonly logger?: Logger;
  readonly onProgress?: (p: ScanProgress) => void;
  readonly signal?: AbortSignal;
  /** Listing page size. */
  readonly pageSize?: number;
  /** Jobs a worker takes per receive (1..10). */
  readonly receiveBatch?: number;
  readonly hooks?: BatchScanHooks;
}

/** The result of a finished (or stopped) scan. */
export interface BatchScanResult {
  readonly runId: string;
  readonly resumed: boolean;
  readonly complete: boolean;
  readonly listed: number;
  /** Items moderated by this process (a resumed run counts only its own share). */
  readonly processed: number;
  readonly deadLettered: number;
  readonly elapsedMs: number;
  /** Why an incomplete run stopped early by itself (a hook's `halt`); unset when it was interrupted. */
  readonly haltedBy?: string;
}

/**
 * Identifies "the same scan" across restarts: same sources and same policy and detector versions (and, for runs
 * with hooks, the same kind and identity).
 */
export function scanRunKey(
  sources: readonly ScanSource[],
  engine: ModerationEngine,
  hooks?: Pick<BatchScanHooks, 'kind' | 'identity'>,
): string {
  const ids = sources.map((s) => [s.id, s.prefix ?? '', s.keys ?? null]);
  const extra = hooks ? { kind: hooks.kind, identity: hooks.identity ?? null } : {};
  return createHash('sha256')
    .update(JSON.stringify({ ids, fp: engine.fingerprint, ...extra }))
    .digest('hex')
    .slice(0, 20);
}

/** The queue name a scan uses, one per run key, so an unfinished run never mixes with another. */
export function scanQueueName(runKey: string): string {
  return `scan-${runKey}`;
}

/**
 * Runs a resumable batch scan: lists every source into the durable queue (saving a cursor after each page), and
 * concurrently moderates queued items, writing each verdict before deleting its job. Killed at any point and
 * started again with the same sources, it resumes the unfinished run: nothing is lost and every item ends with
 * exactly one verdict in the store (an item that keeps crashing its worker is dead-lettered and gets an `error`
 * verdict).
 */
export async function runBatchScan(options: BatchScanOptions): Promise<BatchScanResult> {
  const log = options.logger ?? silentLogger;
  const hooks = options.hooks;
  const kind = hooks?.kind ?? 'scan';
  const started = Date.now();
  const runKey = scanRunKey(options.sources, options.engine, hooks);
  const pointer = await options.runs.getRun<{ runId: string }>(`${kind}-key:${runKey}`);
  let state = pointer ? await options.runs.getRun<ScanRunState>(`${kind}:${pointer.runId}`) : undefined;
  const resumed = state !== undefined && state.status !== 'complete';
  if (!state || state.status === 'complete') {
    state = {
      runId: `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`,
      runKey,
      status: 'listing',
      startedAt: new Date().toISOString(),
      sources: options.sources.map((s) => ({ id: s.id, listed: 0, done: false })),
      listed: 0,
    };
    await options.runs.putRun(`${kind}:${state.runId}`, state);
    await options.runs.putRun(`${kind}-key:${runKey}`, { runId: state.runId });
  }
  const run = state;
  const runLog = log.child({ runId: run.runId });
  runLog.info(resumed ? `${kind} resumed` : `${kind} started`, {
    sources: options.sources.length,
    listed: run.listed,
  });
  if (run.haltedBy !== undefined) {
    delete run.haltedBy;
    await options.runs.putRun(`${kind}:${run.runId}`, run);
  }
  await hooks?.onRun?.(run, resumed);

  const decisions: Record<Verdict['decision'], number> = { allow: 0, review: 0, block: 0, error: 0 };
  let processed = 0;
  let deadLettered = 0;
  let listingDone = run.status !== 'listing';
  const progress = () =>
    options.onProgress?.({
      runId: run.runId,
      listed: run.listed,
      listingDone,
      done: processed,
      decisions: { ...decisions },
      elapsedMs: Date.now() - started,
      skipped: run.skipped ?? 0,
    });
  const saveState = () => options.runs.putRun(`${kind}:${run.runId}`, run);
  const aborted = () => options.signal?.aborted === true;
  // `stop` ends listing and receiving; `cancel` also abandons the items in flight. The caller's signal and a failed
  // listing do both; a hook's halt only stops, so the items already started are finished and written.
  const stop = new AbortController();
  const cancel = new AbortController();
  let haltedBy: string | undefined;
  const onAbort = () => {
    cancel.abort();
    stop.abort();
  };
  if (aborted()) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const lister = (async () => {
    for (const [index, source] of options.sources.entries()) {
      const s = run.sources[index];
      if (!s || s.done) continue;
      if (source.keys) {
        const jobs = source.keys.map((key) => ({ runId: run.runId, source: index, key, size: 0 }));
        await options.queue.sendBatch(jobs);
        s.listed = jobs.length;
        run.listed += jobs.length;
        s.done = true;
        await saveState();
        continue;
      }
      const list = source.list ?? ((o: ListOptions) => source.store.list(o));
      while (!s.done && !stop.signal.aborted) {
        const page = await list({
          prefix: source.prefix,
          cursor: s.cursor,
          limit: options.pageSize ?? 500,
        });
        const excluded = source.excludePrefixes ?? [];
        const items = page.items.filter((o) => !excluded.some((p) => o.key.startsWith(p)));
        const { jobs, skipped } = hooks?.admit
          ? await hooks.admit(items, index, run.runId)
          : {
              jobs: items.map((o) => ({ runId: run.runId, source: index, key: o.key, size: o.size })),
              skipped: 0,
            };
        if (jobs.length > 0) await options.queue.sendBatch(jobs);
        if (skipped > 0) run.skipped = (run.skipped ?? 0) + skipped;
        s.listed += jobs.length;
        run.listed += jobs.length;
        s.cursor = page.cursor ?? s.cursor;
        s.done = page.cursor === undefined;
        await saveState();
        progress();
      }
    }
    if (!stop.signal.aborted) {
      listingDone = true;
      run.status = 'scoring';
      await saveState();
    }
  })();

  // One consumer core for the scan and the GPU worker: it keeps each job hidden while its item is worked on and
  // deletes a job only once its verdict is written.
  const handle = async (msg: ReceivedMessage<ScanJob>): Promise<Verdict | undefined> => {
    const job = msg.body;
    const source = options.sources[job.source];
    if (!source || job.runId !== run.runId) {
      runLog.warn('dropping a job of another run', { jobRunId: job.runId });
      return undefined;
    }
    if (stop.signal.aborted) throw new JobReleasedError('the scan is stopping');
    const admission = hooks?.beforeItem ? await hooks.beforeItem(job, cancel.signal) : 'go';
    if (admission === 'done') return undefined;
    if (admission !== 'go') {
      if (haltedBy === undefined) {
        haltedBy = admission.halt;
        runLog.info('run halting', { reason: admission.halt });
        stop.abort();
      }
      throw new JobReleasedError(`the run is halting: ${admission.halt}`);
    }
    let written: Verdict | undefined;
    try {
      const engine = hooks?.engineFor?.(job) ?? options.engine;
      const moderated = await engine.moderate(
        { uri: source.store.uriFor(job.key), size: job.size, open: () => source.store.get(job.key) },
        { runId: run.runId, signal: cancel.signal },
      );
      // Cancelled: hand the job back unwritten; the next run scores the item properly.
      if (cancel.signal.aborted) throw new JobReleasedError('the scan is stopping');
      if (moderated.error?.retryable && msg.receiveCount < options.maxReceives) {
        runLog.warn('retryable failure; the job will be retried', {
          itemId: moderated.item.uri,
          code: moderated.error.code,
          receiveCount: msg.receiveCount,
        });
        throw new RetryLaterError(moderated.error.message);
      }
      const verdict = hooks?.finishVerdict ? hooks.finishVerdict(job, moderated) : moderated;
      await options.verdicts.put(verdict);
      written = verdict;
      return verdict;
    } finally {
      hooks?.afterItem?.(job, written);
    }
  };

  const scoring = runQueueWorker({
    queue: options.queue,
    handler: handle,
    concurrency: Math.max(1, options.concurrency),
    visibilityTimeoutSec: options.visibilityTimeoutSec ?? 120,
    // The lister feeds the same process, so poll without waiting and check for the end between polls.
    waitTimeSec: 0,
    receiveBatch: options.receiveBatch ?? 5,
    drainTimeoutMs: 30_000,
    signal: stop.signal,
    logger: runLog,
    shouldStop: async () => {
      if (!listingDone) return false;
      const depth = await options.queue.depth();
      return depth.visible === 0 && depth.inFlight === 0;
    },
    idleDelayMs: () => (listingDone ? 200 : 20),
    onCompleted: (_msg, verdict) => {
      if (!verdict) return;
      processed++;
      decisions[verdict.decision]++;
      progress();
    },
  });
  // Either side failing stops the other, so the scan fails instead of waiting for jobs that never come.
  const [listed, scored] = await Promise.allSettled([
    lister.catch((err: unknown) => {
      onAbort();
      throw err;
    }),
    scoring.catch((err: unknown) => {
      onAbort();
      throw err;
    }),
  ]);
  options.signal?.removeEventListener('abort', onAbort);
  if (listed.status === 'rejected') throw listed.reason;
  if (scored.status === 'rejected') throw scored.reason;

  if (!stop.signal.aborted) deadLettered = await settleDeadLetters(options, run, runLog);
  const complete = !stop.signal.aborted;
  if (complete) {
    run.status = 'complete';
    run.finishedAt = new Date().toISOString();
    await saveState();
  } else if (haltedBy !== undefined) {
    run.haltedBy = haltedBy;
    await saveState();
  }
  progress();
  runLog.info(complete ? `${kind} complete` : `${kind} stopped`, {
    processed,
    deadLettered,
    listed: run.listed,
  });
  return {
    runId: run.runId,
    resumed,
    complete,
    listed: run.listed,
    processed,
    deadLettered,
    elapsedMs: Date.now() - started,
    ...(haltedBy !== undefined ? { haltedBy } : {}),
  };
}

/** Jobs that kept failing (a worker crashed on them every time) still get a verdict, so count in = count out. */
async function settleDeadLetters(options: BatchScanOptions, run: ScanRunState, log: Logger): Promise<number> {
  const dlq = options.queue.deadLetter;
  if (!dlq) return 0;
  let count = 0;
  for (;;) {
    const batch = await dlq.receive({ max: 10, visibilityTimeoutSec: 60, waitTimeSec: 0 });
    if (batch.length === 0) return count;
    for (const msg of batch) {
      const source = options.sources[msg.body.source];
      if (msg.body.runId === run.runId && source) {
        const uri = source.store.uriFor(msg.body.key);
        const existing = await options.verdicts.get(uri, options.engine.policy.version);
        if (!existing || existing.runId !== run.runId) {
          const err = new DeadLetteredError(
            `the item failed ${options.maxReceives} times without a verdict and was dead-lettered`,
          );
          await options.verdicts.put(
            errorVerdict(
              { uri, sha256: '', media: 'unknown', format: 'unknown', bytes: msg.body.size },
              toErrorInfo(err),
              {
                policy: options.engine.policy,
                runId: run.runId,
                createdAt: new Date(),
                tier: options.engine.tier,
              },
            ),
          );
          count++;
          log.warn('item dead-lettered', { itemId: uri });
        }
      }
      await dlq.delete(msg.receipt);
    }
  }
}
