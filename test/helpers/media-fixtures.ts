/**
 * Media fixtures generated at test time with ffmpeg (lavfi sources) and sharp, never copied from elsewhere.
 *
 * Encoding uses the system ffmpeg (`WINNOW_TEST_FFMPEG`, else `ffmpeg` on PATH), which needs libx264, aac,
 * libvpx-vp9, libopus and libvorbis; the code under test decodes with its own choice (the bundled static ffmpeg
 * 4.1 unless `FFMPEG_PATH` is set).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { prng } from './prng';

/** The ffmpeg that encodes fixtures. */
export const FIXTURE_FFMPEG = process.env.WINNOW_TEST_FFMPEG || 'ffmpeg';

/** The static ffmpeg 4.1 of `@ffmpeg-installer/ffmpeg`, when its platform package is installed. */
export const BUNDLED_FFMPEG: string | undefined = (() => {
  try {
    return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch {
    return undefined;
  }
})();

/** True when {@link FIXTURE_FFMPEG} runs and has the encoders the fixtures use. */
export const HAVE_FIXTURE_FFMPEG: boolean = (() => {
  try {
    const encoders = execFileSync(FIXTURE_FFMPEG, ['-hide_banner', '-encoders'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    return ['libx264', 'aac', 'libvpx-vp9', 'libopus', 'libvorbis'].every((e) =>
      new RegExp(`\\s${e}\\s`).test(encoders),
    );
  } catch {
    return false;
  }
})();

/** `describe`, or `describe.skip` with a warning when no suitable ffmpeg can encode fixtures. */
export function describeWithFfmpeg(name: string, fn: () => void): void {
  if (HAVE_FIXTURE_FFMPEG) {
    describe(name, fn);
  } else {
    console.warn(
      `${FIXTURE_FFMPEG} with libx264/aac/libvpx-vp9/libopus/libvorbis not found: skipping "${name}"`,
    );
    describe.skip(name, fn);
  }
}

/** A fresh private temporary folder; remove it with {@link removeDir}. */
export function makeTempDir(prefix = 'winnow-media-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Runs the fixture ffmpeg quietly, overwriting outputs; rejects with its stderr on failure. */
export function runFfmpeg(args: readonly string[], binary = FIXTURE_FFMPEG): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`${binary} ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve();
      },
    );
  });
}

/** Runs ffmpeg on an input with no output and returns what it prints (the `Input #0` summary). */
export function ffmpegInputSummary(path: string, binary = FIXTURE_FFMPEG): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['-nostdin', '-hide_banner', '-protocol_whitelist', 'file,pipe', '-i', path],
      { timeout: 30_000 },
      (_err, _stdout, stderr) => resolve(stderr),
    );
  });
}

const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** A generated clip: one lavfi video source, optionally with a sine tone. */
export interface ClipOptions {
  /** Solid colour (`color=` source) or `testsrc2` (a moving test pattern). Default `red`. */
  readonly pattern?: string;
  readonly width?: number;
  readonly height?: number;
  /** Source frame rate. Default 10 (a whole number of frames per second and per half second). */
  readonly fps?: number;
  readonly durationSec: number;
  /** Add a 440 Hz tone at this sample rate. */
  readonly audioSampleRate?: number;
  /** `mp4` (H.264, AAC) or `webm` (VP9, Opus). Default `mp4`. */
  readonly container?: 'mp4' | 'webm';
  /** Put the MP4 index (moov) first. Default: ffmpeg's default, the index at the end. */
  readonly faststart?: boolean;
  /** Keyframe interval in frames (default: the encoder's). */
  readonly gop?: number;
}

/** Encodes a clip to `path`. */
export async function makeClip(path: string, o: ClipOptions): Promise<string> {
  const w = o.width ?? 160;
  const h = o.height ?? 120;
  const fps = o.fps ?? 10;
  const pattern = o.pattern ?? 'red';
  const video =
    pattern === 'testsrc2' ? `testsrc2=s=${w}x${h}:r=${fps}` : `color=c=${pattern}:s=${w}x${h}:r=${fps}`;
  const audio = o.audioSampleRate
    ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${o.audioSampleRate}`]
    : [];
  const codecs =
    o.container === 'webm'
      ? ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus']
      : [...H264, '-c:a', 'aac'];
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    video,
    ...audio,
    '-t',
    String(o.durationSec),
    ...codecs,
    ...(o.gop ? ['-g', String(o.gop)] : []),
    ...(o.faststart ? ['-movflags', '+faststart'] : []),
    path,
  ]);
  return path;
}

/** A hard cut: `first` colour for `cutAtSec`, then `second` colour until `durationSec`. */
export async function makeCutClip(
  path: string,
  o: { first: string; second: string; cutAtSec: number; durationSec: number; fps?: number },
): Promise<string> {
  const fps = o.fps ?? 10;
  const size = '160x120';
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=${o.first}:s=${size}:r=${fps}:d=${o.cutAtSec}`,
    '-f',
    'lavfi',
    '-i',
    `color=c=${o.second}:s=${size}:r=${fps}:d=${o.durationSec - o.cutAtSec}`,
    '-filter_complex',
    '[0:v][1:v]concat=n=2:v=1:a=0',
    ...H264,
    path,
  ]);
  return path;
}

/** A red 160×120 MPEG-TS segment with a tone (H.264 + MP2), as an HLS playlist would list. */
export async function makeTsSegment(path: string, durationSec: number): Promise<string> {
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', 'color=c=red:s=160x120:r=10'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000'],
    ...['-t', String(durationSec), ...H264, '-c:a', 'mp2', '-f', 'mpegts', path],
  ]);
  return path;
}

/** An audio-only Ogg Vorbis tone. */
export async function makeOggAudio(path: string, durationSec: number): Promise<string> {
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-t',
    String(durationSec),
    '-c:a',
    'libvorbis',
    path,
  ]);
  return path;
}

/** Copies `input` with a `rotate` tag on its video stream (written by ffmpeg as a display matrix). */
export async function makeRotated(input: string, path: string, rotate: number): Promise<string> {
  await runFfmpeg(['-i', input, '-c', 'copy', '-metadata:s:v:0', `rotate=${rotate}`, path]);
  return path;
}

/**
 * A black 16×16 video at 1 frame per second lasting `hours` (default 10): a few hundred kB, encoded in a few seconds,
 * and a container header that states its full length.
 */
export async function makeLongSilentVideo(path: string, hours = 10): Promise<string> {
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'color=c=black:s=16x16:r=1',
    '-t',
    String(hours * 3600),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '600',
    path,
  ]);
  return path;
}

/** `n` reproducible pseudo-random bytes that match no media signature (the first bytes are fixed, not magic). */
export function noiseBytes(n: number, seed = 1): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  // Make sure no signature can start the buffer by chance (none starts with 0x00 0x01 ... and NUL means binary).
  if (n >= 8) Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]).copy(out, 0);
  return out;
}

/** An HLS media playlist with one segment per URL. */
export function hlsPlaylist(segments: readonly string[]): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:1',
    '#EXT-X-MEDIA-SEQUENCE:0',
    ...segments.flatMap((s) => ['#EXTINF:1,', s]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/** `body` behind an empty ID3v2.3 tag: Winnow sniffs it as MP3, and ffmpeg skips the tag before probing. */
export function behindId3Tag(body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]), Buffer.from(body)]);
}

/** A TCP server on 127.0.0.1 that counts (and drops) every connection: a canary for fetches. */
export interface ConnectionCanary {
  readonly port: number;
  readonly url: string;
  connections(): number;
  close(): Promise<void>;
}

export function startConnectionCanary(): Promise<ConnectionCanary> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('no TCP address'));
        return;
      }
      resolve({
        port: address.port,
        url: `http://127.0.0.1:${address.port}`,
        connections: () => count,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Writes `bytes` under `dir` and returns the path. */
export function writeFixture(dir: string, name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A raw RGB frame (`width * height * 3` bytes) of one colour, made with sharp. */
export async function solidRgb(
  width: number,
  height: number,
  rgb: readonly [number, number, number],
): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .raw()
    .toBuffer();
}

/** A raw RGB frame with a horizontal grey gradient and soft diagonal bands: not flat, like a real picture. */
export function sceneRgb(width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const base = 40 + Math.round((150 * x) / Math.max(1, width - 1));
      const band = Math.round(20 * Math.sin((x + y) / 9));
      out[i] = base + band;
      out[i + 1] = base;
      out[i + 2] = base - band;
    }
  }
  return out;
}

/** The same frame with every channel moved by a reproducible random amount in [-amplitude, amplitude]. */
export function withNoise(frame: Buffer, amplitude: number, seed = 7): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(frame.length);
  for (let i = 0; i < frame.length; i++) {
    const d = Math.round((next() * 2 - 1) * amplitude);
    out[i] = Math.max(0, Math.min(255, (frame[i] as number) + d));
  }
  return out;
}

/** Draws a subtitle-like caption (black box, white text) over the bottom third of a raw RGB frame, with sharp. */
export async function withCaption(
  frame: Buffer,
  width: number,
  height: number,
  text: string,
): Promise<Buffer> {
  const top = Math.round((height * 2) / 3);
  const boxHeight = height - top;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${boxHeight}">` +
    `<rect width="100%" height="100%" fill="black"/>` +
    `<text x="50%" y="65%" font-size="${Math.round(boxHeight * 0.5)}" fill="white" text-anchor="middle" ` +
    `font-family="sans-serif">${text}</text></svg>`;
  return sharp(frame, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
}
