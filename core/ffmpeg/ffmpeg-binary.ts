import { ENV } from '../config/env-names';

let bundled: string | null | undefined;

/** The ffmpeg of the `@ffmpeg-installer/ffmpeg` npm package, when its platform binary is installed. */
function bundledFfmpeg(): string | null {
  if (bundled === undefined) {
    try {
      bundled = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    } catch {
      // The package installs one optional platform binary; on other platforms it throws here.
      bundled = null;
    }
  }
  return bundled;
}

/**
 * The ffmpeg binary to run: `FFMPEG_PATH` when set, else the static build from `@ffmpeg-installer/ffmpeg`
 * (ffmpeg 4.1, installed by `npm ci` without downloads), else `ffmpeg` on PATH.
 */
export function ffmpegBinary(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env[ENV.ffmpegPath];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return bundledFfmpeg() ?? 'ffmpeg';
}

/**
 * Most pixels in one decoded video frame: a little over 8K UHD (8192×4320 is 35.4 M). ffmpeg's decoders refuse
 * larger frames (`-max_pixels`), and the probe refuses media that state them.
 */
export const MAX_FRAME_PIXELS = 40_000_000;

/**
 * Arguments that go before every untrusted input: no keyboard input, no banner, only the `file` and `pipe`
 * protocols, so a playlist or reference inside the media can never make ffmpeg open a URL, and no decoded frame
 * over {@link MAX_FRAME_PIXELS} (ffmpeg decodes a frame even to probe some codecs: a 12000×12000 PNG-in-MOV frame
 * would cost 430 MB before any limit of Winnow's could look at the header).
 */
export const SAFE_INPUT_ARGS: readonly string[] = [
  '-nostdin',
  '-hide_banner',
  '-protocol_whitelist',
  'file,pipe',
  '-max_pixels',
  String(MAX_FRAME_PIXELS),
];
