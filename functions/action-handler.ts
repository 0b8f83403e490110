import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { toErrorInfo } from '../core/errors';
import { type ActionsResult, applyActions, sameActionOutcome } from '../core/serverless/apply-actions';
import { verdictFromPayload, verdictInStoredRecord } from '../core/serverless/stored-verdict';
import { fromStreamImage } from './dynamodb-image';
import { type ActionRuntime, lambdaRuntime, type RuntimeProvider } from './runtime';

/**
 * Applies a verdict's policy actions (tag, quarantine, notify; see `core/serverless/apply-actions.ts`).
 *
 * - `{ "verdict": {...} }` (a Step Functions task, a direct invoke): returns what each action did, or throws
 *   `InvalidEventError` (a bad payload: do not retry), `ActionsRejectedError` (an action failed for good) or
 *   `ActionsFailedError` (retry: every step is safe to repeat).
 * - A DynamoDB stream batch of the verdict table (`NEW_AND_OLD_IMAGES`): each inserted or changed verdict gets its
 *   actions, unless the old image called for the same actions on the same outcome. `batchItemFailures` lists the
 *   records whose actions failed retryably; permanent failures are logged and the record succeeds.
 */
export function createActionHandler(runtime: RuntimeProvider<ActionRuntime>) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: unknown, context?: Context): Promise<ActionsResult | DynamoDBBatchResponse> => {
    const rt = await runtime();
    rt.telemetry.begin(context);
    try {
      if (!isStreamEvent(event)) return await apply(rt, verdictFromPayload(event));
      const record = (r: DynamoDBRecord) => streamRecord(rt, r);
      return await processPartialResponse(event, record, processor, {
        context,
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    } finally {
      rt.telemetry.end();
    }
  };
}

function apply(rt: ActionRuntime, verdict: Parameters<typeof applyActions>[0]): Promise<ActionsResult> {
  return applyActions(verdict, rt.target, {
    ...rt.options,
    logger: rt.telemetry.logger,
    metrics: rt.telemetry.metrics,
  });
}

async function streamRecord(rt: ActionRuntime, record: DynamoDBRecord): Promise<void> {
  const { logger } = rt.telemetry;
  const image = record.dynamodb?.NewImage;
  if (record.eventName === 'REMOVE' || !image) return;
  const verdict = verdictInStoredRecord(fromStreamImage(image));
  if (!verdict) {
    // A record of another kind (a marker, an index entry): not for actions.
    logger.debug('stream record holds no verdict; skipped', { eventId: record.eventID });
    return;
  }
  if (verdict.previous && verdict.previous.decision === verdict.decision) {
    // A sweep's verdict under a new policy version that decides as before: its actions were applied already.
    logger.debug('sweep verdict with an unchanged decision; no actions', { itemId: verdict.item.uri });
    return;
  }
  const oldImage = record.dynamodb?.OldImage;
  const old = oldImage ? verdictInStoredRecord(fromStreamImage(oldImage)) : undefined;
  if (old && sameActionOutcome(old, verdict)) {
    logger.debug('verdict rewritten with the same outcome; actions already applied', {
      itemId: verdict.item.uri,
    });
    return;
  }
  try {
    await apply(rt, verdict);
  } catch (err) {
    if (toErrorInfo(err).retryable) throw err;
    // Already logged per step; a permanent failure must not block the shard.
    logger.error('actions failed for good; record dropped', { itemId: verdict.item.uri, error: err });
  }
}

function isStreamEvent(event: unknown): event is DynamoDBStreamEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records[0]?.eventSource === 'aws:dynamodb';
}

export const handler = createActionHandler(
  lambdaRuntime(() => import('./wiring').then((w) => w.actionRuntime())),
);
