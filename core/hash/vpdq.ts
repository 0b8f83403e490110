import { Worker } from 'node:worker_threads';
import { CorruptMediaError, DetectorTimeoutError, UnreadableItemError } from '../errors';
import { ffmpegBinary, SAFE_INPUT_ARGS } from '../ffmpeg/ffmpeg-binary';
import { probeMedia } from '../ffmpeg/probe-media';
import { FRAME_READER_SOURCE, stopFrameReader } from '../video/frame-reader-worker';
import { PDQ_WORDS } from './hamming';
import { pdqHashPixels } from './pdq';
import type { VpdqFrame } from './vpdq-match';

/** Options for {@link vpdqHashVideo}. */
export interface VpdqOptions {
  /**
   * Seconds between hashed frames: frame `i` is hashed when `i % max(1, floor(secondsPerHash·fps)) == 0`. 0 hashes
   * every frame (the C++ tool's default); HMA and the Python binding use 1 (the default here).
   */
  readonly secondsPerHash?: number;
  /**
   * Disable ffmpeg's SIMD code (`-cpuflags 0`), so the YUV→RGB conversion takes libswscale's portable C path: with
   * it, the reference's sample hashes were reproduced exactly on FFmpeg 5.1; without it, dark frames can differ by
   * tens of bits. Costs decode speed. Default true.
   */
  readonly portableConversion?: boolean;
  /** Stop after this many hashed frames (default 100,000). */
  readonly maxFrames?: number;
  /** Wall-clock limit for the whole decode (default 10 minutes). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly ffmpegPath?: string;
  /** Frames per second when the container does not say (default 30). */
  readonly fallbackFps?: number;
}

/** A video's vPDQ hashes with what they were computed from. */
export interface VpdqResult {
  readonly frames: VpdqFrame[];
  /** Frames per second used for the frame step and timestamps. */
  readonly fps: number;
  /** Every `frameStep`-th decoded frame was hashed. */
  readonly frameStep: number;
}

/**
 * The ffmpeg arguments of the vPDQ recipe: decode the first video stream, keep every `frameStep`-th decoded frame
 * (counting from 0, in decoder output order, no frame-rate conversion), convert to packed `rgb24` at the native
 * size with libswscale's area filter, and pipe the raw pixels out. `showinfo` reports each kept frame's size.
 */
export function vpdqFfmpegArgs(
  path: string,
  frameStep: number,
  maxFrames: number,
  portable: boolean,
): string[] {
  const filters = frameStep > 1 ? [`select='not(mod(n\\,${frameStep}))'`, 'showinfo'] : ['showinfo'];
  return [
    ...SAFE_INPUT_ARGS,
    ...(portable ? ['-cpuflags', '0'] : []),
    '-loglevel',
    'info',
    '-threads',
    '1',
    '-i',
    path,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    filters.join(','),
    '-vsync',
    'passthrough',
    '-frames:v',
    String(maxFrames),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-sws_flags',
    'area',
    'pipe:1',
  ];
}

type Message =
  | { t: 'pid'; pid: number }
  | { t: 'frame'; info: { index: number; width: number; height: number }; data: ArrayBuffer }
  | { t: 'end'; code: number | null; stderrTail: string }
  | { t: 'error'; code: string; message: string };

/**
 * vPDQ of a video file: the PDQ hash and quality of every `secondsPerHash`-th second's frame, decoded by ffmpeg at
 * full resolution (see {@link vpdqFfmpegArgs}). Frames are read by a worker thread while this thread hashes.
 *
 * @throws CorruptMediaError when ffmpeg cannot decode the video
 * @throws DetectorTimeoutError past `timeoutMs` or on abort
 */
export async function vpdqHashVideo(path: string, options: VpdqOptions = {}): Promise<VpdqResult> {
  const binary = options.ffmpegPath ?? ffmpegBinary();
  const probe = await probeMedia(path, { ffmpegPath: binary, signal: options.signal });
  if (!probe.video) throw new CorruptMediaError('no video stream');
  const fps = probe.video.fps && probe.video.fps > 0 ? probe.video.fps : (options.fallbackFps ?? 30);
  const frameStep = Math.max(1, Math.floor((options.secondsPerHash ?? 1) * fps));
  const args = vpdqFfmpegArgs(
    path,
    frameStep,
    options.maxFrames ?? 100_000,
    options.portableConversion ?? true,
  );
  const worker = new Worker(FRAME_READER_SOURCE, { eval: true, workerData: { binary, args, maxQueued: 8 } });
  const frames: VpdqFrame[] = [];
  const fps32 = Math.fround(fps);
  let pid: number | undefined;
  let settled = false;
  let workerExited = false;
  worker.on('exit', () => {
    workerExited = true;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => done(new DetectorTimeoutError(`vPDQ decoding did not finish within ${options.timeoutMs} ms`)),
        options.timeoutMs ?? 10 * 60_000,
      );
      const onAbort = () => done(new DetectorTimeoutError('aborted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (m: Message) => {
        if (settled) return;
        if (m.t === 'pid') pid = m.pid;
        else if (m.t === 'frame') {
          const { width, height } = m.info;
          const frame = m.info.index * frameStep;
          const h = pdqHashPixels(new Uint8Array(m.data), width, height, 3);
          frames.push({
            frame,
            quality: h.quality,
            hash: h.hash.length === PDQ_WORDS ? h.hash : new Uint32Array(PDQ_WORDS),
            timestamp: Math.fround(Math.fround(frame) / fps32),
          });
          worker.postMessage('ack');
        } else if (m.t === 'error') {
          done(new UnreadableItemError(`cannot start ${binary} (${m.code}: ${m.message}); set FFMPEG_PATH`));
        } else if (m.t === 'end') {
          if (m.code === 0) done();
          else {
            const why = m.stderrTail.trim().split('\n').slice(-3).join(' | ') || 'no message';
            done(new CorruptMediaError(`ffmpeg could not decode the video (exit ${m.code}): ${why}`));
          }
        }
      });
      worker.on('error', (err) => done(err));
      worker.on('exit', () => done(new CorruptMediaError('the frame reader stopped')));
    });
  } finally {
    stopFrameReader(
      worker,
      () => pid,
      () => workerExited,
    );
  }
  return { frames, fps, frameStep };
}
