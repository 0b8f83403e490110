import {
  ballSize,
  chunkValue,
  flipMasks,
  planChunkRadii,
  splitChunks,
} from '../../../core/hash-index/chunk-plan';

describe('chunk plan', () => {
  it('splits 256 bits evenly, longer chunks first', () => {
    expect(splitChunks(16).every((c) => c.length === 16)).toBe(true);
    expect(splitChunks(12).map((c) => c.length)).toEqual([22, 22, 22, 22, 21, 21, 21, 21, 21, 21, 21, 21]);
    const twelve = splitChunks(12);
    expect(twelve.reduce((s, c) => s + c.length, 0)).toBe(256);
    expect(() => splitChunks(10)).toThrow(RangeError);
  });

  it('plans chunk radii that satisfy the pigeonhole bound', () => {
    for (const m of [11, 12, 16, 20, 32]) {
      const chunks = splitChunks(m);
      for (let r = 0; r <= 31; r++) {
        const radii = planChunkRadii(chunks, r);
        expect(radii.reduce((s, t) => s + t, 0)).toBeGreaterThanOrEqual(r + 1 - m);
        expect(Math.min(...radii)).toBeGreaterThanOrEqual(-1);
      }
    }
    expect(Array.from(planChunkRadii(splitChunks(16), 31))).toEqual(new Array(16).fill(1));
    expect(Array.from(planChunkRadii(splitChunks(16), 0)).filter((t) => t >= 0)).toEqual([0]);
  });

  it('enumerates flip masks of weight at most t', () => {
    expect(flipMasks(16, 1).length).toBe(17);
    expect(flipMasks(21, 2).length).toBe(ballSize(21, 2));
    expect(new Set(flipMasks(21, 2)).size).toBe(232);
    expect(flipMasks(8, -1).length).toBe(0);
  });

  it('reads chunks that straddle words', () => {
    const words = new Uint32Array([0xffffffff, 0x00000001, 0, 0, 0, 0, 0, 0]);
    expect(chunkValue(words, 0, { start: 22, length: 22 })).toBe((1 << 10) - 1 + (1 << 10));
    expect(chunkValue(words, 0, { start: 0, length: 16 })).toBe(0xffff);
  });
});
