import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { CostModel } from '../core/cost/cost-model';
import { toErrorInfo } from '../core/errors';
import type { ModerationEngine } from '../core/pipeline/moderation-engine';
import type { ItemResolver } from '../core/ports/item-resolver';
import type { JobQueue } from '../core/ports/job-queue';
import type { VerdictStore } from '../core/ports/verdict-store';
import { type RetryOptions, withRetries } from '../core/serverless/retry';
import { InvalidEventError } from '../core/serverless/serverless-errors';
import { type RescanSweepResult, runRescanSweep } from '../core/sweep/rescan-sweep';
import type { Verdict } from '../core/verdict/verdict';
import { JOB_SCHEMA_ID, type JobMessage, type JobReason } from '../core/worker/job-message';
import type { Telemetry } from './observability';
import { lambdaRuntime, type RuntimeProvider } from './runtime';
import { type ChangePublisher, sweepChangeEvent } from './sweep-change-event';

/** What the sweep handler uses, built once per container by `wiring.ts`. */
export interface SweepRuntime {
  /** Every item's latest verdict is read here, and the new verdicts are written here. */
  readonly verdicts: VerdictStore;
  /** The fast-tier engine: its policy and detectors are what verdicts move to, and it re-scores text and images. */
  readonly engine: Pick<ModerationEngine, 'moderate' | 'policy' | 'scoringHash'>;
  /** Opens the items to re-score (`s3://` URIs). */
  readonly resolver: ItemResolver;
  /** Audio and video to re-score, and re-scored images the fast tier finds uncertain, go to the GPU worker. */
  readonly heavyQueue: JobQueue<JobMessage>;
  /** Where changed decisions are announced for review. */
  readonly changes: ChangePublisher;
  readonly costModel: CostModel;
  /** ARN partition of the change events' resources (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
  readonly telemetry: Telemetry;
  /**
   * Items re-scored at once.
   *
   * @default 2
   */
  readonly concurrency?: number;
  /**
   * How long before the invocation's deadline the sweep stops taking verdicts.
   *
   * @default 30 seconds
   */
  readonly stopMarginMs?: number;
  /**
   * Retries of a change event's publication.
   *
   * @default 3 tries from 200 ms
   */
  readonly retry?: RetryOptions;
  readonly now?: () => Date;
}

/**
 * The sweep's input (the schedule's, or a manual invocation's); every field is optional. Unknown fields are
 * ignored.
 */
const SweepInputSchema = z.object({
  /** The schedule's name, for logs and change events. */
  sweep: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,40}$/)
    .optional(),
  /** Only verdicts of objects in this bucket (and under `prefix`); unset: every verdict. */
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
    .optional(),
  prefix: z.string().max(1024).default(''),
  /** Dollars of re-scoring per run (estimated with the cost model); re-scores past it wait for the next run. */
  maxCost: z.number().positive().optional(),
  /** Classify and price only: nothing is scored, queued, written or announced. */
  dryRun: z.boolean().default(false),
});

/**
 * Why a sweep did not finish: `deadline` (it stopped taking verdicts before Lambda's timeout) or `budget` (it
 * went through every verdict, but left re-scores past `maxCost`).
 */
export type SweepStop = 'deadline' | 'budget';

/** What one invocation of the sweep did. */
export interface SweepHandlerResult extends RescanSweepResult {
  readonly sweep?: string;
  /** Re-scored images the fast tier found uncertain, queued for the heavy tier (their pending verdict is stored). */
  readonly escalated: number;
  /** Change events published, and those that failed every retry (logged with the item). */
  readonly changeEvents: number;
  readonly changeEventsFailed: number;
  /** Set when `complete` is false: what stopped it. Invoke it again to go on (see functions/README.md). */
  readonly stoppedBy?: SweepStop;
}

const DEFAULT_STOP_MARGIN_MS = 30_000;

/**
 * The scheduled re-scan sweep (`core/sweep/rescan-sweep.ts`) over the verdict table: moves every item's latest
 * verdict to the deployed policy and detectors. Threshold-, action- or category-only changes are re-decided from the
 * stored signals (no object read, no model run); text and images whose scores may change are re-scored here with
 * the fast tier (uncertain ones also queued for the heavy tier, as uploads are); audio and video are sent to the
 * heavy queue (`winnow.job/v1`, reason `sweep`) and counted as `queued`. Each changed decision is published as a
 * `Verdict Changed` event.
 *
 * Stops taking verdicts `stopMarginMs` before the invocation's deadline (the calls in flight to the engine are
 * aborted; those items keep their verdicts), and leaves the re-scores past `maxCost` (re-decisions go on); either
 * way it returns `complete: false`. Nothing records where it stopped: the next run walks the table again, finds the
 * verdicts already moved `unchanged` and goes on with the rest. Throws `InvalidEventError` for an input of the wrong
 * shape.
 */
export function createSweepHandler(runtime: RuntimeProvider<SweepRuntime>) {
  return async (event: unknown, context?: Context): Promise<SweepHandlerResult> => {
    const rt = await runtime();
    rt.telemetry.begin(context);
    const stop = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const input = parseInput(event);
      const runId = `sweep-${randomUUID()}`;
      const { logger, metrics } = rt.telemetry;
      const log = logger.child({ runId, ...(input.sweep ? { sweep: input.sweep } : {}) });
      const now = rt.now ?? (() => new Date());

      const remaining = context?.getRemainingTimeInMillis?.();
      if (remaining !== undefined) {
        const left = remaining - (rt.stopMarginMs ?? DEFAULT_STOP_MARGIN_MS);
        const stopNow = () => stop.abort(new Error('sweep stopped before the deadline'));
        if (left <= 0) stopNow();
        else timer = setTimeout(stopNow, left);
      }

      const counts = { escalated: 0, changeEvents: 0, changeEventsFailed: 0 };
      const sendJob = async (item: Verdict['item'], reason: JobReason) => {
        await rt.heavyQueue.sendBatch([jobFor(item, reason, rt.engine.policy, runId, now())]);
        metrics.escalated(reason);
      };
      const prefix = input.bucket === undefined ? undefined : `s3://${input.bucket}/${input.prefix}`;

      const result = await runRescanSweep({
        verdicts: rt.verdicts,
        target: rt.engine,
        engine: {
          // As on the upload path: an uncertain fast verdict is stored pending and its item queued for the heavy tier.
          moderate: async (source, ctx) => {
            const verdict = await rt.engine.moderate(source, ctx);
            if (verdict.escalation?.status === 'pending') {
              await sendJob(verdict.item, 'uncertain');
              counts.escalated++;
            }
            return verdict;
          },
        },
        resolver: rt.resolver,
        costModel: rt.costModel,
        ...(input.maxCost === undefined ? {} : { maxCost: input.maxCost }),
        queue: {
          // The heavy tier's models do not run in Lambda.
          takes: (v) => v.item.media === 'audio' || v.item.media === 'video',
          send: (v) => sendJob(v.item, 'sweep'),
        },
        onChange: async (change) => {
          const changeEvent = sweepChangeEvent(change, {
            runId,
            sweep: input.sweep,
            partition: rt.partition,
          });
          try {
            await withRetries(() => rt.changes.publish(changeEvent), rt.retry);
            counts.changeEvents++;
          } catch (err) {
            // The new verdict is stored, so a later sweep will not see this change again: say so loudly.
            counts.changeEventsFailed++;
            log.error('change event not published', {
              itemId: change.uri,
              code: toErrorInfo(err).code,
              before: change.before?.decision,
              after: change.after.decision,
            });
          }
        },
        ...(prefix === undefined ? {} : { select: (v: Verdict) => v.item.uri.startsWith(prefix) }),
        dryRun: input.dryRun,
        concurrency: rt.concurrency ?? 2,
        runId,
        logger: log,
        now,
        signal: stop.signal,
      });
      const out: SweepHandlerResult = {
        ...result,
        ...(input.sweep ? { sweep: input.sweep } : {}),
        ...counts,
        ...(result.complete ? {} : { stoppedBy: stop.signal.aborted ? 'deadline' : 'budget' }),
      };
      log.info('sweep invocation done', {
        complete: out.complete,
        stoppedBy: out.stoppedBy,
        queued: out.queued,
        escalated: out.escalated,
        changeEvents: out.changeEvents,
        changeEventsFailed: out.changeEventsFailed,
        estimatedCost: out.estimatedCost,
      });
      return out;
    } finally {
      if (timer) clearTimeout(timer);
      rt.telemetry.end();
    }
  };
}

function parseInput(event: unknown): z.infer<typeof SweepInputSchema> {
  const parsed = SweepInputSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
    throw new InvalidEventError(`invalid sweep input: ${problems.join('; ')}`);
  }
  if (parsed.data.prefix !== '' && parsed.data.bucket === undefined) {
    throw new InvalidEventError('invalid sweep input: prefix needs bucket');
  }
  return parsed.data;
}

/** The heavy tier's job for an item; its `traceId` is the sweep's run id (the new verdict's `runId`). */
function jobFor(
  item: Verdict['item'],
  reason: JobReason,
  policy: { readonly id: string; readonly version: string },
  runId: string,
  at: Date,
): JobMessage {
  return {
    schema: JOB_SCHEMA_ID,
    item: {
      uri: item.uri,
      ...(Number.isInteger(item.bytes) && item.bytes > 0 ? { size: item.bytes } : {}),
      ...(/^[0-9a-f]{64}$/.test(item.sha256) ? { sha256: item.sha256 } : {}),
    },
    reason,
    policy: { id: policy.id, version: policy.version },
    traceId: runId,
    enqueuedAt: at.toISOString(),
    attempt: 1,
  };
}

export const handler = createSweepHandler(
  lambdaRuntime(() => import('./wiring').then((w) => w.sweepRuntime())),
);
