/**
 * 256-bit PDQ hashes as 8 unsigned 32-bit words.
 *
 * Word order follows the reference hex string: word 0 holds the first 8 hex digits (hash bits 255..224), word 7
 * the last 8 (bits 31..0). Inside a word the usual big-endian reading of the hex digits applies, so hash bit `k`
 * (the bit that is 1 when DCT coefficient `k = 16*row + col` is above the median) is bit `k & 31` of word
 * `7 - (k >>> 5)`. Packed hash lists store hashes back to back: hash `n` occupies words `8n .. 8n+7`.
 */

/**
 * `Math.imul` read once: a global property lookup per call is slow where the global object is not V8's own (jest
 * runs modules in such a context).
 */
const imul = Math.imul;

/** Words in one PDQ hash. */
export const PDQ_WORDS = 8;

/** Number of one-bits in a 32-bit word. */
export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Hamming distance between the 256-bit hashes at word offsets `aOffset` of `a` and `bOffset` of `b`. */
export function hammingDistance256(a: Uint32Array, aOffset: number, b: Uint32Array, bOffset: number): number {
  return (
    popcount32((a[aOffset] as number) ^ (b[bOffset] as number)) +
    popcount32((a[aOffset + 1] as number) ^ (b[bOffset + 1] as number)) +
    popcount32((a[aOffset + 2] as number) ^ (b[bOffset + 2] as number)) +
    popcount32((a[aOffset + 3] as number) ^ (b[bOffset + 3] as number)) +
    popcount32((a[aOffset + 4] as number) ^ (b[bOffset + 4] as number)) +
    popcount32((a[aOffset + 5] as number) ^ (b[bOffset + 5] as number)) +
    popcount32((a[aOffset + 6] as number) ^ (b[bOffset + 6] as number)) +
    popcount32((a[aOffset + 7] as number) ^ (b[bOffset + 7] as number))
  );
}

const HEX_RE = /^[0-9a-fA-F]{64}$/;

/** Whether `hex` is a 64-digit PDQ hex string. */
export function isPdqHex(hex: string): boolean {
  return HEX_RE.test(hex);
}

/**
 * Parses a 64-digit PDQ hex string into 8 words (see the module comment for the order), written into `out` at
 * `offset` when given.
 *
 * @throws RangeError when `hex` is not 64 hex digits
 */
export function pdqHexToWords(
  hex: string,
  out: Uint32Array = new Uint32Array(PDQ_WORDS),
  offset = 0,
): Uint32Array {
  if (!HEX_RE.test(hex))
    throw new RangeError(`not a 64-digit PDQ hex hash: ${JSON.stringify(hex.slice(0, 80))}`);
  for (let w = 0; w < PDQ_WORDS; w++)
    out[offset + w] = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16) >>> 0;
  return out;
}

/** Formats the 8 words at `offset` of `words` as the 64-digit lowercase PDQ hex string. */
export function wordsToPdqHex(words: Uint32Array, offset = 0): string {
  let s = '';
  for (let w = 0; w < PDQ_WORDS; w++)
    s += ((words[offset + w] as number) >>> 0).toString(16).padStart(8, '0');
  return s;
}

/** Hamming distance between two PDQ hex strings. */
export function pdqHexDistance(a: string, b: string): number {
  return hammingDistance256(pdqHexToWords(a), 0, pdqHexToWords(b), 0);
}
