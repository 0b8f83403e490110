import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PayloadOutcome } from '../core/serverless/fast-tier';
import { RedeliverError } from '../core/serverless/serverless-errors';
import { lambdaRuntime, type ModerationRuntime, type RuntimeProvider } from './runtime';
import { createSqsBatchHandler, retryReason } from './sqs-batch';

/** What the upload handler returns for a direct S3 or EventBridge invocation (Lambda ignores it for async ones). */
export interface UploadSummary {
  readonly moderated: number;
  readonly queued: number;
  readonly skipped: number;
  readonly invalid: number;
}

/**
 * The upload trigger. Takes an S3 event notification (S3 invoking the function), an EventBridge `Object Created`
 * event from S3, or an SQS batch of either (then it answers as the fast-queue handler does, with
 * `batchItemFailures`). Each object becomes a fast-tier verdict, or a heavy-tier job for audio and video (see
 * `core/serverless/fast-tier.ts`). Records are independent: a bad object gets its `error` verdict and the others
 * go on. When any record needs a retry (a store or queue failure, a retryable `error` verdict, which is stored
 * meanwhile), the invocation fails after all records ran, so Lambda's asynchronous retries deliver the event
 * again; the records already done are then skipped as already moderated.
 */
export function createUploadHandler(runtime: RuntimeProvider<ModerationRuntime>) {
  const fromQueue = createSqsBatchHandler(runtime);
  return async (event: unknown, context?: Context): Promise<UploadSummary | SQSBatchResponse> => {
    if (isSqsEvent(event)) return fromQueue(event, context);
    const { fastTier, telemetry } = await runtime();
    telemetry.begin(context);
    try {
      const outcome = await fastTier.payload(event);
      if (outcome.retry) throw new RedeliverError(retryReason(outcome));
      return summary(outcome);
    } finally {
      telemetry.end();
    }
  };
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records[0]?.eventSource === 'aws:sqs';
}

function summary(outcome: PayloadOutcome): UploadSummary {
  const count = (status: string) => outcome.items.filter((i) => i.status === status).length;
  return {
    moderated: count('moderated'),
    queued: count('queued'),
    skipped: count('skipped'),
    invalid: outcome.invalid.length,
  };
}

export const handler = createUploadHandler(
  lambdaRuntime(() => import('./wiring').then((w) => w.moderationRuntime('upload'))),
);
