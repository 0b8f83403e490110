import sharp, { type Metadata } from 'sharp';
import { CorruptMediaError, ItemTooLargeError, UnsupportedMediaError } from '../errors';
import type { MediaFormat } from '../media/media-type';

/** One decoded frame: 8-bit RGB, row-major, `width * height * 3` bytes. */
export interface RgbFrame {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  /** Index of the frame in an animation (0 for still images). */
  readonly index: number;
}

/** A decoded image: one frame for stills, a sample of frames for animations. */
export interface DecodedImage {
  readonly format: MediaFormat;
  readonly width: number;
  readonly height: number;
  /** Frames in the file (1 for stills). */
  readonly frameCount: number;
  readonly frames: readonly RgbFrame[];
}

/** Limits that keep hostile images (decompression bombs, 10,000-frame GIFs) bounded. */
export interface ImageDecodeLimits {
  /** Most pixels in one frame before decoding is refused (width × height). */
  readonly maxPixels: number;
  /** Most frames sampled from an animation, spread evenly over it. */
  readonly maxFrames: number;
  /**
   * Most pixels decoded for one item, over all its sampled frames (default `maxPixels`): every sampled frame is held
   * as RGB at once, so an animation of frames just under `maxPixels` would otherwise cost `maxFrames` times as much.
   */
  readonly maxTotalPixels?: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageDecodeLimits = {
  maxPixels: 100_000_000,
  maxFrames: 8,
  maxTotalPixels: 100_000_000,
};

/** Formats whose decoders ship with sharp here. HEIC needs an HEVC decoder that is not available. */
const DECODABLE: ReadonlySet<MediaFormat> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif']);

/**
 * Decodes an image to RGB frames: EXIF orientation applied, alpha flattened onto white (so transparent content
 * is seen as a viewer would see it), pixel count bounded before any pixel is decoded. Animated GIF and WebP are
 * sampled to at most `maxFrames` frames spread over the animation.
 */
export async function decodeImage(
  bytes: Buffer,
  format: MediaFormat,
  limits: ImageDecodeLimits = DEFAULT_IMAGE_LIMITS,
): Promise<DecodedImage> {
  if (!DECODABLE.has(format)) {
    throw new UnsupportedMediaError(`${format} images cannot be decoded here (no decoder available)`);
  }
  let meta: Metadata;
  try {
    // The header only: no pixel is decoded here, so the size it states is checked below, with a message that says
    // it (sharp's own pixel limit would fail with a bare "exceeds pixel limit").
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (err) {
    throw new CorruptMediaError(`cannot read the ${format} header: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const width = meta.width ?? 0;
  const frameHeight = meta.pageHeight ?? meta.height ?? 0;
  if (width <= 0 || frameHeight <= 0) throw new CorruptMediaError(`the ${format} image has no pixels`);
  if (width * frameHeight > limits.maxPixels) {
    throw new ItemTooLargeError(`image is ${width}×${frameHeight} pixels; the limit is ${limits.maxPixels}`);
  }
  const frameCount = Math.max(1, meta.pages ?? 1);
  const sampled = sampleFrames(frameCount, limits.maxFrames);
  const maxTotalPixels = limits.maxTotalPixels ?? limits.maxPixels;
  if (sampled.length * width * frameHeight > maxTotalPixels) {
    throw new ItemTooLargeError(
      `animation of ${frameCount} frames of ${width}×${frameHeight} pixels: its ${sampled.length} sampled frames ` +
        `would decode ${sampled.length * width * frameHeight} pixels; the limit is ${maxTotalPixels}`,
    );
  }
  const frames: RgbFrame[] = [];
  for (const index of sampled) {
    try {
      const { data, info } = await sharp(bytes, {
        limitInputPixels: limits.maxPixels,
        failOn: 'error',
        ...(frameCount > 1 ? { page: index, pages: 1 } : {}),
      })
        .rotate()
        .flatten({ background: '#ffffff' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      frames.push({ data, width: info.width, height: info.height, index });
    } catch (err) {
      throw new CorruptMediaError(`cannot decode ${format} frame ${index}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const first = frames[0] as RgbFrame;
  return { format, width: first.width, height: first.height, frameCount, frames };
}

/** Indices of at most `max` frames spread evenly over `count`, always including the first. */
export function sampleFrames(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const step = count / max;
  return Array.from({ length: max }, (_, i) => Math.floor(i * step));
}
