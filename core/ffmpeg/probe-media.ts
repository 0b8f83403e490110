import {
  CorruptMediaError,
  ItemTooLargeError,
  TooManyStreamsError,
  UnreadableItemError,
  UnsupportedMediaError,
} from '../errors';
import { ProcessStartError, runBounded } from '../process/run-bounded';
import { ffmpegBinary, MAX_FRAME_PIXELS, SAFE_INPUT_ARGS } from './ffmpeg-binary';

/** Demuxers that read other files or URLs named inside the input: never allowed on untrusted items. */
const REFERRING_DEMUXERS: ReadonlySet<string> = new Set([
  'hls',
  'applehttp',
  'concat',
  'ffconcat',
  'dash',
  'webm_dash_manifest',
  'rtsp',
  'sdp',
  'rtp',
  'srtp',
  'image2',
  'imagepipe',
]);

/**
 * Most streams (of any kind) a media file may hold. Winnow reads the first video and the first audio stream; a file
 * of dozens more costs ffmpeg time and memory to probe and demux, and is no ordinary upload.
 */
export const MAX_MEDIA_STREAMS = 32;

/** What ffmpeg says about a media file's streams. */
export interface MediaProbe {
  /** Seconds, when the container states it. */
  readonly durationSec?: number;
  readonly video?: {
    readonly codec: string;
    readonly width: number;
    readonly height: number;
    readonly fps?: number;
    /** Degrees the player rotates the picture (ffmpeg applies it when decoding). */
    readonly rotation: number;
  };
  readonly audio?: { readonly codec: string; readonly sampleRate?: number; readonly channels?: string };
}

/** Options for {@link probeMedia}. */
export interface ProbeOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly ffmpegPath?: string;
}

/**
 * Reads a media file's container header with `ffmpeg -i` (the bundled static ffmpeg has no ffprobe) and parses
 * the stream summary it prints: duration, the first video stream (codec, size, fps, rotation) and the first audio
 * stream. Only the `file` protocol is allowed.
 *
 * @throws CorruptMediaError when ffmpeg cannot read the container
 * @throws UnsupportedMediaError when the input refers to other resources (a playlist or a URL)
 * @throws TooManyStreamsError past {@link MAX_MEDIA_STREAMS} streams
 * @throws ItemTooLargeError when a video stream's frames are larger than {@link MAX_FRAME_PIXELS}
 */
export async function probeMedia(path: string, options: ProbeOptions = {}): Promise<MediaProbe> {
  const binary = options.ffmpegPath ?? ffmpegBinary();
  let stderr: string;
  try {
    const result = await runBounded(binary, [...SAFE_INPUT_ARGS, '-i', path], {
      timeoutMs: options.timeoutMs ?? 30_000,
      signal: options.signal,
      stderrKeepBytes: 64 * 1024,
    });
    stderr = result.stderr;
  } catch (err) {
    if (err instanceof ProcessStartError) {
      throw new UnreadableItemError(`${err.message}; set FFMPEG_PATH`, { cause: err });
    }
    throw err;
  }
  return parseProbe(stderr);
}

/** Parses the `Input #0` summary ffmpeg prints to stderr. Exported for tests. */
export function parseProbe(stderr: string): MediaProbe {
  if (/not on whitelist|Protocol not found/i.test(stderr)) {
    // Protocol or demuxer refused by SAFE_INPUT_ARGS: the input wanted to read something other than itself.
    throw new UnsupportedMediaError(
      'the media refers to other resources (a playlist or URL); Winnow reads only the file itself',
    );
  }
  const oversized = /Picture size (\d+)x(\d+) exceeds specified max pixel count/.exec(stderr);
  if (oversized) {
    // The probe's own decode was stopped by -max_pixels (SAFE_INPUT_ARGS): the stream then states no size.
    throw new ItemTooLargeError(
      `a video stream is ${oversized[1]}×${oversized[2]} pixels a frame; the limit is ${MAX_FRAME_PIXELS}`,
    );
  }
  const input = /^Input #0, (\S+?), from/m.exec(stderr);
  const failedIn = /^\[(\w+) @ (?:0x)?[0-9a-f]+\]/gm;
  for (let m = failedIn.exec(stderr); !input && m !== null; m = failedIn.exec(stderr)) {
    if (REFERRING_DEMUXERS.has(m[1] as string)) {
      // A list demuxer (concat refusing an "unsafe" path, say) failed to open what the item names.
      throw new UnsupportedMediaError(
        `the media is a ${m[1]} playlist or list that refers to other files; Winnow reads only the file itself`,
      );
    }
  }
  if (!input) {
    // ffmpeg prefixes messages with the input path (a private temp path): keep the message, drop the path.
    const last = stderr
      .trim()
      .split('\n')
      .slice(-2)
      .map((l) => l.replace(/^\S*\/\S*: /, ''))
      .join(' | ');
    throw new CorruptMediaError(`ffmpeg cannot read the container: ${last || 'no message'}`);
  }
  const referring = (input[1] as string).split(',').find((d) => REFERRING_DEMUXERS.has(d));
  if (referring) {
    // A playlist or list hidden behind other bytes (an ID3 tag, say) would make ffmpeg read other local files.
    throw new UnsupportedMediaError(
      `the media is a ${referring} playlist or list that refers to other files; Winnow reads only the file itself`,
    );
  }
  const streams = stderr.match(/^\s*Stream #0:\d+/gm)?.length ?? 0;
  if (streams > MAX_MEDIA_STREAMS) {
    throw new TooManyStreamsError(
      `the media holds ${streams} streams; Winnow reads files of at most ${MAX_MEDIA_STREAMS}`,
    );
  }
  // ffmpeg decodes the largest video stream when none is chosen, so every one is checked, not just the first.
  for (const m of stderr.matchAll(/^\s*Stream #0:\d+.*?: Video: .*?, (\d{1,6})x(\d{1,6})(?:[ ,[].*)?$/gm)) {
    const pixels = Number(m[1]) * Number(m[2]);
    if (pixels > MAX_FRAME_PIXELS) {
      throw new ItemTooLargeError(
        `a video stream is ${m[1]}×${m[2]} pixels a frame; the limit is ${MAX_FRAME_PIXELS}`,
      );
    }
  }
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  const durationSec = duration
    ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])
    : undefined;
  const videoLine = /Stream #0:\d+.*?: Video: (\w+).*?, (\d{1,5})x(\d{1,5})(?:[ ,[].*)?$/m.exec(stderr);
  const fps = videoLine ? /, ([\d.]+) fps/.exec(videoLine[0]) : null;
  const tag = /rotate\s*:\s*(-?\d+)/.exec(stderr);
  const matrix = /rotation of (-?[\d.]+) degrees/.exec(stderr);
  // The rotate tag is clockwise; the display matrix angle is counter-clockwise.
  const degrees = tag ? Number(tag[1]) : matrix ? -Number(matrix[1]) : 0;
  const audioLine = /Stream #0:\d+.*?: Audio: (\w+)(?:.*?, (\d+) Hz)?(?:, ([\w.() ]+?))?(?:,|$)/m.exec(
    stderr,
  );
  return {
    ...(durationSec !== undefined ? { durationSec } : {}),
    ...(videoLine
      ? {
          video: {
            codec: videoLine[1] as string,
            width: Number(videoLine[2]),
            height: Number(videoLine[3]),
            ...(fps ? { fps: Number(fps[1]) } : {}),
            rotation: ((Math.round(degrees) % 360) + 360) % 360,
          },
        }
      : {}),
    ...(audioLine
      ? {
          audio: {
            codec: audioLine[1] as string,
            ...(audioLine[2] ? { sampleRate: Number(audioLine[2]) } : {}),
            ...(audioLine[3] ? { channels: audioLine[3].trim() } : {}),
          },
        }
      : {}),
  };
}
