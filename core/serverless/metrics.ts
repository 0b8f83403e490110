import type { Action } from '../policy/policy';
import type { Verdict } from '../verdict/verdict';
import type { JobReason } from '../worker/job-message';

/** Why an item was not moderated this time. */
export type SkipReason =
  /** A verdict for this object version (or job trace) under this policy version already exists. */
  | 'already-moderated'
  /** The object lies in the quarantine location: the quarantine action wrote it there. */
  | 'quarantine-location'
  /** A zero-byte key ending in `/`: the S3 console's folder placeholder. */
  | 'folder-marker';

/** A step that {@link ServerlessMetrics.retried} counts: each failed try that is tried again. */
export type RetryStep = 'verdict-store' | 'heavy-queue' | 'action';

/**
 * The numbers the serverless tier reports (CloudWatch EMF in Lambda; see `functions/observability.ts`). Every
 * method is fire-and-forget and must never throw.
 */
export interface ServerlessMetrics {
  /** A verdict was stored: counted by decision; errors also by code; the time it took to reach it. */
  verdict(verdict: Verdict, durationMs: number): void;
  /** An item was sent to the heavy tier (audio, video, an uncertain fast verdict). */
  escalated(reason: JobReason): void;
  skipped(reason: SkipReason): void;
  /** A message or record the function could not use (logged with the reason, never retried). */
  invalidInput(): void;
  /** One action of a verdict, done (or found already done) or failed. */
  action(action: Action, outcome: 'done' | 'skipped' | 'failed'): void;
  /** A step failed retryably and is tried again within the same invocation (one count per retry). */
  retried(step: RetryStep): void;
}

/** Metrics that go nowhere; the default in core and tests. */
export const noMetrics: ServerlessMetrics = {
  verdict: () => undefined,
  escalated: () => undefined,
  skipped: () => undefined,
  invalidInput: () => undefined,
  action: () => undefined,
  retried: () => undefined,
};
