import { toErrorInfo } from '../errors';
import type { LogFields, Logger } from '../logging/logger';
import type { ItemSource, ModerationEngine } from '../pipeline/moderation-engine';
import type { ItemResolver } from '../ports/item-resolver';
import type { VerdictStore } from '../ports/verdict-store';
import { type RetryOptions, withRetries } from '../serverless/retry';
import type { Verdict } from '../verdict/verdict';
import { parseJobMessage } from './job-message';
import type { JobHandler } from './queue-worker';
import { InvalidMessageError, JobReleasedError, RetryLaterError } from './worker-errors';

/** Everything {@link createModerationJobHandler} needs. */
export interface ModerationJobHandlerOptions {
  readonly engine: ModerationEngine;
  readonly verdicts: VerdictStore;
  readonly resolver: ItemResolver;
  /**
   * The queue's `maxReceiveCount`. A retryable failure is retried until the last receive, which writes the `error`
   * verdict instead, so the item never ends in the dead-letter queue without a verdict.
   */
  readonly maxReceives: number;
  /**
   * How verdict store calls are retried within one receive before the message is left to the queue's retry
   * (default: one try, no retry; the GPU worker uses 3 tries). Each retry is logged (`verdict store failed;
   * retrying`, with `attempt`).
   */
  readonly retry?: Omit<RetryOptions, 'onRetry'>;
}

/**
 * The heavy tier's job handler: validates a `winnow.job/v1` message (an invalid one is dead-lettered), resolves
 * the item's URI, moderates it under the engine's policy (a job sent under another policy version is still
 * moderated under the engine's, and the mismatch is logged) and writes the verdict before the worker deletes the
 * message. The job's trace id becomes the verdict's `runId`. A job the fast tier escalated (`uncertain`) writes its
 * verdict with `escalation.status: 'resolved'`; if the heavy tier cannot decide it, the fast verdict stands.
 */
export function createModerationJobHandler(
  options: ModerationJobHandlerOptions,
): JobHandler<unknown, Verdict> {
  const { engine, verdicts, resolver, maxReceives } = options;
  const retrying = <T>(log: Logger, fn: () => Promise<T>): Promise<T> =>
    withRetries(fn, {
      tries: 1,
      ...options.retry,
      onRetry: (attempt, err) =>
        log.warn('verdict store failed; retrying', { attempt, code: toErrorInfo(err).code }),
    });
  return async (message, ctx) => {
    const parsed = parseJobMessage(message.body);
    if (!parsed.ok) throw new InvalidMessageError(parsed.reason);
    const { job } = parsed;
    const log = ctx.logger.child({ itemId: job.item.uri });
    // A redelivery after the verdict was written but before the message was deleted (a worker killed or stopped
    // in between), or the same job sent twice: the job is done, and moderating it again would rewrite its verdict
    // (and repeat its actions).
    const existing = await retrying(log, () => verdicts.get(job.item.uri, engine.policy.version));
    if (isJobDone(existing, job.traceId)) {
      log.info('verdict already written; repeated job skipped', { decision: existing?.decision });
      return existing as Verdict;
    }
    if (job.policy.id !== engine.policy.id || job.policy.version !== engine.policy.version) {
      log.warn("the job names another policy; moderating under the worker's policy", {
        jobPolicyId: job.policy.id,
        jobPolicyVersion: job.policy.version,
        policyId: engine.policy.id,
        policyVersion: engine.policy.version,
      });
    }
    let source: ItemSource;
    try {
      source = await resolver.resolve(job.item.uri, { size: job.item.size });
    } catch (err) {
      // Opening fails with the resolver's error, so the item still gets its one (error) verdict.
      source = { uri: job.item.uri, size: job.item.size ?? 0, open: () => Promise.reject(err) };
    }
    const started = performance.now();
    const verdict = await engine.moderate(source, { runId: job.traceId, signal: ctx.signal });
    if (ctx.signal.aborted) throw new JobReleasedError('the worker stopped before the job finished');
    if (job.item.sha256 && verdict.item.sha256 && verdict.item.sha256 !== job.item.sha256) {
      log.warn('the item changed since it was queued; moderating the bytes read now', {});
    }
    if (verdict.error?.retryable && message.receiveCount < maxReceives) {
      log.warn('retryable failure; the job will be retried', {
        code: verdict.error.code,
        maxReceives,
      });
      throw new RetryLaterError(verdict.error.message);
    }
    if (job.reason === 'uncertain' && verdict.decision === 'error') {
      // The fast tier already stored its verdict, marked pending: it stands rather than being replaced by an error.
      log.warn('the heavy tier could not decide an escalated item; the fast verdict stands, still pending', {
        code: verdict.error?.code,
      });
      return verdict;
    }
    const final: Verdict =
      job.reason === 'uncertain'
        ? {
            ...verdict,
            escalation: { status: 'resolved', reason: 'uncertain in the fast tier', from: 'fast' },
          }
        : verdict;
    await retrying(log, () => verdicts.put(final));
    log.info('verdict written', {
      decision: verdict.decision,
      media: verdict.item.media,
      reason: job.reason,
      ...(verdict.error ? { code: verdict.error.code } : {}),
      ...(job.attempt === undefined ? {} : { attempt: job.attempt }),
      durationMs: Math.round(performance.now() - started),
    });
    return final;
  };
}

/** True when `existing` is the heavy tier's own final verdict for this job (its trace), so the job is done. */
function isJobDone(existing: Verdict | undefined, traceId: string): boolean {
  return (
    existing !== undefined &&
    existing.runId === traceId &&
    existing.tier === 'heavy' &&
    existing.error?.retryable !== true
  );
}

/** Log fields of a job body that is not validated yet: its trace id when it has a plausible one. Never content. */
export function jobLogFields(body: unknown): LogFields {
  const traceId =
    typeof body === 'object' && body !== null ? (body as { traceId?: unknown }).traceId : undefined;
  return typeof traceId === 'string' && traceId.length > 0 && traceId.length <= 256 ? { traceId } : {};
}
