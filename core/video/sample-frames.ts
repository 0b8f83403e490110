import { Worker } from 'node:worker_threads';
import { CorruptMediaError, DetectorTimeoutError, UnreadableItemError } from '../errors';
import { ffmpegBinary, SAFE_INPUT_ARGS } from '../ffmpeg/ffmpeg-binary';
import type { RgbFrame } from '../image/decode-image';
import { FRAME_READER_SOURCE, stopFrameReader } from './frame-reader-worker';

/** How frames are sampled from a video. */
export interface FrameSampling {
  /** Regular samples per second. */
  readonly fps: number;
  /** Also take a frame wherever ffmpeg's scene-change score exceeds this (0–1; 0 disables). */
  readonly sceneThreshold: number;
  /**
   * Scene changes are looked for among this many frames per second (scaled to `maxSide`), not among every decoded
   * frame: ffmpeg scores scenes on RGB pictures, so scoring every 720p frame would cost a colour conversion each. A
   * cut is still found, within 1/sceneFps seconds of where it happens.
   */
  readonly sceneFps: number;
  /** Frames are scaled down (never up) to fit this many pixels on each side. */
  readonly maxSide: number;
  /** Decode only I and P frames: about twice as fast; samples land on the nearest such frame. */
  readonly skipBidirectional: boolean;
  /**
   * Skip the H.264/HEVC deblocking filter on non-key frames (keyframes, where OCR reads, keep it): about 15% less
   * decode CPU, for pictures within about 43 dB PSNR of the exact decode (measured in BENCHMARKS.md).
   */
  readonly skipLoopFilter: boolean;
  /** Stop after this many seconds of video. */
  readonly maxDurationSec: number;
  /** Stop after this many frames. */
  readonly maxFrames: number;
  /**
   * ffmpeg decoder threads. 1 by default: inference needs the other cores, and on 2 cores a second decoder thread
   * only adds contention (measured in BENCHMARKS.md); raise it on machines with cores to spare.
   */
  readonly decoderThreads: number;
}

export const DEFAULT_FRAME_SAMPLING: FrameSampling = {
  fps: 1,
  sceneThreshold: 0.3,
  sceneFps: 2,
  maxSide: 640,
  skipBidirectional: true,
  skipLoopFilter: true,
  maxDurationSec: 4 * 3600,
  maxFrames: 20_000,
  decoderThreads: 1,
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
  /** Frames decoded ahead of the consumer before ffmpeg is paused (default 16: about 11 MB at 640×360). */
  readonly maxQueuedFrames?: number;
  /** Called with ffmpeg's process id once it runs (for logs and tests). */
  readonly onSpawn?: (pid: number) => void;
}

/**
 * Streams sampled frames of a video file as RGB, without writing them to disk: ffmpeg selects one frame per
 * `1/fps` seconds plus scene changes, scales them, and pipes raw `rgb24` to stdout; `showinfo` on stderr gives each
 * frame's time and size. Only the `file` protocol is allowed. The generator ends when the video (or
 * `maxDurationSec`, or `maxFrames`) ends; stopping early (`return`/`break`) kills ffmpeg.
 *
 * @throws CorruptMediaError when ffmpeg cannot decode the video, or decodes no frame of it (with its stderr tail)
 * @throws DetectorTimeoutError past `timeoutMs` or on abort
 */
export async function* sampleFrames(
  path: string,
  options: SampleFramesOptions = {},
): AsyncGenerator<TimedFrame> {
  const s = { ...DEFAULT_FRAME_SAMPLING, ...options.sampling };
  // Regular samples, codec keyframes (cheap to find, and where OCR looks first) and scene changes.
  const grid = [
    'isnan(prev_selected_t)',
    // The first frame of each new 1/fps slot: samples stay on a fixed grid, however the other terms add frames.
    `gte(floor(t*${s.fps})-floor(prev_selected_t*${s.fps})\\,1)`,
    'eq(pict_type\\,I)',
  ];
  const scale = `scale='min(${s.maxSide},iw)':'min(${s.maxSide},ih)':force_original_aspect_ratio=decrease`;
  const sceneFps = Math.max(s.sceneFps, s.fps);
  const filters =
    s.sceneThreshold > 0
      ? [
          // Thin the stream to sceneFps first and pin its pixel format, so that the RGB conversion the scene score
          // needs happens after the thinning and the scaling, on a few small pictures rather than every decoded one.
          `select='${[...grid, `gte(floor(t*${sceneFps})-floor(prev_selected_t*${sceneFps})\\,1)`].join('+')}'`,
          'format=yuv420p',
          scale,
          `select='${[...grid, `gt(scene\\,${s.sceneThreshold})`].join('+')}'`,
        ]
      : [`select='${grid.join('+')}'`, scale];
  const args = [
    ...SAFE_INPUT_ARGS,
    '-loglevel',
    'info',
    ...(s.skipBidirectional ? ['-skip_frame', 'bidir'] : []),
    ...(s.skipLoopFilter ? ['-skip_loop_filter', 'nokey'] : []),
    '-threads',
    String(s.decoderThreads),
    '-t',
    String(s.maxDurationSec),
    '-i',
    path,
    '-an',
    '-sn',
    '-dn',
    '-vf',
    [...filters, 'showinfo'].join(','),
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
  const worker = new Worker(FRAME_READER_SOURCE, {
    eval: true,
    workerData: { binary, args, maxQueued: options.maxQueuedFrames ?? 16 },
  });
  type Message =
    | { t: 'pid'; pid: number }
    | { t: 'frame'; info: Omit<TimedFrame, 'data'>; data: ArrayBuffer }
    | { t: 'end'; code: number | null; stderrTail: string }
    | { t: 'error'; code: string; message: string };
  const inbox: Message[] = [];
  let frames = 0;
  let pid: number | undefined;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: Error) => {
    failure ??= err;
    notify();
  };
  worker.on('message', (m: Message) => {
    if (m.t === 'pid') {
      pid = m.pid;
      options.onSpawn?.(m.pid);
    } else inbox.push(m);
    notify();
  });
  worker.on('error', (err) => fail(err));
  let workerExited = false;
  worker.on('exit', () => {
    workerExited = true;
    inbox.push({ t: 'end', code: failure ? 1 : -1, stderrTail: 'the frame reader stopped' });
    notify();
  });
  const timer = setTimeout(
    () => fail(new DetectorTimeoutError(`video decoding did not finish within ${options.timeoutMs} ms`)),
    options.timeoutMs ?? 10 * 60_000,
  );
  const onAbort = () =>
    fail(
      options.signal?.reason instanceof Error ? options.signal.reason : new DetectorTimeoutError('aborted'),
    );
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    while (true) {
      if (failure) throw failure;
      const m = inbox.shift();
      if (!m) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if (m.t === 'frame') {
        worker.postMessage('ack');
        frames++;
        yield { ...m.info, data: Buffer.from(m.data) };
      } else if (m.t === 'error') {
        throw new UnreadableItemError(`cannot start ${binary} (${m.code}: ${m.message}); set FFMPEG_PATH`);
      } else if (m.t === 'end') {
        const why = () => m.stderrTail.trim().split('\n').slice(-3).join(' | ') || 'no message';
        if (m.code !== 0)
          throw new CorruptMediaError(`ffmpeg could not decode the video (exit ${m.code}): ${why()}`);
        if (frames === 0) {
          // The first decoded frame is always selected, so none means nothing was decodable (a stream without a
          // sample, or only undecodable ones): nothing was seen, which must not pass as an empty video.
          throw new CorruptMediaError(`ffmpeg decoded no frame of the video: ${why()}`);
        }
        return;
      }
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    stopFrameReader(
      worker,
      () => pid,
      () => workerExited,
    );
  }
}
