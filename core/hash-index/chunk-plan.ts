/** Bits in the hashes the index holds. */
export const HASH_BITS = 256;

/** One substring of the hash: `length` bits starting at bit `start` of the packed words (bit 0 = LSB of word 0). */
export interface HashChunk {
  readonly start: number;
  readonly length: number;
}

/** The most bits one chunk may have: its bucket-offset table holds `2^length + 1` entries. */
export const MAX_CHUNK_BITS = 24;

/**
 * Splits the 256 bits into `count` contiguous chunks as even as possible (the longer chunks first), e.g. 16 × 16
 * or 4 × 22 + 8 × 21.
 *
 * @throws RangeError when a chunk would exceed {@link MAX_CHUNK_BITS} bits or `count` is outside 1..256
 */
export function splitChunks(count: number): HashChunk[] {
  if (!Number.isInteger(count) || count < 1 || count > HASH_BITS) {
    throw new RangeError(`chunk count must be a whole number from 1 to ${HASH_BITS}, got ${count}`);
  }
  const base = Math.floor(HASH_BITS / count);
  const longer = HASH_BITS % count;
  if (base + (longer > 0 ? 1 : 0) > MAX_CHUNK_BITS) {
    throw new RangeError(`${count} chunks of 256 bits exceed ${MAX_CHUNK_BITS} bits each`);
  }
  const chunks: HashChunk[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const length = base + (i < longer ? 1 : 0);
    chunks.push({ start, length });
    start += length;
  }
  return chunks;
}

/** Number of values within Hamming distance `t` of a `bits`-bit value: sum of C(bits, i) for i ≤ t. */
export function ballSize(bits: number, t: number): number {
  let total = 0;
  let c = 1;
  for (let i = 0; i <= t && i <= bits; i++) {
    total += c;
    c = (c * (bits - i)) / (i + 1);
  }
  return total;
}

/**
 * Per-chunk search radii for a query radius, by the generalised pigeonhole principle: if two hashes differ in at
 * most `radius` bits and the chunk radii `t_i` satisfy `sum(t_i) ≥ radius + 1 - chunks`, then some chunk `i`
 * differs in at most `t_i` bits (otherwise every chunk differs in at least `t_i + 1` bits, `radius + 1` in all).
 * A radius of -1 means the chunk is not probed. For 16 × 16 bits and radius 31 every chunk gets 1; for radius
 * 0 only one chunk is probed, exactly.
 *
 * Radii start equal and the remainder goes, one bit at a time, to the chunk where it adds the fewest expected
 * candidates (`ballSize / 2^length` for uniform hashes), which favours the longer chunks.
 */
export function planChunkRadii(chunks: readonly HashChunk[], radius: number): Int32Array {
  const m = chunks.length;
  const needed = radius + 1 - m;
  const radii = new Int32Array(m).fill(Math.floor(needed / m));
  let left = needed - Math.floor(needed / m) * m;
  const cost = (i: number, t: number): number => {
    const chunk = chunks[i] as HashChunk;
    return t < 0 ? 0 : ballSize(chunk.length, t) / 2 ** chunk.length;
  };
  while (left > 0) {
    let best = 0;
    let bestExtra = Number.POSITIVE_INFINITY;
    for (let i = 0; i < m; i++) {
      const t = radii[i] as number;
      const extra = cost(i, t + 1) - cost(i, t);
      if (extra < bestExtra) {
        bestExtra = extra;
        best = i;
      }
    }
    radii[best] = (radii[best] as number) + 1;
    left--;
  }
  return radii;
}

/** Every `bits`-bit XOR mask of weight at most `t` (weight 0 first), for probing a chunk's neighbourhood. */
export function flipMasks(bits: number, t: number): Int32Array {
  const out: number[] = [];
  const walk = (from: number, mask: number, left: number): void => {
    out.push(mask);
    if (left === 0) return;
    for (let b = from; b < bits; b++) walk(b + 1, mask | (1 << b), left - 1);
  };
  if (t >= 0) walk(0, 0, t);
  return Int32Array.from(out);
}

/** The value of `chunk` in the 256-bit hash at word offset `offset` of `words`. */
export function chunkValue(words: Uint32Array, offset: number, chunk: HashChunk): number {
  const word = chunk.start >>> 5;
  const shift = chunk.start & 31;
  let v = (words[offset + word] as number) >>> shift;
  if (shift + chunk.length > 32) v |= (words[offset + word + 1] as number) << (32 - shift);
  return chunk.length === 32 ? v >>> 0 : v & ((1 << chunk.length) - 1);
}
