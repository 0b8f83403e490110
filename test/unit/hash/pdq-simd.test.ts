import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pdqLuma } from '../../../core/hash/pdq';
import { pdqDownsampleRows } from '../../../core/hash/pdq-downsample';
import { pdqDownsampleRgbSimd, pdqSimdAvailable } from '../../../core/hash/pdq-downsample-simd';
import { prng } from '../../helpers/prng';

function jsDownsample(rgb: Uint8Array, w: number, h: number): Float32Array {
  const luma = pdqLuma(rgb, w, h, 3);
  return pdqDownsampleRows((r0, rows, dst) => dst.set(luma.subarray(r0 * w, (r0 + rows) * w)), w, h);
}

describe('PDQ filter in WebAssembly SIMD', () => {
  it('is available on this runtime', () => {
    expect(pdqSimdAvailable()).toBe(true);
  });

  // Widths and heights around the vector width (4), the row batch (4), the 64-cell grid and the window steps
  // (a multiple of 128 changes the box window).
  const SIZES: Array<[number, number]> = [
    [5, 5],
    [6, 7],
    [7, 300],
    [300, 7],
    [63, 64],
    [64, 65],
    [65, 63],
    [100, 37],
    [127, 129],
    [128, 256],
    [129, 257],
    [333, 517],
  ];
  it.each(SIZES)('gives the same 64×64 floats, bit for bit, as the JavaScript filter at %i×%i', (w, h) => {
    const rand = prng(w * 7919 + h);
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(rand() * 256);
    const expected = jsDownsample(rgb, w, h);
    const got = pdqDownsampleRgbSimd(rgb, w, h);
    expect(Buffer.from(got.buffer)).toEqual(Buffer.from(expected.buffer));
  });

  it('gives the same result for a picture after a larger one (no state left from the previous call)', () => {
    const rand = prng(3);
    const big = new Uint8Array(500 * 400 * 3);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(rand() * 256);
    const small = new Uint8Array(70 * 90 * 3).map(() => Math.floor(rand() * 256));
    const first = pdqDownsampleRgbSimd(small, 70, 90).slice();
    pdqDownsampleRgbSimd(big, 500, 400);
    expect(pdqDownsampleRgbSimd(small, 70, 90)).toEqual(first);
  });

  it('is compiled from the committed WebAssembly text (scripts/build-wasm.mjs --check)', () => {
    const root = join(__dirname, '../../..');
    expect(() =>
      execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs'), '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
