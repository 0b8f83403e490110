import { PDQ_WORDS } from '../../../core/hash/hamming';
import { bruteForceSearch } from '../../../core/hash-index/brute-force-search';
import { MAX_SEARCH_RADIUS, MihIndex } from '../../../core/hash-index/mih-index';
import { prngUint32 } from '../../helpers/prng';

/** Seeded, so a failing case can be replayed. */
const rng = prngUint32;

function randomHashes(count: number, next: () => number): Uint32Array {
  const out = new Uint32Array(count * PDQ_WORDS);
  for (let i = 0; i < out.length; i++) out[i] = next();
  return out;
}

/** A copy of the hash at `offset` with exactly `bits` distinct bits flipped. */
function flipBits(src: Uint32Array, offset: number, bits: number, next: () => number): Uint32Array {
  const out = src.slice(offset, offset + PDQ_WORDS);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(next() % 256);
  for (const b of chosen) out[b >>> 5] = ((out[b >>> 5] as number) ^ (1 << (b & 31))) >>> 0;
  return out;
}

/**
 * Uniform hashes plus clusters: bases each with neighbours at every distance 0..40, so buckets collide and every
 * radius has matches near its edge.
 */
function dataset(seed: number, uniform: number, clusters: number): Uint32Array {
  const next = rng(seed);
  const parts: Uint32Array[] = [randomHashes(uniform, next)];
  for (let c = 0; c < clusters; c++) {
    const base = randomHashes(1, next);
    parts.push(base);
    for (let d = 0; d <= 40; d++) parts.push(flipBits(base, 0, d, next));
  }
  const out = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function expectSame(
  index: MihIndex,
  hashes: Uint32Array,
  query: Uint32Array,
  radius: number,
  ids?: Uint32Array,
) {
  const got = index.search(query, radius);
  const want = bruteForceSearch(hashes, query, radius, ids);
  expect(Array.from(got.ids)).toEqual(Array.from(want.ids));
  expect(Array.from(got.distances)).toEqual(Array.from(want.distances));
}

describe('MihIndex equals brute force', () => {
  const hashes = dataset(1, 4000, 30);
  const n = hashes.length / PDQ_WORDS;

  it.each([16, 12, 20, 32])('on random and clustered data, every radius 0..31, %i chunks', (chunks) => {
    const index = MihIndex.build(hashes, undefined, { chunks });
    const next = rng(100 + chunks);
    for (let radius = 0; radius <= MAX_SEARCH_RADIUS; radius++) {
      for (let q = 0; q < 12; q++) {
        const src = (next() % n) * PDQ_WORDS;
        // Planted neighbours at distances straddling the radius, plus a random query.
        const d = Math.max(0, radius - 2 + (q % 5));
        expectSame(index, hashes, flipBits(hashes, src, d, next), radius);
      }
      expectSame(index, hashes, randomHashes(1, next), radius);
    }
  });

  it('finds a planted neighbour at every exact distance 0..31 with radius 31', () => {
    const next = rng(7);
    const base = randomHashes(1, next);
    const index = MihIndex.build(base, undefined, { chunks: 16 });
    for (let d = 0; d <= 31; d++) {
      const res = index.search(flipBits(base, 0, d, next), 31);
      expect(Array.from(res.ids)).toEqual([0]);
      expect(Array.from(res.distances)).toEqual([d]);
    }
    expect(index.search(flipBits(base, 0, 32, next), 31).ids.length).toBe(0);
  });

  it('orders by distance then id, and maps positions to the given ids', () => {
    const ids = new Uint32Array(n);
    const next = rng(9);
    for (let i = 0; i < n; i++) ids[i] = next();
    const index = MihIndex.build(hashes, ids);
    for (let q = 0; q < 40; q++) {
      const query = flipBits(hashes, (4000 + 41 * (q % 30)) * PDQ_WORDS, q % 10, next);
      expectSame(index, hashes, query, 31, ids);
      const res = index.search(query, 31);
      for (let i = 1; i < res.ids.length; i++) {
        const a = (res.distances[i - 1] as number) * 2 ** 32 + (res.ids[i - 1] as number);
        const b = (res.distances[i] as number) * 2 ** 32 + (res.ids[i] as number);
        expect(a).toBeLessThanOrEqual(b);
      }
    }
  });
});

describe('MihIndex edge cases', () => {
  const next = rng(3);

  it('an empty index finds nothing', () => {
    const index = MihIndex.build(new Uint32Array(0));
    expect(index.size).toBe(0);
    expect(index.search(randomHashes(1, next), 31).ids.length).toBe(0);
  });

  it('returns every copy of a duplicated hash once each', () => {
    const one = randomHashes(1, next);
    const hashes = new Uint32Array(PDQ_WORDS * 5);
    for (let i = 0; i < 5; i++) hashes.set(one, i * PDQ_WORDS);
    const index = MihIndex.build(hashes);
    for (const radius of [0, 15, 16, 31]) {
      expect(Array.from(index.search(one, radius).ids)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('radius 0 finds exact matches only; radius 31 stops at 31', () => {
    const hashes = dataset(5, 500, 5);
    const index = MihIndex.build(hashes);
    const base = hashes.slice(500 * PDQ_WORDS, 501 * PDQ_WORDS);
    expect(Array.from(index.search(base, 0).distances)).toEqual([0, 0]);
    const wide = index.search(base, 31);
    expect(Array.from(wide.distances)).toEqual(Array.from({ length: 33 }, (_, i) => Math.max(0, i - 1)));
  });

  it('searches a query at an offset of a packed array', () => {
    const hashes = dataset(6, 200, 2);
    const index = MihIndex.build(hashes);
    const res = index.search(hashes, 0, 17 * PDQ_WORDS);
    expect(Array.from(res.ids)).toContain(17);
  });

  it('rejects bad radii and malformed input', () => {
    const index = MihIndex.build(randomHashes(3, next));
    expect(() => index.search(randomHashes(1, next), 32)).toThrow(RangeError);
    expect(() => index.search(randomHashes(1, next), -1)).toThrow(RangeError);
    expect(() => index.search(new Uint32Array(4), 3)).toThrow(RangeError);
    expect(() => MihIndex.build(new Uint32Array(7))).toThrow(RangeError);
    expect(() => MihIndex.build(new Uint32Array(8), new Uint32Array(2))).toThrow(RangeError);
    expect(() => MihIndex.build(new Uint32Array(8), undefined, { chunks: 10 })).toThrow(RangeError);
  });

  it('accounts its typed-array bytes', () => {
    const hashes = randomHashes(1000, next);
    const index = MihIndex.build(hashes, undefined, { chunks: 16 });
    expect(index.byteSize()).toBe(1000 * 32 + 16 * 1000 * 4 + 16 * 65537 * 4);
  });
});
