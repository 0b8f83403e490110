import { PDQ_WORDS } from './hamming';
import { pdqDct64To16 } from './pdq-dct';
import { PDQ_DOWNSAMPLE, pdqDownsample, pdqDownsampleRows } from './pdq-downsample';
import { pdqDownsampleRgbSimd, pdqSimdAvailable } from './pdq-downsample-simd';

/**
 * `Math.fround` read once: a global property lookup per call is slow where the global object is not V8's own
 * (jest runs modules in such a context, which makes the hot loops about 100 times slower).
 */
const fround = Math.fround;
const trunc = Math.trunc;

/**
 * PDQ perceptual hashing (Meta ThreatExchange), bit-exact with the reference C++ core: every step is float32 with
 * the reference's operation order. Hashes are 8 uint32 words in the order of `core/hash/hamming.ts`.
 */

/** A PDQ hash and its quality (0–100; ThreatExchange suggests ignoring hashes of quality 49 or less). */
export interface PdqHash {
  /** 256 bits as 8 words (see `core/hash/hamming.ts` for the order). */
  readonly hash: Uint32Array;
  readonly quality: number;
}

/** The 16×16 DCT block a hash is thresholded from, with the quality; the input of the dihedral variants. */
export interface PdqCoefficients {
  /** 256 float32 coefficients, row-major (`16*i + j`, `i` vertical frequency). All zero for tiny pictures. */
  readonly dct: Float32Array;
  readonly quality: number;
  /** Whether the picture was under 5 pixels on a side (zero hash, quality 0). */
  readonly tiny: boolean;
}

/** Pictures narrower or shorter than this hash to 256 zero bits with quality 0. */
export const PDQ_MIN_SIDE = 5;

/** Hamming distance at or below which two PDQ hashes are taken to match (ThreatExchange and HMA). */
export const PDQ_MATCH_THRESHOLD = 31;

/** Quality below which HMA produces no PDQ signal. */
export const PDQ_MIN_USEFUL_QUALITY = 50;

const LUMA_R = new Float64Array(256);
const LUMA_G = new Float64Array(256);
const LUMA_B = new Float64Array(256);
{
  const cr = fround(0.299);
  const cg = fround(0.587);
  const cb = fround(0.114);
  for (let v = 0; v < 256; v++) {
    LUMA_R[v] = fround(cr * v);
    LUMA_G[v] = fround(cg * v);
    LUMA_B[v] = fround(cb * v);
  }
}

/** Writes the float32 luma of `n` pixels from `pixels[p..]` (`channels` interleaved) into `dst[d..]`. */
function lumaSpan(
  pixels: Uint8Array,
  p: number,
  channels: number,
  dst: Float32Array,
  d: number,
  n: number,
): void {
  if (channels === 1) {
    for (let i = 0; i < n; i++) dst[d + i] = pixels[p + i] as number;
    return;
  }
  for (let i = 0, q = p; i < n; i++, q += channels) {
    const rg = fround((LUMA_R[pixels[q] as number] as number) + (LUMA_G[pixels[q + 1] as number] as number));
    dst[d + i] = rg + (LUMA_B[pixels[q + 2] as number] as number);
  }
}

function checkSize(pixels: Uint8Array, width: number, height: number, channels: number): void {
  if (pixels.length < width * height * channels) {
    throw new RangeError(
      `expected ${width * height * channels} bytes for ${width}×${height}×${channels}, got ${pixels.length}`,
    );
  }
}

/**
 * Float32 luma of 8-bit pixels with `channels` interleaved channels: `(0.299·R + 0.587·G) + 0.114·B` with float32
 * constants and rounding after each operation; one channel is taken as the luma itself; a fourth channel (alpha)
 * is ignored, as the reference does.
 */
export function pdqLuma(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  out: Float32Array = new Float32Array(width * height),
): Float32Array {
  checkSize(pixels, width, height, channels);
  lumaSpan(pixels, 0, channels, out, 0, width * height);
  return out;
}

/**
 * Quality of a 64×64 downsampled picture: the summed absolute neighbour differences, each truncated to an integer
 * percentage of 255 in float32, divided by 90 and capped at 100.
 */
export function pdqQuality(a: Float32Array): number {
  const S = PDQ_DOWNSAMPLE;
  let gradient = 0;
  for (let i = 0; i < S - 1; i++) {
    for (let j = 0; j < S; j++) {
      const d = fround(fround(fround((a[i * S + j] as number) - (a[(i + 1) * S + j] as number)) * 100) / 255);
      gradient += d < 0 ? -trunc(d) : trunc(d);
    }
  }
  for (let i = 0; i < S; i++) {
    for (let j = 0; j < S - 1; j++) {
      const d = fround(fround(fround((a[i * S + j] as number) - (a[i * S + j + 1] as number)) * 100) / 255);
      gradient += d < 0 ? -trunc(d) : trunc(d);
    }
  }
  return Math.min(100, Math.floor(gradient / 90));
}

const down = new Float32Array(PDQ_DOWNSAMPLE * PDQ_DOWNSAMPLE);
const sortScratch = new Float32Array(256);

/** The 128th smallest of the 256 coefficients (the reference's median). */
function median256(dct: Float32Array): number {
  sortScratch.set(dct);
  sortScratch.sort();
  return sortScratch[127] as number;
}

/**
 * Thresholds 256 DCT coefficients at their median: bit `16*i + j` is 1 when `dct[16*i + j]` is strictly above it.
 * Returns the 8 hash words.
 */
export function pdqHashFromDct(
  dct: Float32Array,
  out: Uint32Array = new Uint32Array(PDQ_WORDS),
): Uint32Array {
  const m = median256(dct);
  out.fill(0);
  for (let k = 0; k < 256; k++) {
    if ((dct[k] as number) > m) {
      const w = 7 - (k >>> 5);
      out[w] = ((out[w] as number) | (1 << (k & 31))) >>> 0;
    }
  }
  return out;
}

/** DCT coefficients and quality of a float32 luma picture (consumed as scratch only; left unchanged). */
export function pdqCoefficientsFromLuma(luma: Float32Array, width: number, height: number): PdqCoefficients {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) {
    return { dct: new Float32Array(256), quality: 0, tiny: true };
  }
  pdqDownsample(luma, width, height, down);
  return finish();
}

/** Quality and DCT of the 64×64 picture in `down`. */
function finish(): PdqCoefficients {
  const quality = pdqQuality(down);
  return { dct: pdqDct64To16(down), quality, tiny: false };
}

/** Which filter {@link pdqCoefficients} runs on RGB pixels: both give identical bits. */
export type PdqFilterImplementation = 'simd' | 'js';

let filterImplementation: PdqFilterImplementation = 'simd';

/**
 * Chooses the filter for RGB pixels: `simd` (the default; WebAssembly SIMD, falling back to `js` where the runtime
 * lacks it) or `js`. For tests and benchmarks that compare the two.
 */
export function setPdqFilterImplementation(implementation: PdqFilterImplementation): void {
  filterImplementation = implementation;
}

/** DCT coefficients and quality of 8-bit pixels (`channels` interleaved: grey, RGB or RGBA). */
export function pdqCoefficients(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4 = 3,
): PdqCoefficients {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) {
    return { dct: new Float32Array(256), quality: 0, tiny: true };
  }
  checkSize(pixels, width, height, channels);
  if (width === PDQ_DOWNSAMPLE && height === PDQ_DOWNSAMPLE) {
    lumaSpan(pixels, 0, channels, down, 0, width * height);
  } else if (channels === 3 && filterImplementation === 'simd' && pdqSimdAvailable()) {
    pdqDownsampleRgbSimd(pixels, width, height, down);
  } else {
    // Luma is produced a few rows at a time as the filter asks for them: no full-size luma buffer.
    pdqDownsampleRows(
      (r0, rows, dst) => lumaSpan(pixels, r0 * width * channels, channels, dst, 0, rows * width),
      width,
      height,
      down,
    );
  }
  return finish();
}

/**
 * PDQ hash and quality of decoded 8-bit pixels at full resolution (`channels` interleaved: grey, RGB, or RGBA
 * whose alpha is ignored). Pictures under 5 pixels on a side get 256 zero bits and quality 0.
 */
export function pdqHashPixels(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4 = 3,
): PdqHash {
  const c = pdqCoefficients(pixels, width, height, channels);
  return { hash: c.tiny ? new Uint32Array(PDQ_WORDS) : pdqHashFromDct(c.dct), quality: c.quality };
}
