import { createHash, randomUUID } from 'node:crypto';
import { DeadLetteredError, toErrorInfo } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { JobQueue, ReceivedMessage } from '../ports/job-queue';
import type { ObjectStore } from '../ports/object-store';
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
}

/** A queued unit of work: one item of one source. */
export interface ScanJob {
  readonly runId: string;
  /** Index into the run's sources. */
  readonly source: number;
  readonly key: string;
  readonly size: number;
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
}

/** Live counters for progress display. */
export interface ScanProgress {
  readonly runId: string;
  readonly listed: number;
  readonly listingDone: boolean;
  readonly done: number;
  readonly decisions: Readonly<Record<Verdict['decision'], number>>;
  readonly elapsedMs: number;
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
}

/** Identifies "the same scan" across restarts: same sources and same policy and detector versions. */
export function scanRunKey(sources: readonly ScanSource[], engine: ModerationEngine): string {
  const ids = sources.map((s) => [s.id, s.prefix ?? '', s.keys ?? null]);
  return createHash('sha256')
    .update(JSON.stringify({ ids, fp: engine.fingerprint }))
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
  const started = Date.now();
  const runKey = scanRunKey(options.sources, options.engine);
  const pointer = await options.runs.getRun<{ runId: string }>(`scan-key:${runKey}`);
  let state = pointer ? await options.runs.getRun<ScanRunState>(`scan:${pointer.runId}`) : undefined;
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
    await options.runs.putRun(`scan:${state.runId}`, state);
    await options.runs.putRun(`scan-key:${runKey}`, { runId: state.runId });
  }
  const run = state;
  const runLog = log.child({ runId: run.runId });
  runLog.info(resumed ? 'scan resumed' : 'scan started', {
    sources: options.sources.length,
    listed: run.listed,
  });

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
    });
  const saveState = () => options.runs.putRun(`scan:${run.runId}`, run);
  const aborted = () => options.signal?.aborted === true;
  // Stops the scoring: the caller's signal, or a failed listing.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (aborted()) stop.abort();
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
      while (!s.done && !stop.signal.aborted) {
        const page = await source.store.list({
          prefix: source.prefix,
          cursor: s.cursor,
          limit: options.pageSize ?? 500,
        });
        const excluded = source.excludePrefixes ?? [];
        const items = page.items.filter((o) => !excluded.some((p) => o.key.startsWith(p)));
        if (items.length > 0) {
          await options.queue.sendBatch(
            items.map((o) => ({ runId: run.runId, source: index, key: o.key, size: o.size })),
          );
        }
        s.listed += items.length;
        run.listed += items.length;
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
    const verdict = await options.engine.moderate(
      { uri: source.store.uriFor(job.key), size: job.size, open: () => source.store.get(job.key) },
      { runId: run.runId, signal: stop.signal },
    );
    // Stopping: hand the job back unwritten; the next run scores the item properly.
    if (stop.signal.aborted) throw new JobReleasedError('the scan is stopping');
    if (verdict.error?.retryable && msg.receiveCount < options.maxReceives) {
      runLog.warn('retryable failure; the job will be retried', {
        itemId: verdict.item.uri,
        code: verdict.error.code,
        receiveCount: msg.receiveCount,
      });
      throw new RetryLaterError(verdict.error.message);
    }
    await options.verdicts.put(verdict);
    return verdict;
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
      stop.abort();
      throw err;
    }),
    scoring.catch((err: unknown) => {
      stop.abort();
      throw err;
    }),
  ]);
  options.signal?.removeEventListener('abort', onAbort);
  if (listed.status === 'rejected') throw listed.reason;
  if (scored.status === 'rejected') throw scored.reason;

  if (!aborted()) deadLettered = await settleDeadLetters(options, run, runLog);
  const complete = !aborted();
  if (complete) {
    run.status = 'complete';
    run.finishedAt = new Date().toISOString();
    await saveState();
  }
  progress();
  runLog.info(complete ? 'scan complete' : 'scan stopped', { processed, deadLettered, listed: run.listed });
  return {
    runId: run.runId,
    resumed,
    complete,
    listed: run.listed,
    processed,
    deadLettered,
    elapsedMs: Date.now() - started,
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
