import { setTimeout as delay } from 'node:timers/promises';
import { toErrorInfo, WinnowError } from '../errors';
import { type LogFields, type Logger, silentLogger } from '../logging/logger';
import type { JobQueue, ReceivedMessage } from '../ports/job-queue';
import { type WorkerHealth, type WorkerState, writeHealthFile } from './health-file';
import { InvalidMessageError, JobReleasedError, RetryLaterError } from './worker-errors';

/** What a {@link JobHandler} gets besides its message. */
export interface JobContext {
  /** Aborted when the worker gives up on the message (the drain deadline passed and it was released). */
  readonly signal: AbortSignal;
  /** Bound to the message's id and receive count (and the worker's `logFields`). */
  readonly logger: Logger;
}

/**
 * Handles one message. Resolving means the result is durably written: the worker then deletes the message.
 * Throwing leaves the message to be received again after the retry delay (so the queue's `maxReceiveCount`
 * dead-letters a message that keeps failing), except for {@link InvalidMessageError}, which dead-letters it at
 * once, and {@link JobReleasedError} (or any failure while stopping), which hands it back at once.
 */
export type JobHandler<T, R = void> = (message: ReceivedMessage<T>, ctx: JobContext) => Promise<R>;

/** Everything {@link runQueueWorker} needs. */
export interface QueueWorkerOptions<T, R = void> {
  readonly queue: JobQueue<T>;
  readonly handler: JobHandler<T, R>;
  /** Most messages in flight (received and not yet deleted or handed back) at any time. */
  readonly concurrency: number;
  /** Seconds a received message stays hidden; the heartbeat extends it by this much while it is handled. */
  readonly visibilityTimeoutSec: number;
  /** Long poll per receive (0..20 s). Default 20. */
  readonly waitTimeSec?: number;
  /** Most messages per receive (1..10), further capped by the free slots. Default 10. */
  readonly receiveBatch?: number;
  /** Milliseconds between visibility extensions. Default a third of the visibility timeout. */
  readonly heartbeatIntervalMs?: number;
  /**
   * After a stop is requested, how long in-flight handlers may run on; the messages still in flight then are
   * handed back (visibility 0) so another worker takes them at once. Default 90 s.
   */
  readonly drainTimeoutMs?: number;
  /** Seconds a failed message stays hidden before it is retried. Default `min(2^receiveCount, 30)`. */
  readonly retryDelaySec?: (receiveCount: number) => number;
  /** Stops the worker: no more receives, then the drain. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Extra fields for a message's log lines (ids only, e.g. a trace id; never content). Must not throw. */
  readonly logFields?: (message: ReceivedMessage<T>) => LogFields;
  /** Asked after an empty receive; `true` stops the worker (a finite batch is done). Default: never. */
  readonly shouldStop?: () => boolean | Promise<boolean>;
  /** Milliseconds to pause after an empty receive (for short polls). Default 0: the long poll waits. */
  readonly idleDelayMs?: () => number;
  /** Called once per message after it was handled and deleted, with the handler's result. */
  readonly onCompleted?: (message: ReceivedMessage<T>, result: R) => void;
  /** Where to keep a JSON {@link WorkerHealth} snapshot, for container health checks. */
  readonly healthFile?: string;
  /** Milliseconds between health file updates. Default 5000. */
  readonly healthIntervalMs?: number;
}

/** Counts of a finished {@link runQueueWorker}. */
export interface QueueWorkerResult {
  /** Messages handled and deleted. */
  readonly processed: number;
  /** Handler failures (the messages were left to be retried). */
  readonly failed: number;
  /** Invalid messages moved to the dead-letter queue. */
  readonly deadLettered: number;
  /** Messages handed back unfinished while stopping. */
  readonly released: number;
  /** `signal` when stopped by the caller, `idle` when `shouldStop` said so. */
  readonly stoppedBy: 'signal' | 'idle';
  readonly elapsedMs: number;
}

interface InFlight<T> {
  readonly message: ReceivedMessage<T>;
  readonly controller: AbortController;
  readonly log: Logger;
  done: Promise<void>;
  /** Handed back: whatever the handler does now, this worker must not delete the message. */
  released: boolean;
  /** The queue refused a heartbeat for good (the receipt is stale): stop extending it. */
  lost: boolean;
  extending: boolean;
}

const STOPPED: unique symbol = Symbol('stopped');

/**
 * The one queue consumer of Winnow, used by the GPU worker and by `winnow scan`: long-polls with bounded
 * concurrency (never more than `concurrency` messages in flight), keeps each in-flight message hidden with a
 * visibility heartbeat, deletes a message only after its handler resolved, dead-letters invalid messages, and
 * drains on `signal` (no more receives; in-flight handlers get `drainTimeoutMs`, then their messages are handed
 * back). Receive failures that may pass are retried with backoff; one that will not (a missing queue, no
 * permission) stops the worker after the drain and is rethrown. Logs are JSON lines with message ids, trace ids
 * and receive counts, never content.
 */
export async function runQueueWorker<T, R = void>(
  options: QueueWorkerOptions<T, R>,
): Promise<QueueWorkerResult> {
  const { queue, handler } = options;
  const concurrency = options.concurrency;
  const visibilitySec = options.visibilityTimeoutSec;
  const waitTimeSec = options.waitTimeSec ?? 20;
  const receiveBatch = options.receiveBatch ?? 10;
  const drainTimeoutMs = options.drainTimeoutMs ?? 90_000;
  checkInteger('concurrency', concurrency, 1, 100_000);
  checkInteger('visibilityTimeoutSec', visibilitySec, 1, 12 * 60 * 60);
  checkInteger('waitTimeSec', waitTimeSec, 0, 20);
  checkInteger('receiveBatch', receiveBatch, 1, 10);
  if (!(drainTimeoutMs >= 0)) throw new RangeError(`drainTimeoutMs must be 0 or more, got ${drainTimeoutMs}`);
  const heartbeatMs = options.heartbeatIntervalMs ?? (visibilitySec * 1000) / 3;
  const retryDelaySec = options.retryDelaySec ?? ((n: number) => Math.min(2 ** n, 30));
  const log = options.logger ?? silentLogger;

  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const inFlight = new Map<string, InFlight<T>>();
  const counts = { processed: 0, failed: 0, deadLettered: 0, released: 0 };
  let state: WorkerState = 'starting';
  let lastPollAt: number | undefined;
  let stoppedBy: 'signal' | 'idle' = 'signal';
  let fatal: { error: unknown } | undefined;

  // Aborted on any reason to stop: the caller's signal, idleness, a fatal receive error. It also wakes sleeps.
  const stop = new AbortController();
  const onCallerAbort = () => stop.abort();
  if (options.signal?.aborted) stop.abort();
  else options.signal?.addEventListener('abort', onCallerAbort, { once: true });

  let slotFreed: (() => void) | undefined;
  const wake = () => {
    const resolve = slotFreed;
    slotFreed = undefined;
    resolve?.();
  };
  stop.signal.addEventListener('abort', wake, { once: true });
  const waitForSlot = (): Promise<void> =>
    inFlight.size < concurrency || stop.signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) => {
          slotFreed = resolve;
        });

  const health = (): WorkerHealth => ({
    state,
    pid: process.pid,
    concurrency,
    inFlight: [...inFlight.values()].filter((e) => !e.released).length,
    ...counts,
    ...(lastPollAt === undefined ? {} : { lastPollAt: new Date(lastPollAt).toISOString() }),
    startedAt,
    updatedAt: new Date().toISOString(),
  });
  // One write at a time (they share a temp file), and at most one more queued: a burst of job starts and ends
  // collapses into a single write of the latest state.
  let healthWrite: Promise<void> | undefined;
  let healthQueued: Promise<void> | undefined;
  const writeHealth = (): Promise<void> => {
    const file = options.healthFile;
    if (file === undefined) return Promise.resolve();
    if (healthQueued) return healthQueued;
    const write = async (): Promise<void> => {
      try {
        await writeHealthFile(file, health());
      } catch (err) {
        log.warn('cannot write the health file', { file, error: toErrorInfo(err) });
      }
    };
    if (!healthWrite) {
      healthWrite = write().finally(() => {
        healthWrite = undefined;
      });
      return healthWrite;
    }
    healthQueued = healthWrite.then(() => {
      healthQueued = undefined;
      healthWrite = write().finally(() => {
        healthWrite = undefined;
      });
      return healthWrite;
    });
    return healthQueued;
  };
  const healthTimer =
    options.healthFile === undefined
      ? undefined
      : setInterval(() => void writeHealth(), options.healthIntervalMs ?? 5000);

  const heartbeat = setInterval(() => {
    for (const entry of inFlight.values()) {
      if (entry.released || entry.lost || entry.extending) continue;
      entry.extending = true;
      queue
        .extendVisibility(entry.message.receipt, visibilitySec)
        .catch((err: unknown) => {
          const info = toErrorInfo(err);
          if (!info.retryable) entry.lost = true;
          entry.log.warn(
            info.retryable
              ? 'visibility heartbeat failed; retrying'
              : 'visibility heartbeat refused; the message may be redelivered to another consumer',
            { error: info },
          );
        })
        .finally(() => {
          entry.extending = false;
        });
    }
  }, heartbeatMs);

  const release = async (message: ReceivedMessage<T>, mlog: Logger): Promise<void> => {
    counts.released++;
    try {
      await queue.extendVisibility(message.receipt, 0);
      mlog.info('job released', {});
    } catch (err) {
      mlog.warn('could not release the job; it reappears after its visibility timeout', {
        error: toErrorInfo(err),
      });
    }
  };

  const onFailure = async (entry: InFlight<T>, err: unknown): Promise<void> => {
    const { message, log: mlog } = entry;
    if (err instanceof InvalidMessageError) {
      const dlq = queue.deadLetter;
      if (dlq) {
        try {
          await dlq.sendBatch([message.body]);
          await queue.delete(message.receipt);
          counts.deadLettered++;
          mlog.warn('invalid message moved to the dead-letter queue', { reason: err.message });
          return;
        } catch (dlqErr) {
          mlog.error('could not dead-letter an invalid message; it will be retried', {
            reason: err.message,
            error: toErrorInfo(dlqErr),
          });
        }
      } else {
        mlog.error("invalid message and no dead-letter queue; leaving it to the queue's redrive policy", {
          reason: err.message,
        });
      }
    }
    if (stop.signal.aborted || err instanceof JobReleasedError) {
      await release(message, mlog);
      return;
    }
    counts.failed++;
    const retryInSec = Math.max(0, Math.min(12 * 60 * 60, Math.round(retryDelaySec(message.receiveCount))));
    if (!(err instanceof RetryLaterError || err instanceof InvalidMessageError)) {
      mlog.error('job failed; it will be retried', { error: toErrorInfo(err), retryInSec });
    } else {
      mlog.debug('job will be retried', { retryInSec });
    }
    try {
      await queue.extendVisibility(message.receipt, retryInSec);
    } catch (visErr) {
      mlog.warn('could not delay the retry; the job reappears after its visibility timeout', {
        error: toErrorInfo(visErr),
      });
    }
  };

  const start = (message: ReceivedMessage<T>): void => {
    let fields: LogFields = {};
    try {
      fields = options.logFields?.(message) ?? {};
    } catch {
      // Log context is optional; a bad body must not stop its own handling.
    }
    const entry: InFlight<T> = {
      message,
      controller: new AbortController(),
      log: log.child({ messageId: message.id, receiveCount: message.receiveCount, ...fields }),
      done: Promise.resolve(),
      released: false,
      lost: false,
      extending: false,
    };
    inFlight.set(message.receipt, entry);
    void writeHealth();
    entry.done = (async () => {
      const t0 = performance.now();
      if (entry.log.enabled('debug')) entry.log.debug('job received', {});
      try {
        const result = await handler(message, { signal: entry.controller.signal, logger: entry.log });
        if (entry.released) return;
        await queue.delete(message.receipt);
        counts.processed++;
        if (entry.log.enabled('debug')) {
          entry.log.debug('job done', { durationMs: Math.round(performance.now() - t0) });
        }
        try {
          options.onCompleted?.(message, result);
        } catch (err) {
          entry.log.error('onCompleted failed', { error: toErrorInfo(err) });
        }
      } catch (err) {
        if (!entry.released) await onFailure(entry, err);
      } finally {
        inFlight.delete(message.receipt);
        void writeHealth();
        wake();
      }
    })();
  };

  state = 'running';
  void writeHealth();
  log.info('worker started', { concurrency, visibilityTimeoutSec: visibilitySec, waitTimeSec });

  let pendingReceive: Promise<ReceivedMessage<T>[]> | undefined;
  let receiveFailures = 0;
  while (!stop.signal.aborted) {
    await waitForSlot();
    if (stop.signal.aborted) break;
    const receiving = queue.receive({
      max: Math.min(receiveBatch, concurrency - inFlight.size),
      visibilityTimeoutSec: visibilitySec,
      waitTimeSec,
    });
    let messages: ReceivedMessage<T>[] | typeof STOPPED;
    try {
      messages = await raceAbort(receiving, stop.signal);
    } catch (err) {
      const info = toErrorInfo(err);
      // Only failures known to pass are retried; anything else (a missing queue, a bug) stops the worker.
      if (err instanceof WinnowError && err.retryable) {
        receiveFailures++;
        const retryInMs = Math.min(1000 * 2 ** (receiveFailures - 1), 30_000);
        log.warn('receive failed; retrying', { error: info, retryInMs });
        await sleepUnless(retryInMs, stop.signal);
        continue;
      }
      log.error('receive failed; stopping', { error: info });
      fatal = { error: err };
      stop.abort();
      break;
    }
    if (messages === STOPPED) {
      pendingReceive = receiving;
      break;
    }
    receiveFailures = 0;
    lastPollAt = Date.now();
    if (messages.length === 0) {
      let idle = false;
      try {
        idle = (await options.shouldStop?.()) === true;
      } catch (err) {
        log.warn('idle check failed', { error: toErrorInfo(err) });
      }
      if (idle) {
        stoppedBy = 'idle';
        stop.abort();
        break;
      }
      const pause = options.idleDelayMs?.() ?? 0;
      if (pause > 0) await sleepUnless(pause, stop.signal);
      continue;
    }
    for (const message of messages) start(message);
  }

  // Drain: wait for the handlers (and a long poll that was under way) up to the deadline.
  state = 'draining';
  void writeHealth();
  const draining = [...inFlight.values()];
  if (draining.length > 0 || pendingReceive) {
    log.info('draining', { inFlight: draining.length, drainTimeoutMs });
  }
  const lateReceive = pendingReceive?.then(
    async (late) => {
      // Received after the stop: hand them straight back.
      await Promise.all(
        late.map((m) => release(m, log.child({ messageId: m.id, receiveCount: m.receiveCount }))),
      );
    },
    () => undefined,
  );
  const deadline = new AbortController();
  const drainTimer = setTimeout(() => deadline.abort(), drainTimeoutMs);
  await raceAbort(Promise.all([...draining.map((e) => e.done), lateReceive]), deadline.signal);
  clearTimeout(drainTimer);
  const overdue = [...inFlight.values()].filter((e) => !e.released);
  if (overdue.length > 0) {
    log.warn('drain timeout; handing back unfinished jobs', { jobs: overdue.length, drainTimeoutMs });
    await Promise.all(
      overdue.map((entry) => {
        entry.released = true;
        entry.controller.abort(new JobReleasedError('the worker stopped before the job finished'));
        return release(entry.message, entry.log);
      }),
    );
  }

  clearInterval(heartbeat);
  if (healthTimer) clearInterval(healthTimer);
  options.signal?.removeEventListener('abort', onCallerAbort);
  state = 'stopped';
  await writeHealth();
  const result: QueueWorkerResult = { ...counts, stoppedBy, elapsedMs: Date.now() - started };
  log.info('worker stopped', { ...result });
  if (fatal) throw fatal.error;
  return result;
}

function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Settles with `p`, or with {@link STOPPED} as soon as `signal` aborts (leaving `p` to the caller). */
function raceAbort<V>(p: Promise<V>, signal: AbortSignal): Promise<V | typeof STOPPED> {
  if (signal.aborted) return Promise.resolve(STOPPED);
  return new Promise((resolve, reject) => {
    // A listener rather than a race against a long-lived promise, which would keep one reaction per call alive.
    const onAbort = () => resolve(STOPPED);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Sleeps `ms`, waking early when `signal` aborts. */
async function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
