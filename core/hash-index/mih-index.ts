import { PDQ_WORDS, popcount32 } from '../hash/hamming';
import { chunkValue, flipMasks, type HashChunk, planChunkRadii, splitChunks } from './chunk-plan';
import { type HashSearchResult, resultFromKeys } from './search-result';

/** The largest radius {@link MihIndex.search} accepts. */
export const MAX_SEARCH_RADIUS = 31;

/** Options for {@link MihIndex.build}. */
export interface MihIndexOptions {
  /**
   * Chunks the 256 bits are split into (each one a table). Default: {@link defaultChunkCount} for the number of
   * hashes. Fewer, longer chunks give fewer candidates per query but more probes and larger offset tables
   * (`2^bits + 1` words per chunk).
   */
  readonly chunks?: number;
}

/**
 * The chunk count used when none is given: 16 × 16 bits (4 MiB of offset tables) below 2^19 hashes, then
 * 12 chunks of 21–22 bits (128 MiB of offset tables, 4.5× fewer candidates at radius 31 on uniform hashes; at a
 * million hashes, half the median query time and a seventh of the 99th percentile, for twice the memory).
 */
export function defaultChunkCount(hashCount: number): number {
  return hashCount >= 2 ** 19 ? 12 : 16;
}

/** Work arrays for {@link sortByChunk}, shared by the chunks of one build. */
class RadixScratch {
  readonly values: Uint32Array;
  readonly tmpRows: Uint32Array;
  readonly tmpValues: Uint32Array;
  constructor(n: number) {
    this.values = new Uint32Array(n);
    this.tmpRows = new Uint32Array(n);
    this.tmpValues = new Uint32Array(n);
  }
}

/**
 * Positions sorted by one chunk's value (ties by position) and the offset table over them. Two stable
 * least-significant-digit radix passes of about half the chunk's bits each keep the histograms small enough for
 * the cache; a direct counting sort into a table of `2^bits` counters misses the cache on every hash once the
 * chunks are 20-odd bits wide (it was 4× slower at 10M hashes).
 */
function sortByChunk(
  hashes: Uint32Array,
  chunk: HashChunk,
  scratch: RadixScratch,
): { rows: Uint32Array; starts: Uint32Array } {
  const n = scratch.values.length;
  const { values, tmpRows, tmpValues } = scratch;
  for (let i = 0; i < n; i++) values[i] = chunkValue(hashes, i * PDQ_WORDS, chunk);
  const lowBits = chunk.length >>> 1;
  const lowMask = (1 << lowBits) - 1;
  const highBits = chunk.length - lowBits;
  const low = new Uint32Array((1 << lowBits) + 1);
  for (let i = 0; i < n; i++) {
    const d = ((values[i] as number) & lowMask) + 1;
    low[d] = (low[d] as number) + 1;
  }
  for (let d = 0; d < 1 << lowBits; d++) low[d + 1] = (low[d + 1] as number) + (low[d] as number);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const at = low[v & lowMask] as number;
    low[v & lowMask] = at + 1;
    tmpRows[at] = i;
    tmpValues[at] = v;
  }
  const high = new Uint32Array((1 << highBits) + 1);
  for (let i = 0; i < n; i++) {
    const d = ((tmpValues[i] as number) >>> lowBits) + 1;
    high[d] = (high[d] as number) + 1;
  }
  for (let d = 0; d < 1 << highBits; d++) high[d + 1] = (high[d + 1] as number) + (high[d] as number);
  const rows = new Uint32Array(n);
  // values is free again: it receives the sorted values, from which the offsets are read in one sequential pass.
  for (let i = 0; i < n; i++) {
    const v = tmpValues[i] as number;
    const at = high[v >>> lowBits] as number;
    high[v >>> lowBits] = at + 1;
    rows[at] = tmpRows[i] as number;
    values[at] = v;
  }
  const buckets = 2 ** chunk.length;
  const starts = new Uint32Array(buckets + 1);
  let k = 0;
  for (let v = 0; v < buckets; v++) {
    starts[v] = k;
    while (k < n && values[k] === v) k++;
  }
  starts[buckets] = n;
  return { rows, starts };
}

/**
 * A multi-index hashing (MIH) index over 256-bit hashes for Hamming-radius search (Norouzi, Punjani and Fleet,
 * "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012).
 *
 * The hash is split into chunks; each chunk has a table listing every hash by that chunk's value, laid out as
 * compressed rows: `offsets[c]` (one entry per possible value, plus one) points into `positions[c]`, the hash
 * positions sorted by chunk value. A query probes, in each chunk, every value within that chunk's radius (see
 * {@link planChunkRadii}), and verifies each candidate with the full 256-bit distance, so results equal a brute
 * force scan exactly. Memory is typed arrays only: the hashes (32 bytes each, held by reference, not copied),
 * 4 bytes per hash per chunk, and the offset tables.
 *
 * Candidates are verified before they are de-duplicated: a hash that is not a match is rejected on every probe
 * that finds it, and only the few matches found by several chunks need removing, which avoids a random access to
 * a seen-stamp array per candidate.
 *
 * Cost depends on the data: uniform random hashes spread evenly over buckets; real lists (near-duplicate clusters,
 * common hashes of blank or simple images) fill some buckets heavily, so queries near such clusters see more
 * candidates.
 */
/** Candidates whose hashes are touched, then verified, together: 32 hashes are 1 KiB, well inside the L1 cache. */
const VERIFY_BLOCK = 32;

/** Written by every search, so the loads that only touch memory are not dead code. */
let _touchSink = 0;

/**
 * Module-local copies of imports used in the hot loops: compiled to CommonJS, an imported name is read from the
 * other module's exports object at every use, which keeps the optimiser from inlining the call (about 25% slower).
 */
const popcount = popcount32;
const WORDS = PDQ_WORDS;

/**
 * Scratch buffers of every search (searches are synchronous, so one set serves all indexes): bucket bounds and
 * candidate rows. Fixed module-level arrays, because the optimiser compiles their loops tighter than loops over
 * arrays read from an object field (measured: about 20% of a query at 10M hashes). A query that needs more gets
 * arrays of its own.
 */
const BOUNDS = new Uint32Array(1 << 16);
const ROWS = new Uint32Array(1 << 18);

/** Reads the first word of each candidate's hash, so that the misses of a block are in flight together. */
function touchHashes(hashes: Uint32Array, rows: Uint32Array, start: number, end: number): number {
  let touched = 0;
  for (let i = start; i < end; i++) touched ^= hashes[(rows[i] as number) * WORDS] as number;
  return touched;
}

/**
 * Appends `distance · 2^32 + row` to `found` for each candidate row within `radius` of the query. (A function of
 * its own: the optimiser does better with this small loop than with it inside `search`.)
 */
function verifyRows(
  hashes: Uint32Array,
  rows: Uint32Array,
  start: number,
  end: number,
  query: Uint32Array,
  q: number,
  radius: number,
  found: number[],
): void {
  const q0 = query[q] as number;
  const q1 = query[q + 1] as number;
  const q2 = query[q + 2] as number;
  const q3 = query[q + 3] as number;
  const q4 = query[q + 4] as number;
  const q5 = query[q + 5] as number;
  const q6 = query[q + 6] as number;
  const q7 = query[q + 7] as number;
  for (let i = start; i < end; i++) {
    const pos = rows[i] as number;
    const o = pos * WORDS;
    let d =
      popcount((hashes[o] as number) ^ q0) +
      popcount((hashes[o + 1] as number) ^ q1) +
      popcount((hashes[o + 2] as number) ^ q2) +
      popcount((hashes[o + 3] as number) ^ q3);
    if (d > radius) continue;
    d +=
      popcount((hashes[o + 4] as number) ^ q4) +
      popcount((hashes[o + 5] as number) ^ q5) +
      popcount((hashes[o + 6] as number) ^ q6) +
      popcount((hashes[o + 7] as number) ^ q7);
    if (d <= radius) found.push(d * 0x1_0000_0000 + pos);
  }
}

export class MihIndex {
  /** Number of hashes. */
  readonly size: number;
  readonly chunks: readonly HashChunk[];
  private readonly hashes: Uint32Array;
  private readonly ids: Uint32Array | undefined;
  private readonly offsets: Uint32Array[];
  private readonly positions: Uint32Array[];
  private readonly plans = new Map<number, { radii: Int32Array; masks: Int32Array[] }>();

  private constructor(
    hashes: Uint32Array,
    ids: Uint32Array | undefined,
    chunks: HashChunk[],
    offsets: Uint32Array[],
    positions: Uint32Array[],
  ) {
    this.hashes = hashes;
    this.ids = ids;
    this.size = Math.floor(hashes.length / PDQ_WORDS);
    this.chunks = chunks;
    this.offsets = offsets;
    this.positions = positions;
  }

  /**
   * Builds an index over `hashes` (8 words per hash, back to back; kept by reference, so do not change it
   * afterwards). `ids` names each hash in results (default: its position); ids need not be unique.
   *
   * @throws RangeError when `hashes` is not a whole number of hashes or `ids` has the wrong length
   */
  static build(hashes: Uint32Array, ids?: Uint32Array, options: MihIndexOptions = {}): MihIndex {
    if (hashes.length % PDQ_WORDS !== 0) {
      throw new RangeError(`hashes must hold 8 words per hash; got ${hashes.length} words`);
    }
    const n = hashes.length / PDQ_WORDS;
    if (ids && ids.length !== n) throw new RangeError(`ids has ${ids.length} entries for ${n} hashes`);
    const chunks = splitChunks(options.chunks ?? defaultChunkCount(n));
    const offsets: Uint32Array[] = [];
    const positions: Uint32Array[] = [];
    const scratch = new RadixScratch(n);
    for (const chunk of chunks) {
      const { rows, starts } = sortByChunk(hashes, chunk, scratch);
      offsets.push(starts);
      positions.push(rows);
    }
    return new MihIndex(hashes, ids, chunks, offsets, positions);
  }

  /**
   * Every indexed hash within `radius` bits of the query (8 words at `queryOffset` of `query`), sorted by
   * distance then id; identical to {@link bruteForceSearch} on the same hashes.
   *
   * @throws RangeError when `radius` is not a whole number from 0 to {@link MAX_SEARCH_RADIUS}
   */
  search(query: Uint32Array, radius: number, queryOffset = 0): HashSearchResult {
    if (!Number.isInteger(radius) || radius < 0 || radius > MAX_SEARCH_RADIUS) {
      throw new RangeError(`radius must be a whole number from 0 to ${MAX_SEARCH_RADIUS}, got ${radius}`);
    }
    if (query.length < queryOffset + PDQ_WORDS) throw new RangeError('query must hold 8 words at its offset');
    const plan = this.plan(radius);
    // At 10M hashes nearly every load below is a cache (and TLB) miss, and a miss costs more than all the
    // arithmetic. So the search runs in passes whose loads do not depend on each other: the CPU then keeps many
    // misses in flight instead of waiting for offset, row and hash in turn. Each pass first touches what the next
    // one reads (a software prefetch), in blocks small enough to stay in the L1 cache.
    const chunkCount = this.chunks.length;
    let probes = 0;
    for (let c = 0; c < chunkCount; c++) probes += (plan.masks[c] as Int32Array).length;
    const bounds = 2 * probes <= BOUNDS.length ? BOUNDS : new Uint32Array(2 * probes);
    let b = 0;
    let candidates = 0;
    for (let c = 0; c < chunkCount; c++) {
      const masks = plan.masks[c] as Int32Array;
      if (masks.length === 0) continue;
      const value = chunkValue(query, queryOffset, this.chunks[c] as HashChunk);
      const offsets = this.offsets[c] as Uint32Array;
      for (let m = 0; m < masks.length; m++) {
        const v = value ^ (masks[m] as number);
        const from = offsets[v] as number;
        const to = offsets[v + 1] as number;
        bounds[b++] = from;
        bounds[b++] = to;
        candidates += to - from;
      }
    }
    let touched = 0;
    b = 0;
    for (let c = 0; c < chunkCount; c++) {
      const count = (plan.masks[c] as Int32Array).length;
      const positions = this.positions[c] as Uint32Array;
      for (let m = 0; m < count; m++, b += 2) touched ^= positions[bounds[b] as number] as number;
    }
    const rows = candidates <= ROWS.length ? ROWS : new Uint32Array(candidates);
    let n = 0;
    b = 0;
    for (let c = 0; c < chunkCount; c++) {
      const count = (plan.masks[c] as Int32Array).length;
      const positions = this.positions[c] as Uint32Array;
      for (let m = 0; m < count; m++, b += 2) {
        const end = bounds[b + 1] as number;
        for (let k = bounds[b] as number; k < end; k++) rows[n++] = positions[k] as number;
      }
    }
    const hashes = this.hashes;
    const found: number[] = [];
    for (let start = 0; start < n; start += VERIFY_BLOCK) {
      const end = Math.min(n, start + VERIFY_BLOCK);
      touched ^= touchHashes(hashes, rows, start, end);
      verifyRows(hashes, rows, start, end, query, queryOffset, radius, found);
    }
    // Keeps the touching loads from being optimised away.
    _touchSink = touched;
    return this.finish(found);
  }

  /** Bytes held in typed arrays: the hashes, the ids (when given), the offset tables and the position rows. */
  byteSize(): number {
    let bytes = this.hashes.byteLength + (this.ids?.byteLength ?? 0);
    for (const o of this.offsets) bytes += o.byteLength;
    for (const p of this.positions) bytes += p.byteLength;
    return bytes;
  }

  /** Removes matches found by more than one chunk and maps positions to ids. */
  private finish(found: number[]): HashSearchResult {
    const byPosition = Float64Array.from(found).sort();
    const keys: number[] = [];
    let last = -1;
    for (let i = 0; i < byPosition.length; i++) {
      const k = byPosition[i] as number;
      if (k === last) continue;
      last = k;
      if (!this.ids) {
        keys.push(k);
        continue;
      }
      const d = Math.floor(k / 0x1_0000_0000);
      keys.push(d * 0x1_0000_0000 + (this.ids[k - d * 0x1_0000_0000] as number));
    }
    return resultFromKeys(Float64Array.from(keys));
  }

  private plan(radius: number): { radii: Int32Array; masks: Int32Array[] } {
    let plan = this.plans.get(radius);
    if (!plan) {
      const radii = planChunkRadii(this.chunks, radius);
      plan = { radii, masks: this.chunks.map((chunk, i) => flipMasks(chunk.length, radii[i] as number)) };
      this.plans.set(radius, plan);
    }
    return plan;
  }
}
