import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { PayloadOutcome } from '../core/serverless/fast-tier';
import { RedeliverError } from '../core/serverless/serverless-errors';
import type { ModerationRuntime, RuntimeProvider } from './runtime';

/**
 * An SQS batch handler over the fast tier, shared by the fast-queue and upload functions. Each message body is a
 * `winnow.job/v1` message or an S3 event notification (direct, or in an SNS envelope). Records run one after
 * another (memory stays bounded); the response lists in `batchItemFailures` only the messages worth another
 * delivery: a store or queue failure, or a retryable `error` verdict (stored meanwhile, so the item keeps a
 * verdict if its retries run out). A bad item gets its `error` verdict and succeeds; a body that is no job and no
 * S3 event is logged and dropped. The event source mapping needs `ReportBatchItemFailures`.
 */
export function createSqsBatchHandler(runtime: RuntimeProvider<ModerationRuntime>) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const { fastTier, telemetry } = await runtime();
    telemetry.begin(context);
    try {
      const record = async (message: SQSRecord): Promise<void> => {
        const outcome = await fastTier.payload(message.body);
        if (outcome.retry) throw new RedeliverError(retryReason(outcome));
      };
      return await processPartialResponse(event, record, processor, {
        context,
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    } finally {
      telemetry.end();
    }
  };
}

/** Why a payload should be delivered again: the error codes, never content. */
export function retryReason(outcome: PayloadOutcome): string {
  const codes = [
    ...outcome.failures.map((f) => f.code),
    ...outcome.items.flatMap((i) => (i.status === 'moderated' && i.retry ? [i.verdict.error?.code] : [])),
  ];
  return `retryable failure (${[...new Set(codes)].join(', ')}); deliver again`;
}
