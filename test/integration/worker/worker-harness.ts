import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SqsJobQueue } from '../../../adapters/aws';
import type { StateDir } from '../../../adapters/local';
import { PocketsphinxTranscriber } from '../../../core/audio/pocketsphinx-transcriber';
import type { Verdict } from '../../../core/verdict/verdict';
import { JOB_SCHEMA_ID, type JobMessage } from '../../../core/worker/job-message';
import { sqsEndpoint, TEST_AWS_ENV } from '../../setup/sqs-test-queues';

/** The built GPU worker entry point, run as production runs it. */
export const WORKER_MAIN = join(__dirname, '../../../dist/gpu-worker/main.js');

/** A valid job message for a local file. */
export function jobFor(file: string, overrides: Partial<JobMessage> = {}): JobMessage {
  return {
    schema: JOB_SCHEMA_ID,
    item: { uri: pathToFileURL(file).href },
    reason: 'manual',
    policy: { id: 'default', version: '2026-11-26.1' },
    traceId: `trace-${Math.random().toString(36).slice(2, 10)}`,
    enqueuedAt: new Date().toISOString(),
    ...overrides,
  };
}

const EXAMPLES = join(__dirname, '../../../examples/audio');

/**
 * Makes a long heavy-tier job: about 10 s of speech (three example clips joined), which takes the heavy tier
 * several seconds of decoding, voice detection and speech recognition. That work runs in ffmpeg and pocketsphinx
 * processes, so the worker's event loop stays free for heartbeats, as on a GPU. Undefined, with a warning, when
 * ffmpeg or pocketsphinx is missing (`.ci/run` installs them).
 */
export async function makeLongAudio(dir: string): Promise<string | undefined> {
  const ffmpeg = process.env.FFMPEG_PATH || 'ffmpeg';
  let hasFfmpeg = true;
  try {
    execFileSync(ffmpeg, ['-version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    hasFfmpeg = false;
  }
  if (!hasFfmpeg || !(await new PocketsphinxTranscriber().available())) {
    console.warn(
      'ffmpeg or pocketsphinx missing: skipping the long-job worker tests (apt-get install ffmpeg pocketsphinx pocketsphinx-en-us)',
    );
    return undefined;
  }
  const out = join(dir, 'long-speech.wav');
  execFileSync(ffmpeg, [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-i',
    join(EXAMPLES, 'speech.wav'),
    '-i',
    join(EXAMPLES, 'threat.wav'),
    '-i',
    join(EXAMPLES, 'speech.wav'),
    '-filter_complex',
    'concat=n=3:v=0:a=1',
    out,
  ]);
  return out;
}

/**
 * Writes `mib` MiB of profanity: the text detectors' worst case (see docs/detectors.md timings). The text
 * detectors are synchronous, so this blocks the event loop for the whole detection (about 14 s for 12 MiB here).
 */
export function writeSlowText(file: string, mib: number): void {
  const words = ['fuck', 'shit', 'bitch', 'asshole', 'bastard'];
  const line = `${words.map((w) => `${w} you`).join(' ')}\n`;
  writeFileSync(file, line.repeat(Math.ceil((mib * 1024 * 1024) / line.length)));
}

/** Every verdict in a state dir's store. */
export async function allVerdicts(state: StateDir): Promise<Verdict[]> {
  const out: Verdict[] = [];
  let cursor: string | undefined;
  do {
    const page = await state.verdicts.query({}, { cursor, limit: 500 });
    out.push(...page.verdicts);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Receives everything visible on a queue (for checking what is left), hiding it for `visibilitySec`. */
export async function drainVisible<T>(queue: SqsJobQueue<T>, visibilitySec = 30): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const got = await queue.receive({ max: 10, waitTimeSec: 1, visibilityTimeoutSec: visibilitySec });
    if (got.length === 0) return out;
    out.push(...got.map((m) => m.body));
  }
}

/** A GPU worker running as a child process (`node dist/gpu-worker/main.js`), with its JSON log lines parsed. */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private rest = '';

  constructor(env: Record<string, string>) {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\` first`);
    this.child = spawn(process.execPath, [WORKER_MAIN], {
      env: {
        ...process.env,
        ...TEST_AWS_ENV,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        WINNOW_SQS_ENDPOINT: sqsEndpoint(),
        WINNOW_LOG_LEVEL: 'debug',
        WINNOW_POLL_WAIT_SEC: '1',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      const parts = (this.rest + chunk).split('\n');
      this.rest = parts.pop() ?? '';
      for (const p of parts) {
        try {
          this.lines.push(JSON.parse(p) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: 'non-JSON output', text: p });
        }
      }
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** The first log line with this message (and matching fields), waiting up to `timeoutMs`. */
  waitForLog(
    msg: string,
    timeoutMs = 20_000,
    fields: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    return waitUntil(
      `log "${msg}"`,
      () => {
        const found = this.logs(msg).find((l) => Object.entries(fields).every(([k, v]) => l[k] === v));
        if (found) return found;
        if (this.child.exitCode !== null) {
          throw new Error(
            `the worker exited (${this.child.exitCode}) before logging "${msg}":\n${this.dump()}`,
          );
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  logs(msg: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.msg === msg);
  }

  /** The log, for failure messages. */
  dump(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}
