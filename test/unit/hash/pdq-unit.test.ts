import {
  hammingDistance256,
  pdqHexDistance,
  pdqHexToWords,
  popcount32,
  wordsToPdqHex,
} from '../../../core/hash/hamming';
import { pdqCoefficients, pdqHashPixels } from '../../../core/hash/pdq';
import { PDQ_DIHEDRAL_NAMES, pdqDihedralHashes } from '../../../core/hash/pdq-dihedral';
import { prng } from '../../helpers/prng';

describe('hamming', () => {
  it('round-trips hex and orders words as the hex string', () => {
    const hex = `${'f'.repeat(8)}${'0'.repeat(48)}00000001`;
    const w = pdqHexToWords(hex);
    expect(w[0]).toBe(0xffffffff);
    expect(w[7]).toBe(1);
    expect(wordsToPdqHex(w)).toBe(hex);
    expect(() => pdqHexToWords('xyz')).toThrow(RangeError);
  });

  it('counts differing bits', () => {
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    const a = pdqHexToWords('0'.repeat(64));
    const b = pdqHexToWords('f'.repeat(64));
    expect(hammingDistance256(a, 0, b, 0)).toBe(256);
    const packed = new Uint32Array(16);
    packed.set(b, 8);
    expect(hammingDistance256(packed, 8, b, 0)).toBe(0);
    expect(pdqHexDistance(`${'0'.repeat(63)}7`, '0'.repeat(64))).toBe(3);
  });
});

describe('PDQ', () => {
  const rand = prng(7);
  const noise = (w: number, h: number) =>
    Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rand() * 256));

  it('gives tiny pictures a zero hash and quality 0, in every variant', () => {
    for (const [w, h] of [
      [4, 100],
      [100, 4],
      [1, 1],
    ] as const) {
      const r = pdqHashPixels(noise(w, h), w, h);
      expect(wordsToPdqHex(r.hash)).toBe('0'.repeat(64));
      expect(r.quality).toBe(0);
      const dih = pdqDihedralHashes(pdqCoefficients(noise(w, h), w, h));
      for (const name of PDQ_DIHEDRAL_NAMES) expect(wordsToPdqHex(dih[name])).toBe('0'.repeat(64));
    }
  });

  it('gives a flat picture quality 0 and noise quality 100, with about 128 bits set', () => {
    expect(pdqHashPixels(new Uint8Array(300 * 200 * 3).fill(90), 300, 200).quality).toBe(0);
    const r = pdqHashPixels(noise(640, 480), 640, 480);
    expect(r.quality).toBe(100);
    const ones = r.hash.reduce((n, w) => n + popcount32(w), 0);
    expect(ones).toBeGreaterThanOrEqual(120);
    expect(ones).toBeLessThanOrEqual(128);
  });

  it('ignores alpha and reads grey as luma', () => {
    const rgb = noise(200, 150);
    const rgba = new Uint8Array(200 * 150 * 4);
    for (let i = 0; i < 200 * 150; i++)
      rgba.set([rgb[3 * i] as number, rgb[3 * i + 1] as number, rgb[3 * i + 2] as number, i % 256], 4 * i);
    expect(wordsToPdqHex(pdqHashPixels(rgba, 200, 150, 4).hash)).toBe(
      wordsToPdqHex(pdqHashPixels(rgb, 200, 150, 3).hash),
    );
    expect(() => pdqHashPixels(rgb, 200, 151, 3)).toThrow(RangeError);
  });

  it('is deterministic across buffer reuse and picture sizes', () => {
    const big = noise(700, 500);
    const first = wordsToPdqHex(pdqHashPixels(big, 700, 500).hash);
    pdqHashPixels(noise(70, 30), 70, 30);
    pdqHashPixels(noise(64, 64), 64, 64);
    expect(wordsToPdqHex(pdqHashPixels(big, 700, 500).hash)).toBe(first);
  });

  it('rounds sum × (1/count) in double to the same float32 as the float32 quotient', () => {
    // The box filter relies on this to avoid a division per pixel.
    const f = new Float32Array(2);
    for (let i = 0; i < 200_000; i++) {
      const sum = Math.fround(rand() * 10 ** Math.floor(rand() * 6));
      const count = 1 + Math.floor(rand() * 64);
      f[0] = sum / count;
      f[1] = sum * (1 / count);
      if (f[0] !== f[1]) throw new Error(`${sum} / ${count}`);
    }
  });
});
