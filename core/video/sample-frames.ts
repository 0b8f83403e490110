import { spawn } from 'node:child_process';
import { CorruptMediaError, DetectorTimeoutError, UnreadableItemError } from '../errors';
import { ffmpegBinary, SAFE_INPUT_ARGS } from '../ffmpeg/ffmpeg-binary';
import type { RgbFrame } from '../image/decode-image';

/** How frames are sampled from a video. */
export interface FrameSampling {
  /** Regular samples per second. */
  readonly fps: number;
  /** Also take a frame wherever ffmpeg's scene-change score exceeds this (0–1; 0 disables). */
  readonly sceneThreshold: number;
  /** Frames are scaled down (never up) to fit this many pixels on each side. */
  readonly maxSide: number;
  /** Decode only I and P frames: about twice as fast; samples land on the nearest such frame. */
  readonly skipBidirectional: boolean;
  /** Stop after this many seconds of video. */
  readonly maxDurationSec: number;
  /** Stop after this many frames. */
  readonly maxFrames: number;
}

export const DEFAULT_FRAME_SAMPLING: FrameSampling = {
  fps: 1,
  sceneThreshold: 0.3,
  maxSide: 640,
  skipBidirectional: true,
  maxDurationSec: 4 * 3600,
  maxFrames: 20_000,
};

/** A sampled frame, its presentation time in seconds, and whether the codec stored it as a keyframe. */
export interface TimedFrame extends RgbFrame {
  readonly time: number;
  readonly keyframe: boolean;
}

/** Options for {@link sampleFrames}. */
export interface SampleFramesOptions {
  readonly sampling?: Partial<FrameSampling>;
  /** Wall-clock limit for the whole decode. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly ffmpegPath?: string;
}

const SHOWINFO = /n:\s*(\d+)\s+pts:\s*-?\d+\s+pts_time:(-?[\d.]+).*?\ss:(\d+)x(\d+).*?iskey:(\d)/;

/**
 * Streams sampled frames of a video file as RGB, without writing them to disk: ffmpeg selects one frame per
 * `1/fps` seconds plus scene changes, scales them, and pipes raw `rgb24` to stdout; `showinfo` on stderr gives each
 * frame's time and size. Only the `file` protocol is allowed. The generator ends when the video (or
 * `maxDurationSec`, or `maxFrames`) ends; stopping early (`return`/`break`) kills ffmpeg.
 *
 * @throws CorruptMediaError when ffmpeg cannot decode the video (with its stderr tail)
 * @throws DetectorTimeoutError past `timeoutMs` or on abort
 */
export async function* sampleFrames(
  path: string,
  options: SampleFramesOptions = {},
): AsyncGenerator<TimedFrame> {
  const s = { ...DEFAULT_FRAME_SAMPLING, ...options.sampling };
  // Regular samples, codec keyframes (cheap to find, and where OCR looks first) and scene changes.
  const terms = [
    'isnan(prev_selected_t)',
    // The first frame of each new 1/fps slot: samples stay on a fixed grid, however the other terms add frames.
    `gte(floor(t*${s.fps})-floor(prev_selected_t*${s.fps})\\,1)`,
    'eq(pict_type\\,I)',
    ...(s.sceneThreshold > 0 ? [`gt(scene\\,${s.sceneThreshold})`] : []),
  ];
  const select = `select='${terms.join('+')}'`;
  const scale = `scale='min(${s.maxSide},iw)':'min(${s.maxSide},ih)':force_original_aspect_ratio=decrease`;
  const args = [
    ...SAFE_INPUT_ARGS,
    '-loglevel',
    'info',
    ...(s.skipBidirectional ? ['-skip_frame', 'bidir'] : []),
    '-t',
    String(s.maxDurationSec),
    '-i',
    path,
    '-an',
    '-sn',
    '-dn',
    '-vf',
    `${select},${scale},showinfo`,
    '-vsync',
    'vfr',
    '-frames:v',
    String(s.maxFrames),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
  options.signal?.throwIfAborted();
  const binary = options.ffmpegPath ?? ffmpegBinary();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const infos: { index: number; time: number; width: number; height: number; keyframe: boolean }[] = [];
  let stderrTail = '';
  let partial = '';
  let failure: Error | undefined;
  let exited = false;
  let exitCode: number | null = null;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: Error) => {
    failure ??= err;
    child.kill('SIGKILL');
    notify();
  };
  const timer = setTimeout(
    () => fail(new DetectorTimeoutError(`video decoding did not finish within ${options.timeoutMs} ms`)),
    options.timeoutMs ?? 10 * 60_000,
  );
  const onAbort = () =>
    fail(
      options.signal?.reason instanceof Error ? options.signal.reason : new DetectorTimeoutError('aborted'),
    );
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    // Backpressure: a slow consumer (inference) must not let frames pile up in memory.
    if (pendingBytes > 64 * 1024 * 1024) child.stdout.pause();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = line.includes('showinfo') ? SHOWINFO.exec(line) : null;
      if (m) {
        infos.push({
          index: Number(m[1]),
          time: Number(m[2]),
          width: Number(m[3]),
          height: Number(m[4]),
          keyframe: m[5] === '1',
        });
      } else if (!line.includes('showinfo')) {
        stderrTail = `${stderrTail}\n${line}`.slice(-2048);
      }
    }
    notify();
  });
  child.on('error', (err: NodeJS.ErrnoException) =>
    fail(new UnreadableItemError(`cannot start ${binary} (${err.code ?? err.message}); set FFMPEG_PATH`)),
  );
  child.on('close', (code) => {
    exited = true;
    exitCode = code;
    notify();
  });

  const take = (bytes: number): Buffer => {
    const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    const frame = Buffer.from(all.subarray(0, bytes));
    const rest = all.subarray(bytes);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    if (child.stdout.isPaused() && pendingBytes <= 64 * 1024 * 1024) child.stdout.resume();
    return frame;
  };

  let produced = 0;
  try {
    while (true) {
      if (failure) throw failure;
      const info = infos[produced];
      const need = info ? info.width * info.height * 3 : Number.POSITIVE_INFINITY;
      if (info && pendingBytes >= need) {
        yield { data: take(need), ...info };
        produced++;
        continue;
      }
      if (exited) {
        if (failure) throw failure;
        if (exitCode !== 0) {
          const why = stderrTail.trim().split('\n').slice(-3).join(' | ') || 'no message';
          throw new CorruptMediaError(`ffmpeg could not decode the video (exit ${exitCode}): ${why}`);
        }
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!exited) child.kill('SIGKILL');
  }
}
