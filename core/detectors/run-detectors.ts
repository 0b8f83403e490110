import {
  CorruptMediaError,
  DetectorSkippedError,
  DetectorTimeoutError,
  type ErrorInfo,
  MediaTooLongError,
  toErrorInfo,
  UnsupportedMediaError,
} from '../errors';
import type { Logger } from '../logging/logger';
import type { Policy } from '../policy/policy';
import type { Signal } from '../signals';
import type { DetectorRun } from '../verdict/verdict';
import type { Detector, DetectorInput } from './detector';

/** The merged outcome of running a set of detectors on one input. */
export interface DetectorsOutcome {
  /** Signals of every detector that succeeded, in the detectors' registry order. */
  readonly signals: Signal[];
  /** One entry per detector, in registry order. */
  readonly runs: DetectorRun[];
  /**
   * The first failure that is about the item itself (damaged, truncated, unsupported or too long media) rather
   * than the detector: the whole verdict should then be that error, since other detectors saw only part of it.
   */
  readonly mediaError?: ErrorInfo;
}

/** Options for {@link runDetectors}. */
export interface RunDetectorsOptions {
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Ids recorded as `skipped` without running, each with the reason the verdict gives. */
  readonly disabled?: ReadonlyMap<string, string>;
  /** Aborts every detector call, e.g. on shutdown. */
  readonly signal?: AbortSignal;
  /** The policy handed to detectors in their context. */
  readonly policy?: Policy;
}

const initialised = new WeakMap<Detector, Promise<void>>();

/** Runs a detector's `init` once per process; a failed init is retried on the next call. */
export function ensureInit(detector: Detector): Promise<void> {
  if (!detector.init) return Promise.resolve();
  let p = initialised.get(detector);
  if (!p) {
    p = detector.init().catch((err: unknown) => {
      initialised.delete(detector);
      throw err;
    });
    initialised.set(detector, p);
  }
  return p;
}

function ref(d: Detector): Pick<DetectorRun, 'id' | 'version' | 'model'> {
  return d.model ? { id: d.id, version: d.version, model: { ...d.model } } : { id: d.id, version: d.version };
}

/** What the detectors of one input share: they start together, so one deadline serves them all. */
interface Deadline {
  readonly signal: AbortSignal;
  /** Rejects with a DetectorTimeoutError when the time budget is spent (or the outer signal aborts). */
  readonly expired: Promise<never>;
}

interface DetectorResult {
  readonly run: DetectorRun;
  readonly signals: readonly Signal[];
  readonly mediaError?: ErrorInfo;
}

async function runOne(
  detector: Detector,
  input: DetectorInput,
  deadline: Deadline,
  options: RunDetectorsOptions,
): Promise<DetectorResult> {
  const started = performance.now();
  let durationMs = 0;
  const logger = options.logger.child({ detector: detector.id });
  const notes: string[] = [];
  const note = (text: string) => {
    notes.push(text);
  };
  try {
    const work = (async () => {
      await ensureInit(detector);
      // Detectors share one thread, so wall time across the concurrent batch would charge each one for the others'
      // work: time the synchronous call itself, and the whole wait only for detectors that return a promise.
      const callStarted = performance.now();
      const out = detector.detect(input, {
        signal: deadline.signal,
        logger,
        note,
        ...(options.policy ? { policy: options.policy } : {}),
      });
      durationMs = performance.now() - callStarted;
      if (!isPromise(out)) return out;
      const result = await out;
      durationMs = performance.now() - callStarted;
      return result;
    })();
    const signals = await Promise.race([work, deadline.expired]);
    for (const s of signals) {
      if (s.detector !== detector.id)
        throw new Error(`detector ${detector.id} emitted a signal labelled ${s.detector}`);
    }
    durationMs = round(durationMs);
    const reason = notes.length > 0 ? { reason: notes.join('; ') } : {};
    return { run: { ...ref(detector), status: 'ok', durationMs, ...reason }, signals };
  } catch (err) {
    if (err instanceof DetectorSkippedError) {
      return { run: { ...ref(detector), status: 'skipped', reason: err.message }, signals: [] };
    }
    const info = toErrorInfo(err);
    const message =
      err instanceof DetectorTimeoutError ? `detector ${detector.id} ${info.message}` : info.message;
    // When the whole run is stopping, an aborted detector is expected, not a fault worth a warning.
    if (options.signal?.aborted) logger.debug('detector stopped', { code: info.code });
    else logger.warn('detector failed', { code: info.code, error: message });
    durationMs = round(durationMs || performance.now() - started);
    const media =
      err instanceof CorruptMediaError ||
      err instanceof UnsupportedMediaError ||
      err instanceof MediaTooLongError;
    return {
      run: { ...ref(detector), status: 'failed', durationMs, reason: `${info.code}: ${message}` },
      signals: [],
      ...(media ? { mediaError: info } : {}),
    };
  }
}

function isPromise<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown })?.then === 'function';
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Runs detectors concurrently on one input. A detector that throws or times out is recorded as `failed` and
 * contributes no signals; the others are unaffected. Results merge in the given (registry) order, whatever order
 * they finish in, so verdicts are deterministic.
 */
export async function runDetectors(
  detectors: readonly Detector[],
  input: DetectorInput,
  options: RunDetectorsOptions,
): Promise<DetectorsOutcome> {
  // One controller and one timer per input rather than per detector: all start at once, so a single deadline is
  // each detector's own budget, and it costs a fraction of the per-call setup.
  const controller = new AbortController();
  let rejectExpired: (err: Error) => void = () => {};
  const expired = new Promise<never>((_, reject) => {
    rejectExpired = reject;
  });
  expired.catch(() => {});
  const expire = (err: Error) => {
    controller.abort(err);
    rejectExpired(err);
  };
  const onOuterAbort = () => expire(toError(options.signal?.reason));
  if (options.signal?.aborted) onOuterAbort();
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(
    () => expire(new DetectorTimeoutError(`exceeded ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const deadline: Deadline = { signal: controller.signal, expired };
  try {
    return await runAll(detectors, input, deadline, options);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}

async function runAll(
  detectors: readonly Detector[],
  input: DetectorInput,
  deadline: Deadline,
  options: RunDetectorsOptions,
): Promise<DetectorsOutcome> {
  const results: DetectorResult[] = await Promise.all(
    detectors.map((d) =>
      options.disabled?.has(d.id)
        ? Promise.resolve({
            run: { ...ref(d), status: 'skipped' as const, reason: options.disabled?.get(d.id) as string },
            signals: [],
          })
        : runOne(d, input, deadline, options),
    ),
  );
  const mediaError = results.find((r) => r.mediaError)?.mediaError;
  return {
    signals: results.flatMap((r) => [...r.signals]),
    runs: results.map((r) => r.run),
    ...(mediaError ? { mediaError } : {}),
  };
}
