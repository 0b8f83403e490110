/** A message as received from a {@link JobQueue}. */
export interface ReceivedMessage<T> {
  /** The queue's id of the message. */
  readonly id: string;
  /** Handle for `delete` and `extendVisibility`; valid for this receipt only. */
  readonly receipt: string;
  readonly body: T;
  /** How many times the message has been received, this receipt included. */
  readonly receiveCount: number;
}

/** Options for {@link JobQueue.receive}. */
export interface ReceiveOptions {
  /** Most messages to return (1..10, as SQS allows). */
  readonly max?: number;
  /** Seconds the received messages stay hidden from other consumers. */
  readonly visibilityTimeoutSec?: number;
  /** Long poll: wait up to this long for a message when none is visible (0 returns at once). */
  readonly waitTimeSec?: number;
}

/** Approximate message counts. */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
}

/**
 * A durable at-least-once work queue with visibility timeouts and dead-lettering: a message received more than
 * `maxReceives` times is moved to the dead-letter queue instead of being delivered again.
 */
export interface JobQueue<T> {
  /** Sends messages (any number; adapters split into batches as the backend needs). */
  sendBatch(bodies: readonly T[]): Promise<void>;
  /** Receives up to `max` visible messages and hides them for the visibility timeout. */
  receive(options?: ReceiveOptions): Promise<ReceivedMessage<T>[]>;
  /** Keeps a message hidden for `seconds` more from now (a heartbeat for long work). */
  extendVisibility(receipt: string, seconds: number): Promise<void>;
  /** Deletes a message for good; call only once its result is durably written. */
  delete(receipt: string): Promise<void>;
  /** Approximate counts of visible and in-flight messages. */
  depth(): Promise<QueueDepth>;
  /** The dead-letter queue, where messages go after too many receives. */
  readonly deadLetter?: JobQueue<T>;
}
