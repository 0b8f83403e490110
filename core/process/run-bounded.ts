import { spawn } from 'node:child_process';
import { DetectorTimeoutError, ItemTooLargeError } from '../errors';

/** How much of a child's stderr is kept for error messages. */
const STDERR_KEEP = 4096;

/** Options for {@link runBounded}. */
export interface RunBoundedOptions {
  /** Bytes written to the child's stdin, which is then closed; without it stdin is not connected. */
  readonly stdin?: Buffer;
  /** Wall-clock limit; the child is killed past it. */
  readonly timeoutMs: number;
  /** Kills the child when aborted. */
  readonly signal?: AbortSignal;
  /** Kills the child when its stdout grows past this many bytes. */
  readonly maxStdoutBytes?: number;
  /** How much of stderr to keep (the end of it); default 4096 bytes. */
  readonly stderrKeepBytes?: number;
}

/** How a bounded child ended (it ran to exit; limits and start failures reject instead). */
export interface RunBoundedResult {
  readonly stdout: Buffer;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of stderr, for error messages. */
  readonly stderrTail: string;
  /** The kept end of stderr (`stderrKeepBytes`), for callers that parse it. */
  readonly stderr: string;
}

/** The child process could not be started at all (missing binary, no permission). */
export class ProcessStartError extends Error {
  constructor(
    readonly binary: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot start ${binary} (${cause.code ?? cause.message})`, { cause });
    this.name = 'ProcessStartError';
  }
}

/**
 * Runs a program on untrusted input with bounds: a wall-clock timeout and an abort signal (both reject with
 * `DetectorTimeoutError`, or the abort reason when it is an Error), a cap on stdout (`ItemTooLargeError`), and
 * a kept stderr tail. A start failure rejects with {@link ProcessStartError}; any exit resolves, so callers decide
 * what a non-zero code means.
 */
export function runBounded(
  binary: string,
  args: readonly string[],
  options: RunBoundedOptions,
): Promise<RunBoundedResult> {
  return new Promise((resolve, reject) => {
    const signal = options.signal;
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new DetectorTimeoutError(`${binary} aborted`));
      return;
    }
    const child = spawn(binary, args, { stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let failure: Error | undefined;
    let settled = false;

    const fail = (err: Error): void => {
      failure ??= err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => fail(new DetectorTimeoutError(`${binary} did not finish within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = (): void =>
      fail(signal?.reason instanceof Error ? signal.reason : new DetectorTimeoutError(`${binary} aborted`));
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (err: Error | undefined, value?: RunBoundedResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err !== undefined || value === undefined) reject(err);
      else resolve(value);
    };

    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (options.maxStdoutBytes !== undefined && outBytes > options.maxStdoutBytes) {
        fail(new ItemTooLargeError(`${binary} output is larger than ${options.maxStdoutBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-(options.stderrKeepBytes ?? STDERR_KEEP));
    });
    child.on('error', (err: NodeJS.ErrnoException) => finish(failure ?? new ProcessStartError(binary, err)));
    child.on('close', (code, sig) => {
      if (failure !== undefined) return finish(failure);
      const stderrTail = stderr.trim().split('\n').slice(-3).join(' | ');
      finish(undefined, { stdout: Buffer.concat(chunks), code, signal: sig, stderrTail, stderr });
    });

    if (options.stdin && child.stdin) {
      // The child may exit before reading everything (a bad header); EPIPE is then expected and the exit code tells.
      child.stdin.on('error', () => {});
      child.stdin.end(options.stdin);
    }
  });
}
