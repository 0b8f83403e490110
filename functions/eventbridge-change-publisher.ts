import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { isTransientSqsError } from '../adapters/aws/sqs-errors';
import { TransientStoreError } from '../core/errors';
import { ActionRequestError } from '../core/serverless/serverless-errors';
import type { ChangePublisher, SweepChangeEvent } from './sweep-change-event';

/** Options for {@link EventBridgeChangePublisher}. */
export interface EventBridgeChangePublisherOptions {
  readonly events: EventBridgeClient;
  /** The bus (name or ARN); unset: the default bus. */
  readonly eventBusName?: string;
}

/** EventBridge error codes a retry may pass. */
const TRANSIENT_EVENT_CODES = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);

/**
 * A {@link ChangePublisher} over EventBridge `PutEvents`. A refused entry or request that may pass on a retry throws
 * `TransientStoreError`; anything else `ActionRequestError`.
 */
export class EventBridgeChangePublisher implements ChangePublisher {
  private readonly events: EventBridgeClient;
  private readonly eventBusName?: string;

  constructor(options: EventBridgeChangePublisherOptions) {
    this.events = options.events;
    this.eventBusName = options.eventBusName;
  }

  async publish(event: SweepChangeEvent): Promise<void> {
    let out: PutEventsCommandOutput;
    try {
      out = await this.events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: event.source,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
              Resources: [...event.resources],
              ...(this.eventBusName ? { EventBusName: this.eventBusName } : {}),
            },
          ],
        }),
      );
    } catch (err) {
      const message = `put change event: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      throw isTransientSqsError(err) ? new TransientStoreError(message) : new ActionRequestError(message);
    }
    if ((out.FailedEntryCount ?? 0) === 0) return;
    const code = out.Entries?.[0]?.ErrorCode ?? 'unknown';
    const message = `put change event: EventBridge refused it: ${code}`;
    throw TRANSIENT_EVENT_CODES.has(code)
      ? new TransientStoreError(message)
      : new ActionRequestError(message);
  }
}
