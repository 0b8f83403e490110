import { loadavg } from 'node:os';
import { PDQ_WORDS } from '../core/hash/hamming';
import { bruteForceSearch } from '../core/hash-index/brute-force-search';
import { splitChunks } from '../core/hash-index/chunk-plan';
import { defaultChunkCount, MihIndex } from '../core/hash-index/mih-index';
import { machineLine, median, writeBenchSection } from './bench-utils';

const SIZES = (process.env.BENCH_HASH_SIZES ?? '1000000,10000000').split(',').map(Number);
/** Chunk counts to compare; `default` is the index's own choice for the size. */
const SCHEMES = (process.env.BENCH_HASH_CHUNKS ?? 'default,16,12').split(',');
const RUNS = Number(process.env.BENCH_HASH_RUNS ?? 3);
const QUERIES = Number(process.env.BENCH_HASH_QUERIES ?? 2000);
const BRUTE_QUERIES = Number(process.env.BENCH_HASH_BRUTE_QUERIES ?? 20);
const RADIUS = 31;
const WRITE = process.env.BENCH_HASH_WRITE !== '0';
const MiB = 2 ** 20;

/** xorshift128: reproducible random words, far faster than crypto for hundreds of millions of them. */
function randomWords(count: number, seed: number): Uint32Array {
  const out = new Uint32Array(count);
  let a = seed | 0 || 1;
  let b = 0x9e3779b9;
  let c = 0x243f6a88;
  let d = 0xb7e15162;
  for (let i = 0; i < count; i++) {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = d ^ (d >>> 19) ^ (t ^ (t >>> 8));
    out[i] = d >>> 0;
  }
  return out;
}

/**
 * Half the queries are indexed hashes with 0..31 bits flipped (a planted match at a known distance), half are
 * random (almost surely no match within 31 bits).
 */
function makeQueries(hashes: Uint32Array, count: number, seed: number): Uint32Array {
  const n = hashes.length / PDQ_WORDS;
  const queries = randomWords(count * PDQ_WORDS, seed);
  const picks = randomWords(count * 40, seed + 1);
  for (let q = 0; q < count; q += 2) {
    const src = ((picks[q * 40] as number) % n) * PDQ_WORDS;
    for (let w = 0; w < PDQ_WORDS; w++) queries[q * PDQ_WORDS + w] = hashes[src + w] as number;
    const flips = (picks[q * 40 + 1] as number) % (RADIUS + 1);
    const used = new Set<number>();
    for (let f = 0; used.size < flips; f++) used.add(((picks[q * 40 + 2 + (f % 38)] as number) % 256) ^ f);
    for (const bit of used) {
      const b = bit & 255;
      queries[q * PDQ_WORDS + (b >>> 5)] =
        ((queries[q * PDQ_WORDS + (b >>> 5)] as number) ^ (1 << (b & 31))) >>> 0;
    }
  }
  return queries;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

interface Row {
  size: number;
  scheme: string;
  buildMs: number;
  indexMiB: number;
  rssMiB: number;
  p50: number;
  p99: number;
  bruteMs: number;
  matches: number;
}

function schemeLabel(chunks: number): string {
  const lengths = splitChunks(chunks).map((c) => c.length);
  const max = Math.max(...lengths);
  const min = Math.min(...lengths);
  const nMax = lengths.filter((l) => l === max).length;
  return max === min ? `${chunks} × ${max} bits` : `${nMax} × ${max} + ${chunks - nMax} × ${min} bits`;
}

function measure(
  size: number,
  hashes: Uint32Array,
  queries: Uint32Array,
  chunks: number,
  bruteMs: number,
): Row {
  const builds: number[] = [];
  let index: MihIndex | undefined;
  for (let r = 0; r < RUNS; r++) {
    index = undefined;
    const t = performance.now();
    index = MihIndex.build(hashes, undefined, { chunks });
    builds.push(performance.now() - t);
  }
  const built = index as MihIndex;
  const rss = process.memoryUsage().rss;
  const p50s: number[] = [];
  const p99s: number[] = [];
  let matches = 0;
  for (let r = 0; r < RUNS; r++) {
    const times = new Float64Array(QUERIES);
    for (let q = 0; q < QUERIES; q++) {
      const t = performance.now();
      const res = built.search(queries, RADIUS, q * PDQ_WORDS);
      times[q] = performance.now() - t;
      if (r === 0) matches += res.ids.length;
    }
    times.sort();
    p50s.push(percentile(times, 0.5));
    p99s.push(percentile(times, 0.99));
  }
  // The brute-force answers double as a correctness check of the index on this data.
  for (let q = 0; q < BRUTE_QUERIES; q++) {
    const a = built.search(queries, RADIUS, q * PDQ_WORDS);
    const b = bruteForceSearch(hashes, queries, RADIUS, undefined, q * PDQ_WORDS);
    if (a.ids.join() !== b.ids.join() || a.distances.join() !== b.distances.join()) {
      throw new Error(`index and brute force disagree on query ${q} (${size} hashes, ${chunks} chunks)`);
    }
  }
  return {
    size,
    scheme: schemeLabel(chunks) + (chunks === defaultChunkCount(size) ? ' (default)' : ''),
    buildMs: median(builds),
    indexMiB: built.byteSize() / MiB,
    rssMiB: rss / MiB,
    p50: median(p50s),
    p99: median(p99s),
    bruteMs,
    matches,
  };
}

function main(): void {
  const loadBefore = loadavg()[0] as number;
  const rows: Row[] = [];
  for (const size of SIZES) {
    const hashes = randomWords(size * PDQ_WORDS, size);
    const queries = makeQueries(hashes, QUERIES, 7);
    const brute: number[] = [];
    for (let q = 0; q < BRUTE_QUERIES; q++) {
      const t = performance.now();
      bruteForceSearch(hashes, queries, RADIUS, undefined, q * PDQ_WORDS);
      brute.push(performance.now() - t);
    }
    const bruteMs = median(brute);
    const counts = [...new Set(SCHEMES.map((s) => (s === 'default' ? defaultChunkCount(size) : Number(s))))];
    for (const chunks of counts) {
      const row = measure(size, hashes, queries, chunks, bruteMs);
      rows.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  }
  const fmt = (x: number, digits = 3) => x.toFixed(digits);
  const table = rows
    .map(
      (r) =>
        `| ${r.size.toLocaleString('en-US')} | ${r.scheme} | ${fmt(r.buildMs / 1000, 2)} | ${fmt(r.indexMiB, 0)} | ` +
        `${fmt(r.rssMiB, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.bruteMs, 1)} | ${fmt(r.bruteMs / r.p50, 0)}× |`,
    )
    .join('\n');
  const md = `## Hash index (multi-index hashing, radius ${RADIUS})

\`node dist/bench/hash-index.js\`: uniform random 256-bit hashes; ${QUERIES} queries, half an indexed hash with 0–31
bits flipped (a planted match), half random. Build time and query percentiles are medians of ${RUNS} runs; brute force
(every hash compared, the baseline) is the median of ${BRUTE_QUERIES} queries in the same run, and its answers are checked
equal to the index's. "Index" counts the typed arrays (hashes 32 B each, 4 B per hash per chunk, offset tables);
RSS is the whole process after the build, query set and generator included. Sizes and schemes:
\`BENCH_HASH_SIZES\`, \`BENCH_HASH_CHUNKS\`.

| hashes | chunks | build (s) | index (MiB) | RSS (MiB) | query p50 (ms) | query p99 (ms) | brute force (ms/query) | p50 speed-up |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${table}

Queries are bound by memory latency (at 10M hashes with 12 chunks, about 2,000 bucket probes and 7,300 candidate
hashes per query, nearly all cache misses). The search therefore runs in passes whose loads do not depend on each
other (bucket bounds, candidate rows, then blocks of 32 candidates touched before they are verified), so the misses
overlap; the one-loop search it replaced took 1.97 ms at 10M on this machine. Queries slow down when other
processes compete for memory: the
one-minute load average was ${loadBefore.toFixed(1)} at the start and ${(loadavg()[0] as number).toFixed(1)} at the end of this run.

Uniform hashes are the friendly case: every bucket holds about N / 2^bits hashes. Real hash lists have
near-duplicate clusters and very common hashes (blank frames, simple images), which crowd some buckets; queries
near them verify more candidates.

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.`;
  if (WRITE) writeBenchSection('hash-index', md);
  else process.stdout.write(`${md}\n`);
}

main();
