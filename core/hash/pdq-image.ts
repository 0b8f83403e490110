import sharp, { type Metadata } from 'sharp';
import { CorruptMediaError, ItemTooLargeError } from '../errors';
import { PDQ_WORDS } from './hamming';
import { type PdqHash, pdqCoefficients, pdqHashFromDct } from './pdq';
import { type PdqDihedralHashes, pdqDihedralHashes } from './pdq-dihedral';

/** An image decoded the way PDQ hashes it: 8-bit RGB at full resolution. */
export interface PdqPixels {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Largest image decoded for hashing (width × height), against decompression bombs. */
export const PDQ_MAX_PIXELS = 100_000_000;

/**
 * Decodes an image file's bytes to 8-bit RGB the way HMA (python-threatexchange) feeds the PDQ core: full
 * resolution, no resizing, no EXIF rotation, alpha dropped without compositing, grey expanded to R=G=B, and the
 * first frame of an animation. sharp uses libjpeg-turbo, like Pillow, so JPEG pixels usually agree exactly.
 *
 * @throws CorruptMediaError when the bytes are not a decodable image
 * @throws ItemTooLargeError above `maxPixels`
 */
export async function decodeForPdq(bytes: Buffer, maxPixels = PDQ_MAX_PIXELS): Promise<PdqPixels> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new CorruptMediaError(`cannot read the image: ${(err as Error).message}`, { cause: err });
  }
  const pixels = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0);
  if (pixels > maxPixels) {
    throw new ItemTooLargeError(`image has ${pixels} pixels, over the ${maxPixels} limit`);
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, pages: 1, ignoreIcc: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoder gave ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new CorruptMediaError(`cannot decode the image: ${(err as Error).message}`, { cause: err });
  }
}

/** PDQ hash and quality of an image file's bytes (see {@link decodeForPdq} for the decoding). */
export async function pdqHashImage(bytes: Buffer): Promise<PdqHash> {
  const px = await decodeForPdq(bytes);
  const c = pdqCoefficients(px.data, px.width, px.height, 3);
  return { hash: c.tiny ? new Uint32Array(PDQ_WORDS) : pdqHashFromDct(c.dct), quality: c.quality };
}

/** PDQ hash, quality and the 8 dihedral variants of an image file's bytes. */
export async function pdqHashImageDihedral(
  bytes: Buffer,
): Promise<PdqHash & { dihedral: PdqDihedralHashes }> {
  const px = await decodeForPdq(bytes);
  const c = pdqCoefficients(px.data, px.width, px.height, 3);
  const dihedral = pdqDihedralHashes(c);
  return { hash: dihedral.original, quality: c.quality, dihedral };
}
