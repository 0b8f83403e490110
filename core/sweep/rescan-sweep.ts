import { randomUUID } from 'node:crypto';
import type { CostModel } from '../cost/cost-model';
import { toErrorInfo } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { ModerationEngine } from '../pipeline/moderation-engine';
import type { ItemResolver } from '../ports/item-resolver';
import type { VerdictQuery, VerdictStore } from '../ports/verdict-store';
import type { Verdict } from '../verdict/verdict';
import { classifyVerdict } from './classify-verdict';
import { forEachBounded } from './for-each-bounded';
import { itemCostAt } from './item-cost';
import { iterateLatestVerdicts } from './latest-verdicts';
import { redecideVerdict } from './redecide-verdict';
import type { ScoringTarget } from './scoring-target';
import type { ChangeSink } from './verdict-change';

/** Everything {@link runRescanSweep} needs. */
export interface RescanSweepOptions {
  readonly verdicts: VerdictStore;
  /** The policy and detectors to move verdicts to; usually the same engine as `engine`. */
  readonly target: ScoringTarget;
  /** Scores items again; only called for verdicts classified `rescore`. Not needed for a dry run. */
  readonly engine?: Pick<ModerationEngine, 'moderate'>;
  /** Opens the items to score again (their verdicts' URIs). */
  readonly resolver?: ItemResolver;
  readonly costModel: CostModel;
  /** Called for each verdict whose decision changed, after the new verdict is stored. */
  readonly onChange?: ChangeSink;
  /** Classify and count only: nothing is scored, written or reported as changed. */
  readonly dryRun?: boolean;
  /** Only verdicts matching this filter are swept. */
  readonly filter?: VerdictQuery;
  /** Items re-scored at once (default 2). Re-decisions are cheap and need no limit. */
  readonly concurrency?: number;
  readonly runId?: string;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Stops the sweep: no further verdict is taken, and the call in flight to the engine is aborted. */
  readonly signal?: AbortSignal;
  /** Items to score elsewhere instead of with `engine` (e.g. audio and video, on the heavy tier). */
  readonly queue?: RescoreQueue;
  /**
   * Dollars the sweep may spend re-scoring (and queueing), estimated with `costModel`: a verdict whose re-score
   * would go past it is left as it is and counted `deferred`. Re-decisions cost nothing and go on.
   */
  readonly maxCost?: number;
  /** Only verdicts it accepts are swept (e.g. those under one bucket prefix); the others are not examined. */
  readonly select?: (verdict: Verdict) => boolean;
}

/**
 * Where a re-scan sweep hands the items it should not score itself. A queued item keeps its verdict until the
 * other scorer writes the new one, so a sweep run again before then queues it again: `send` must tolerate that.
 */
export interface RescoreQueue {
  /** True for a verdict (classified `rescore`) whose item goes to the queue. */
  takes(verdict: Verdict): boolean;
  /** Hands the item over; a failure counts the item `failed` and leaves its verdict. */
  send(verdict: Verdict, context: { readonly runId: string }): Promise<void>;
}

/** What a re-scan sweep did (in a dry run: would do). */
export interface RescanSweepResult {
  readonly runId: string;
  readonly dryRun: boolean;
  readonly policy: { readonly id: string; readonly version: string };
  /** Items looked at (each item's latest verdict, once). */
  readonly examined: number;
  readonly unchanged: number;
  /** Re-decided from stored signals: no item read, no model run. */
  readonly redecided: number;
  /** Moderated again. */
  readonly rescored: number;
  /** Handed to `queue` to be scored elsewhere (priced in `estimatedCost`; not stored or reported as changed here). */
  readonly queued: number;
  /** Left for a later sweep because re-scoring them would pass `maxCost`. */
  readonly deferred: number;
  /** New verdicts whose decision differs from the one they replace (the ones reported as changes). */
  readonly changedDecision: number;
  /** Items that could not be scored again (unreadable, or the new verdict was an error); their verdict stays. */
  readonly failed: number;
  /** Calls into the moderation engine: zero when every verdict could be re-decided. */
  readonly modelRuns: number;
  /** Dollars the re-scored and queued items cost (estimated with the cost model; for a dry run, what they would cost). */
  readonly estimatedCost: number;
  /** How many verdicts each classification reason covered. */
  readonly reasons: Readonly<Record<string, number>>;
  /** True when it went through every verdict (not stopped by `signal`) and deferred none. */
  readonly complete: boolean;
  readonly elapsedMs: number;
}

/**
 * Re-scan sweep: walks the latest verdict of every item, and for each one made under another policy version or
 * other detectors/models ({@link classifyVerdict}) either re-decides it from its stored signals (thresholds,
 * actions or categories changed) or moderates the item again (anything that can change the scores). The new
 * verdict is stored under the target policy version; only a changed decision goes to `onChange`.
 *
 * Idempotent and resumable: an item whose latest verdict is already under the target policy and scoring is
 * `unchanged`, so running the sweep again after a stop only does what is left.
 */
export async function runRescanSweep(options: RescanSweepOptions): Promise<RescanSweepResult> {
  const started = Date.now();
  const runId = options.runId ?? `sweep-${randomUUID()}`;
  const now = options.now ?? (() => new Date());
  const dryRun = options.dryRun ?? false;
  const { target } = options;
  const log = (options.logger ?? silentLogger).child({
    runId,
    policyId: target.policy.id,
    policyVersion: target.policy.version,
  });
  if (!dryRun && (!options.engine || !options.resolver)) {
    throw new Error('a re-scan sweep that writes needs an engine and an item resolver');
  }
  const counts = {
    examined: 0,
    unchanged: 0,
    redecided: 0,
    rescored: 0,
    queued: 0,
    deferred: 0,
    changedDecision: 0,
    failed: 0,
  };
  const reasons: Record<string, number> = {};
  let modelRuns = 0;
  let estimatedCost = 0;
  let complete = true;

  const changed = async (before: Verdict, after: Verdict, via: 'redecide' | 'rescore') => {
    if (after.decision === before.decision) return;
    counts.changedDecision++;
    if (!dryRun) await options.onChange?.({ uri: after.item.uri, before, after, via });
  };

  const handle = async (verdict: Verdict) => {
    counts.examined++;
    const c = classifyVerdict(verdict, target);
    reasons[c.reason] = (reasons[c.reason] ?? 0) + 1;
    if (c.kind === 'unchanged') {
      counts.unchanged++;
      return;
    }
    if (c.kind === 'redecide') {
      const next = {
        ...redecideVerdict(verdict, target.policy, { runId, now: now() }),
        previous: previousOf(verdict),
      };
      counts.redecided++;
      if (!dryRun) await options.verdicts.put(next);
      await changed(verdict, next, 'redecide');
      return;
    }
    const cost = itemCostAt(options.costModel, verdict.item, { tier: verdict.tier });
    if (options.maxCost !== undefined && estimatedCost + cost > options.maxCost) {
      counts.deferred++;
      complete = false;
      return;
    }
    estimatedCost += cost;
    const queued = options.queue?.takes(verdict) ?? false;
    if (dryRun) {
      counts[queued ? 'queued' : 'rescored']++;
      return;
    }
    const itemLog = log.child({ itemId: verdict.item.uri });
    if (queued) {
      try {
        await (options.queue as RescoreQueue).send(verdict, { runId });
        counts.queued++;
      } catch (err) {
        counts.failed++;
        itemLog.warn('cannot queue the item; its verdict stays', { code: toErrorInfo(err).code });
      }
      return;
    }
    let scored: Verdict;
    try {
      const source = await (options.resolver as ItemResolver).resolve(verdict.item.uri, {
        size: verdict.item.bytes,
      });
      modelRuns++;
      scored = await (options.engine as Pick<ModerationEngine, 'moderate'>).moderate(source, {
        runId,
        signal: options.signal,
      });
    } catch (err) {
      counts.failed++;
      itemLog.warn('cannot score the item again; its verdict stays', { code: toErrorInfo(err).code });
      return;
    }
    const next: Verdict = { ...scored, previous: previousOf(verdict) };
    if (next.decision === 'error') {
      // A sweep never replaces a decided verdict with an error one: the old verdict stays until a later sweep.
      counts.failed++;
      itemLog.warn('scoring again gave an error; the verdict stays', { code: next.error?.code });
      return;
    }
    counts.rescored++;
    await options.verdicts.put(next);
    await changed(verdict, next, 'rescore');
  };

  log.info('sweep started', { dryRun });
  const latest = iterateLatestVerdicts(options.verdicts, options.filter ?? {}, { skipRunId: runId });
  const rows = options.select ? selected(latest, options.select) : latest;
  await forEachBounded(
    stopOn(rows, options.signal, () => (complete = false)),
    options.concurrency ?? 2,
    handle,
  );
  const result: RescanSweepResult = {
    runId,
    dryRun,
    policy: { id: target.policy.id, version: target.policy.version },
    ...counts,
    modelRuns,
    estimatedCost,
    reasons,
    complete,
    elapsedMs: Date.now() - started,
  };
  log.info('sweep finished', { ...counts, modelRuns, complete });
  return result;
}

async function* selected<T>(values: AsyncIterable<T>, accept: (value: T) => boolean): AsyncGenerator<T> {
  for await (const v of values) if (accept(v)) yield v;
}

/** Stops yielding once `signal` is aborted, and says so. */
async function* stopOn<T>(
  values: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  onStop: () => void,
): AsyncGenerator<T> {
  for await (const v of values) {
    if (signal?.aborted) {
      onStop();
      return;
    }
    yield v;
  }
}

/** What a sweep's verdict replaces, so that actions can follow only a changed decision. */
function previousOf(verdict: Verdict): NonNullable<Verdict['previous']> {
  return { policyVersion: verdict.policy.version, decision: verdict.decision };
}
