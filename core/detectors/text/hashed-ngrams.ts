import { z } from 'zod';

/**
 * Settings of the hashed n-gram featurizer. They are stored in the model's manifest entry (`options.features`),
 * so a model always runs with the features it was trained on.
 */
export const HashedNgramConfigSchema = z
  .object({
    /** Number of hash buckets; a power of two. */
    dims: z
      .number()
      .int()
      .min(2 ** 8)
      .max(2 ** 24)
      .refine((d) => (d & (d - 1)) === 0, 'must be a power of two'),
    /** Character n-gram lengths `[min, max]` (0 turns them off), over whitespace-collapsed, space-padded text. */
    charNgrams: z.tuple([z.number().int().min(0).max(8), z.number().int().min(0).max(8)]),
    /** Word n-gram lengths `[min, max]` (0 turns them off); words are runs of letters, digits and marks. */
    wordNgrams: z.tuple([z.number().int().min(0).max(3), z.number().int().min(0).max(3)]),
    /** Text beyond this many UTF-16 units is cut into further windows of this size. */
    windowChars: z.number().int().min(64).max(1_000_000),
  })
  .strict();
export type HashedNgramConfig = z.infer<typeof HashedNgramConfigSchema>;

/** A sparse feature vector: bucket indices in increasing order and their values (L2 norm 1 unless empty). */
export interface SparseFeatures {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Seeds that keep character and word n-grams of the same string in different buckets. */
const CHAR_SEED = 0x63686172;
const WORD_SEED = 0x776f7264;
/** Joins words inside a word n-gram; a code unit no word contains. */
const WORD_JOIN = 0x20;

/** FNV-1a (32-bit) step: folds one UTF-16 code unit into `h`. */
function fnvStep(h: number, unit: number): number {
  return Math.imul(h ^ unit, FNV_PRIME) >>> 0;
}

/** The FNV-1a hash of a string's UTF-16 code units, started from `seed` mixed into the offset basis. */
export function fnv1a(text: string, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = fnvStep(h, text.charCodeAt(i));
  return h;
}

/** A final avalanche so that low bits (the bucket) depend on every input unit. */
function mix(h: number): number {
  let x = h;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const SPACE = /\s/u;

/**
 * The `[start, end)` windows a text is featurized in: the whole text when it fits `windowChars`, else consecutive
 * slices of about that size (at most `maxWindows`, from the start), cut at whitespace near the boundary where
 * there is some.
 */
export function textWindows(
  text: string,
  windowChars: number,
  maxWindows = Number.POSITIVE_INFINITY,
): [number, number][] {
  if (text.length <= windowChars) return [[0, text.length]];
  const out: [number, number][] = [];
  let start = 0;
  while (start < text.length && out.length < maxWindows) {
    let end = Math.min(text.length, start + windowChars);
    if (end < text.length) {
      const floor = end - Math.floor(windowChars / 8);
      let cut = end;
      while (cut > floor && !SPACE.test(text[cut] ?? '')) cut--;
      if (cut > floor) end = cut;
    }
    out.push([start, end]);
    start = end;
  }
  return out;
}

/**
 * Hashed character and word n-grams of an already normalized text (see `normalizeText`), as one sparse vector.
 *
 * - Characters: whitespace runs become one space, the text is padded with a space at both ends, and every
 *   substring of `charNgrams[0]..charNgrams[1]` UTF-16 units is hashed.
 * - Words: maximal runs of letters, digits and marks; every run of `wordNgrams[0]..wordNgrams[1]` consecutive
 *   words is hashed with its words joined by one space.
 * - Hash: FNV-1a over UTF-16 code units (seeded differently for characters and words), then a murmur3
 *   finaliser; the bucket is `hash & (dims - 1)`.
 * - Values: sublinear counts (`1 + ln(count)`) per bucket, scaled to unit L2 norm.
 *
 * Deterministic: the same text and config give the same vector on every platform.
 */
export function hashedNgrams(text: string, config: HashedNgramConfig): SparseFeatures {
  const mask = config.dims - 1;
  const buckets = new BucketCounter(text.length * 2);
  const [cMin, cMax] = config.charNgrams;
  if (cMin > 0 && cMax >= cMin) {
    const units = collapseSpaces(text);
    const n = units.length;
    for (let i = 0; i < n; i++) {
      let h = (FNV_OFFSET ^ CHAR_SEED) >>> 0;
      const last = Math.min(n, i + cMax);
      for (let j = i; j < last; j++) {
        h = fnvStep(h, units[j] as number);
        if (j - i + 1 >= cMin) buckets.add(mix(h) & mask);
      }
    }
  }
  const [wMin, wMax] = config.wordNgrams;
  if (wMin > 0 && wMax >= wMin) {
    const words = wordHashes(text);
    for (let i = 0; i < words.length; i++) {
      let h = (FNV_OFFSET ^ WORD_SEED) >>> 0;
      const last = Math.min(words.length, i + wMax);
      for (let j = i; j < last; j++) {
        if (j > i) h = fnvStep(h, WORD_JOIN);
        h = foldWord(h, words[j] as string);
        if (j - i + 1 >= wMin) buckets.add(mix(h) & mask);
      }
    }
  }
  return buckets.toSparse();
}

function foldWord(h: number, word: string): number {
  let x = h;
  for (let i = 0; i < word.length; i++) x = fnvStep(x, word.charCodeAt(i));
  return x;
}

/** The text's UTF-16 units with whitespace runs collapsed to one space and a space at both ends. */
function collapseSpaces(text: string): Uint16Array {
  const out = new Uint16Array(text.length + 2);
  let n = 0;
  out[n++] = 0x20;
  let prevSpace = true;
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    const space = u === 0x20 || (u < 0x80 ? u >= 0x09 && u <= 0x0d : SPACE.test(text[i] as string));
    if (space) {
      if (!prevSpace) out[n++] = 0x20;
      prevSpace = true;
    } else {
      out[n++] = u;
      prevSpace = false;
    }
  }
  if (!prevSpace) out[n++] = 0x20;
  return out.subarray(0, n);
}

function wordHashes(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const u = i < text.length ? text.charCodeAt(i) : 0x20;
    const isWord =
      i < text.length &&
      ((u >= 0x61 && u <= 0x7a) ||
        (u >= 0x30 && u <= 0x39) ||
        (u >= 0x41 && u <= 0x5a) ||
        (u >= 0x80 && (isSurrogate(u) || WORD_CHAR.test(text[i] as string))));
    if (isWord) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      words.push(text.slice(start, i));
      start = -1;
    }
  }
  return words;
}

/** Astral letters (CJK extensions, historic scripts) arrive as surrogate pairs; keep both halves in the word. */
function isSurrogate(u: number): boolean {
  return u >= 0xd800 && u <= 0xdfff;
}

/** Counts bucket hits in an open-addressing table, so featurization stays linear in the text length. */
class BucketCounter {
  private keys: Int32Array;
  private counts: Int32Array;
  private size = 0;

  constructor(expected: number) {
    let capacity = 64;
    while (capacity < expected) capacity *= 2;
    this.keys = new Int32Array(capacity).fill(-1);
    this.counts = new Int32Array(capacity);
  }

  add(bucket: number): void {
    const mask = this.keys.length - 1;
    let slot = Math.imul(bucket, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= mask;
      const k = this.keys[slot] as number;
      if (k === bucket) {
        this.counts[slot] = (this.counts[slot] as number) + 1;
        return;
      }
      if (k === -1) {
        this.keys[slot] = bucket;
        this.counts[slot] = 1;
        if (++this.size * 2 > this.keys.length) this.grow();
        return;
      }
      slot++;
    }
  }

  private grow(): void {
    const { keys, counts } = this;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.counts = new Int32Array(keys.length * 2);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k === -1) continue;
      this.add(k);
      const mask = this.keys.length - 1;
      let slot = Math.imul(k, 0x9e3779b1) >>> 0;
      while (this.keys[slot & mask] !== k) slot++;
      this.counts[slot & mask] = counts[i] as number;
    }
  }

  /** The counted buckets in increasing order, sublinear counts scaled to unit L2 norm. */
  toSparse(): SparseFeatures {
    const indices = new Int32Array(this.size);
    let n = 0;
    for (let i = 0; i < this.keys.length; i++)
      if ((this.keys[i] as number) !== -1) indices[n++] = this.keys[i] as number;
    indices.sort();
    const values = new Float32Array(n);
    let norm = 0;
    const mask = this.keys.length - 1;
    for (let i = 0; i < n; i++) {
      const k = indices[i] as number;
      let slot = Math.imul(k, 0x9e3779b1) >>> 0;
      while (this.keys[slot & mask] !== k) slot++;
      const v = 1 + Math.log(this.counts[slot & mask] as number);
      values[i] = v;
      norm += v * v;
    }
    if (n > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < n; i++) values[i] = (values[i] as number) * inv;
    }
    return { indices, values };
  }
}
