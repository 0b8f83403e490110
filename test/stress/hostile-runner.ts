/**
 * Runs the compiled engine (dist/, built by `npm test` and `npm run test:stress`) over hostile items one at a time in
 * a child process, and measures each item's wall time and memory.
 *
 * How memory is measured, and why this way:
 * - One long-lived child builds the engine exactly as `winnow scan` does (cli/local-engine: the fast tier with the
 *   heavy tier behind it, default policy and detectors), loads every model and moderates a few ordinary items first,
 *   so that model loading and the first inference's allocations are not charged to the first hostile item. A child
 *   per item would charge every item with the engine's own ~200-500 MiB and take a cold start each (seconds).
 * - Before each item the child resets its peak resident set (`echo 5 > /proc/self/clear_refs` sets VmHWM to the
 *   current RSS, Linux ≥ 4.0) and reads VmRSS; after it, it reads VmHWM. The kernel keeps VmHWM for every thread
 *   (sharp's libvips threads, onnxruntime's, the frame reader's worker thread), so `VmHWM - VmRSS at start` is
 *   exactly the most memory the item added to the process, whatever allocated it. (Heap that V8 kept from an
 *   earlier, larger item and reuses is not counted again: that item was charged for it.)
 * - ffmpeg runs as a separate process, which VmHWM does not include, and Node cannot read a child's rusage. Where GNU
 *   time and util-linux setpriv exist, the engine's FFMPEG_PATH is a wrapper that runs the real ffmpeg under
 *   `time -f %M` (its exact peak RSS from wait4, appended to a log) and `setpriv --pdeathsig KILL` (so that when the
 *   engine kills the wrapper on a timeout, ffmpeg dies with it, as it would unwrapped). In any case this (parent)
 *   process also samples every 10 ms the children of the engine process (/proc/<pid>/task/<tid>/children) and their
 *   VmHWM: VmHWM is a running peak, so a sample taken any time before ffmpeg exits sees its peak so far. Sampling
 *   alone misses a probe that lives a few milliseconds (and so cannot hold much); the wrapper misses nothing.
 * - An item's memory is the engine's growth plus the largest ffmpeg it ran (the frame decoder and the soundtrack
 *   decoder can overlap, so a video's true worst case is at most two of them). If clear_refs cannot be written, the
 *   child is restarted before every item instead (its VmHWM then covers the warm-up too, which only overstates).
 * A crash, a kill or a hang of the child is recorded for the item (and the child restarted), never thrown: the test
 * asserts that none happened. The parent also kills the child when its RSS passes a hard cap, so that a bomb that got
 * through cannot take the machine down with it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../../core/config/env-names';
import { ffmpegBinary } from '../../core/ffmpeg/ffmpeg-binary';
import type { Verdict } from '../../core/verdict/verdict';

/** The repository's build output, which the child loads. */
export const DIST_DIR = join(__dirname, '../../dist');

/** What one item cost and gave. */
export interface CaseRun {
  readonly id: string;
  /** The verdict, unless the engine threw or the child died. */
  readonly verdict?: Verdict;
  /** How many verdicts the engine returned for the item (one, or zero when it threw or died). */
  readonly verdicts: number;
  /** The engine threw (it must never: every failure is an error verdict). */
  readonly thrown?: string;
  /** The child crashed, was killed or hung on this item. */
  readonly crash?: string;
  readonly wallMs: number;
  /** The most memory the engine process grew by while moderating the item. */
  readonly engineMiB: number;
  /** The largest peak RSS of a process the engine started for the item (ffmpeg), 0 when none. */
  readonly childMiB: number;
  /** How many processes the engine started for the item (that the wrapper or the sampler saw). */
  readonly children: number;
  /** `engineMiB + childMiB`: what the case's `rssMiB` limit bounds. */
  readonly memoryMiB: number;
}

/** Options for {@link HostileRunner.start}. */
export interface HostileRunnerOptions {
  /** Items moderated, unmeasured, after the models load (ordinary text, picture and video). */
  readonly warmUp?: readonly string[];
  /** The child is killed when its RSS passes this many MiB (default 6144). */
  readonly hardCapMiB?: number;
  /** Extra environment for the child. */
  readonly env?: Record<string, string>;
}

/** The child's program: the compiled engine, a loop over items, VmHWM around each. Plain JS for `node -e`. */
const CHILD_SOURCE = String.raw`
const { createReadStream, readFileSync, statSync, writeFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const dist = process.env.WINNOW_HOSTILE_DIST;
const { createDefaultDetectors } = require(dist + '/core/detectors/registry');
const { loadPolicy } = require(dist + '/core/policy/load-policy');
const { localEngine } = require(dist + '/cli/local-engine');
const { silentLogger } = require(dist + '/core/logging/logger');

const kib = (status, field) => {
  const m = new RegExp('^' + field + ':\\s+(\\d+) kB', 'm').exec(status);
  return m ? Number(m[1]) : 0;
};
const memory = () => {
  const s = readFileSync('/proc/self/status', 'utf8');
  return { rss: kib(s, 'VmRSS'), hwm: kib(s, 'VmHWM') };
};
const resetPeak = () => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
};
let engine;
const moderate = (path) =>
  engine.moderate(
    { uri: pathToFileURL(path).href, size: statSync(path).size, open: async () => createReadStream(path) },
    { runId: 'hostile-corpus' },
  );
process.on('message', async (m) => {
  if (m.t === 'init') {
    const policy = loadPolicy();
    const { fast, heavy } = localEngine({ policy, detectors: createDefaultDetectors(), logger: silentLogger });
    engine = fast;
    await Promise.all([fast.warmUp(), heavy.warmUp()]);
    for (const path of m.warmUp) await moderate(path);
    global.gc?.();
    process.send({ t: 'ready', rssKiB: memory().rss, canResetPeak: resetPeak() });
  } else if (m.t === 'case') {
    global.gc?.();
    resetPeak();
    const before = memory();
    process.send({ t: 'started', id: m.id });
    const t0 = performance.now();
    let verdict;
    let thrown;
    try {
      verdict = await moderate(m.path);
    } catch (err) {
      thrown = String((err && err.stack) || err);
    }
    const wallMs = performance.now() - t0;
    const after = memory();
    process.send({ t: 'done', id: m.id, verdict, thrown, wallMs, rssStartKiB: before.rss, hwmKiB: after.hwm });
  }
});
`;

type ChildMessage =
  | { t: 'ready'; rssKiB: number; canResetPeak: boolean }
  | { t: 'started'; id: string }
  | {
      t: 'done';
      id: string;
      verdict?: Verdict;
      thrown?: string;
      wallMs: number;
      rssStartKiB: number;
      hwmKiB: number;
    };

const KiB_PER_MiB = 1024;

/** The engine in a child process, one hostile item at a time. */
export class HostileRunner {
  private child?: ChildProcess;
  private inbox: ChildMessage[] = [];
  private wake?: () => void;
  private exit?: string;
  private stderr = '';
  private canResetPeak = true;
  /** RSS of the warmed engine, MiB (for reports). */
  baselineMiB = 0;
  /** The ffmpeg wrapper's folder and peak log, when GNU time and setpriv exist. */
  private readonly wrapper?: { dir: string; script: string; log: string };

  private constructor(private readonly options: HostileRunnerOptions) {
    this.wrapper = makeFfmpegWrapper();
  }

  static async start(options: HostileRunnerOptions = {}): Promise<HostileRunner> {
    const runner = new HostileRunner(options);
    await runner.spawnChild();
    return runner;
  }

  /** How ffmpeg's memory is measured: exactly (GNU time) or by sampling only. */
  get ffmpegMeasurement(): 'time+sampling' | 'sampling' {
    return this.wrapper ? 'time+sampling' : 'sampling';
  }

  private async spawnChild(): Promise<void> {
    this.inbox = [];
    this.exit = undefined;
    this.stderr = '';
    const child = spawn(process.execPath, ['--expose-gc', '-e', CHILD_SOURCE], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: {
        ...process.env,
        WINNOW_HOSTILE_DIST: DIST_DIR,
        WINNOW_LOG_LEVEL: 'silent',
        ...(this.wrapper
          ? {
              [ENV.ffmpegPath]: this.wrapper.script,
              WINNOW_HOSTILE_REAL_FFMPEG: ffmpegBinary(),
              WINNOW_HOSTILE_FFMPEG_LOG: this.wrapper.log,
            }
          : {}),
        ...this.options.env,
      },
    });
    this.child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-8192);
    });
    child.on('message', (m: ChildMessage) => {
      this.inbox.push(m);
      this.wake?.();
    });
    child.on('exit', (code, signal) => {
      this.exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.wake?.();
    });
    child.send({ t: 'init', warmUp: this.options.warmUp ?? [] });
    const ready = await this.next(180_000);
    if (ready?.t !== 'ready') {
      throw new Error(`the engine process did not start (${this.exit ?? 'timeout'}): ${this.stderr}`);
    }
    this.canResetPeak = ready.canResetPeak;
    this.baselineMiB = ready.rssKiB / KiB_PER_MiB;
  }

  /** The next message from the child, or undefined when it exited or `timeoutMs` passed. */
  private async next(timeoutMs: number): Promise<ChildMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.inbox.shift();
      if (m) return m;
      if (this.exit !== undefined) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Moderates one item; `hangMs` is when the child is killed and the item recorded as hung. */
  async run(id: string, path: string, hangMs: number): Promise<CaseRun> {
    if (!this.canResetPeak || this.exit !== undefined || !this.child) await this.restart();
    const child = this.child as ChildProcess;
    const pid = child.pid as number;
    const capKiB = (this.options.hardCapMiB ?? 6144) * KiB_PER_MiB;
    const peaks = new Map<number, number>();
    let capped: string | undefined;
    const engineName = statusField(pid, 'Name');
    const sample = () => {
      for (const c of childrenOf(pid)) {
        // Between fork and exec a child is a copy of the engine process (same name, the engine's RSS as its own):
        // only what runs after exec (ffmpeg) is the item's.
        if (statusField(c, 'Name') === engineName) continue;
        const hwm = statusKiB(c, 'VmHWM');
        if (hwm > (peaks.get(c) ?? 0)) peaks.set(c, hwm);
      }
      if (statusKiB(pid, 'VmRSS') > capKiB && !capped) {
        capped = `RSS passed the hard cap of ${this.options.hardCapMiB ?? 6144} MiB`;
        child.kill('SIGKILL');
      }
    };
    const logFrom = this.wrapper ? fileSize(this.wrapper.log) : 0;
    const started = Date.now();
    child.send({ t: 'case', id, path });
    const sampler = setInterval(sample, 10);
    let done: Extract<ChildMessage, { t: 'done' }> | undefined;
    try {
      for (;;) {
        const m = await this.next(Math.max(1, started + hangMs - Date.now()));
        if (m === undefined) break;
        if (m.t === 'done' && m.id === id) {
          done = m;
          break;
        }
      }
      sample();
    } finally {
      clearInterval(sampler);
    }
    const timed = this.wrapper ? peaksLogged(this.wrapper.log, logFrom) : [];
    const childKiB = Math.max(0, ...peaks.values(), ...timed);
    const children = Math.max(peaks.size, timed.length);
    if (!done) {
      const crash = capped ?? this.exit ?? `no verdict within ${hangMs} ms`;
      const tail = this.stderr.trim().split('\n').slice(-5).join(' | ');
      child.kill('SIGKILL');
      await this.restart();
      return {
        id,
        verdicts: 0,
        crash: tail ? `${crash}: ${tail}` : crash,
        wallMs: Date.now() - started,
        engineMiB: Number.NaN,
        childMiB: childKiB / KiB_PER_MiB,
        children,
        memoryMiB: Number.NaN,
      };
    }
    const engineMiB = Math.max(0, done.hwmKiB - done.rssStartKiB) / KiB_PER_MiB;
    const childMiB = childKiB / KiB_PER_MiB;
    return {
      id,
      verdict: done.verdict,
      verdicts: done.verdict ? 1 : 0,
      ...(done.thrown ? { thrown: done.thrown } : {}),
      wallMs: done.wallMs,
      engineMiB,
      childMiB,
      children,
      memoryMiB: engineMiB + childMiB,
    };
  }

  private async restart(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.spawnChild();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.exit === undefined) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    if (this.wrapper) rmSync(this.wrapper.dir, { recursive: true, force: true });
  }
}

/**
 * An `ffmpeg` that runs the real one under GNU time (peak RSS appended to a log, one line a run) and setpriv's parent
 * death signal; undefined when either tool is missing (then ffmpeg's memory is sampled only).
 */
function makeFfmpegWrapper(): { dir: string; script: string; log: string } | undefined {
  const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  if (!ok('/usr/bin/time', ['-f', '%M', '-o', '/dev/null', 'true'])) return undefined;
  if (!ok('setpriv', ['--pdeathsig', 'KILL', 'true'])) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'winnow-hostile-ffmpeg-'));
  const script = join(dir, 'ffmpeg');
  const log = join(dir, 'peaks.log');
  writeFileSync(log, '');
  writeFileSync(
    script,
    '#!/bin/sh\nexec /usr/bin/time -f %M -a -o "$WINNOW_HOSTILE_FFMPEG_LOG" ' +
      'setpriv --pdeathsig KILL "$WINNOW_HOSTILE_REAL_FFMPEG" "$@"\n',
  );
  chmodSync(script, 0o755);
  return { dir, script, log };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The peak RSS values (KiB) the wrapper appended to its log after byte `from`. */
function peaksLogged(log: string, from: number): number[] {
  let text = '';
  try {
    text = readFileSync(log).subarray(from).toString('utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/** Live child processes of `pid` (all its threads'), and theirs. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number, depth: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let list = '';
      try {
        list = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of list.split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        if (depth < 2) visit(c, depth + 1);
      }
    }
  };
  visit(pid, 0);
  return out;
}

/** A field of /proc/<pid>/status, '' when the process is gone. */
function statusField(pid: number, field: string): string {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(s)?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** A `kB` field of /proc/<pid>/status, 0 when the process is gone. */
function statusKiB(pid: number, field: string): number {
  const m = /^(\d+) kB$/.exec(statusField(pid, field));
  return m ? Number(m[1]) : 0;
}
