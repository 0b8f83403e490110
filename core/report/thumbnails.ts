import sharp, { type Sharp } from 'sharp';
import { ffmpegBinary, SAFE_INPUT_ARGS } from '../ffmpeg/ffmpeg-binary';
import { runBounded } from '../process/run-bounded';

/** A small JPEG of an item, as a data URI, and the pixel space its evidence boxes are in. */
export interface Thumbnail {
  readonly dataUri: string;
  /** Size of the JPEG. */
  readonly width: number;
  readonly height: number;
  /** Size of the picture the detectors saw (after EXIF rotation; for videos, the scaled frame). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Bytes of the JPEG (before base64). */
  readonly bytes: number;
}

/** Options for thumbnails. */
export interface ThumbnailOptions {
  /** Longest side of the thumbnail, pixels. */
  readonly maxSide: number;
  /** Most pixels of a source image decoded (decompression bombs). */
  readonly maxInputPixels?: number;
}

const DEFAULT_MAX_PIXELS = 100_000_000;

async function encode(
  input: Sharp,
  sourceWidth: number,
  sourceHeight: number,
  maxSide: number,
): Promise<Thumbnail> {
  const { data, info } = await input
    .flatten({ background: '#ffffff' })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 74, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  return {
    dataUri: `data:image/jpeg;base64,${data.toString('base64')}`,
    width: info.width,
    height: info.height,
    sourceWidth,
    sourceHeight,
    bytes: data.length,
  };
}

/**
 * A thumbnail of one frame of an image (frame 0 of stills), EXIF rotation applied as the detectors apply it, so
 * region boxes (in the rotated picture's pixels) line up with it.
 */
export async function imageThumbnail(
  bytes: Buffer,
  frame: number,
  options: ThumbnailOptions,
): Promise<Thumbnail> {
  const limitInputPixels = options.maxInputPixels ?? DEFAULT_MAX_PIXELS;
  const meta = await sharp(bytes, { limitInputPixels, failOn: 'error' }).metadata();
  const pages = Math.max(1, meta.pages ?? 1);
  const page = frame > 0 && frame < pages ? frame : 0;
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  const swapped = (meta.orientation ?? 1) >= 5;
  const input = sharp(bytes, {
    limitInputPixels,
    failOn: 'error',
    ...(pages > 1 ? { page, pages: 1 } : {}),
  }).rotate();
  return encode(input, swapped ? h : w, swapped ? w : h, options.maxSide);
}

/** Options for {@link videoFrameThumbnail}. */
export interface VideoThumbnailOptions extends ThumbnailOptions {
  /** The policy's `frameMaxSide`: video frames are scaled to fit it before detectors see them (and boxes are in it). */
  readonly frameMaxSide: number;
  readonly timeoutMs?: number;
  readonly ffmpegPath?: string;
}

/**
 * A thumbnail of the video frame at `timeSec`, decoded by ffmpeg (file protocol only) and scaled as the video
 * detectors scale frames, so their region boxes line up. Undefined when ffmpeg is missing or yields no frame.
 */
export async function videoFrameThumbnail(
  path: string,
  timeSec: number,
  options: VideoThumbnailOptions,
): Promise<Thumbnail | undefined> {
  const side = options.frameMaxSide;
  const scale = `scale='min(${side},iw)':'min(${side},ih)':force_original_aspect_ratio=decrease`;
  let png: Buffer;
  try {
    const result = await runBounded(
      options.ffmpegPath ?? ffmpegBinary(),
      [
        ...SAFE_INPUT_ARGS,
        '-loglevel',
        'error',
        '-ss',
        String(Math.max(0, timeSec)),
        '-i',
        path,
        '-frames:v',
        '1',
        '-vf',
        scale,
        '-f',
        'image2pipe',
        '-c:v',
        'png',
        'pipe:1',
      ],
      { timeoutMs: options.timeoutMs ?? 20_000, maxStdoutBytes: 32 * 1024 * 1024 },
    );
    if (result.code !== 0 || result.stdout.length === 0) return undefined;
    png = result.stdout;
  } catch {
    return undefined;
  }
  const meta = await sharp(png).metadata();
  return encode(sharp(png), meta.width ?? 0, meta.height ?? 0, options.maxSide);
}
