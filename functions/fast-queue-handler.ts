import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaRuntime, type ModerationRuntime, type RuntimeProvider } from './runtime';
import { createSqsBatchHandler } from './sqs-batch';

/**
 * The fast tier's queue consumer: an SQS batch of `winnow.job/v1` messages or S3 event notifications, answered
 * with `batchItemFailures` for the retryable failures only (see `sqs-batch.ts`).
 */
export function createFastQueueHandler(
  runtime: RuntimeProvider<ModerationRuntime>,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return createSqsBatchHandler(runtime);
}

export const handler = createFastQueueHandler(
  lambdaRuntime(() => import('./wiring').then((w) => w.moderationRuntime('fast-queue'))),
);
