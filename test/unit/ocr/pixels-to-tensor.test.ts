import { pixelsToTensor } from '../../../core/image/pixels-to-tensor';
import type { ImagePreprocessing } from '../../../core/models/model-manifest';

/** 2 × 2 RGB image; pixel i has channels (10i + 1, 10i + 2, 10i + 3). */
const PIXELS = Uint8Array.from([1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33]);

const IDENTITY: ImagePreprocessing = { colorOrder: 'RGB', scale: 1, offset: 0, resize: 'bilinear' };

describe('pixelsToTensor', () => {
  it('writes NCHW planes in RGB order', () => {
    const out = new Float32Array(12);
    pixelsToTensor(PIXELS, 2, 2, IDENTITY, 'NCHW', out);
    expect(Array.from(out)).toEqual([1, 11, 21, 31, 2, 12, 22, 32, 3, 13, 23, 33]);
  });

  it('writes NHWC pixels in RGB order', () => {
    const out = new Float32Array(12);
    pixelsToTensor(PIXELS, 2, 2, IDENTITY, 'NHWC', out);
    expect(Array.from(out)).toEqual(Array.from(PIXELS));
  });

  it('swaps to BGR order in NCHW and NHWC', () => {
    const bgr: ImagePreprocessing = { ...IDENTITY, colorOrder: 'BGR' };
    const nchw = new Float32Array(12);
    pixelsToTensor(PIXELS, 2, 2, bgr, 'NCHW', nchw);
    expect(Array.from(nchw)).toEqual([3, 13, 23, 33, 2, 12, 22, 32, 1, 11, 21, 31]);
    const nhwc = new Float32Array(12);
    pixelsToTensor(PIXELS, 2, 2, bgr, 'NHWC', nhwc);
    expect(Array.from(nhwc)).toEqual([3, 2, 1, 13, 12, 11, 23, 22, 21, 33, 32, 31]);
  });

  it('applies scale and offset', () => {
    const pre: ImagePreprocessing = { ...IDENTITY, scale: 2 / 255, offset: -1 };
    const out = new Float32Array(3);
    pixelsToTensor(Uint8Array.of(0, 255, 51), 1, 1, pre, 'NHWC', out);
    expect(Array.from(out)).toEqual([expect.closeTo(-1, 6), expect.closeTo(1, 6), expect.closeTo(-0.6, 6)]);
  });

  it('applies mean and std per channel after scale and offset, in the model channel order', () => {
    const pre: ImagePreprocessing = {
      colorOrder: 'BGR',
      scale: 1 / 255,
      offset: 0,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      resize: 'bilinear',
    };
    const rgb = Uint8Array.of(255, 128, 0);
    const out = new Float32Array(3);
    pixelsToTensor(rgb, 1, 1, pre, 'NCHW', out);
    // Channel 0 is blue (0), channel 1 green (128), channel 2 red (255).
    expect(out[0]).toBeCloseTo((0 - 0.485) / 0.229, 5);
    expect(out[1]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5);
    expect(out[2]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });

  it('writes at an offset and leaves the rest of the buffer alone', () => {
    const out = new Float32Array(20).fill(-7);
    pixelsToTensor(PIXELS, 2, 2, IDENTITY, 'NCHW', out, 5);
    expect(Array.from(out.subarray(0, 5))).toEqual([-7, -7, -7, -7, -7]);
    expect(Array.from(out.subarray(5, 17))).toEqual([1, 11, 21, 31, 2, 12, 22, 32, 3, 13, 23, 33]);
    expect(Array.from(out.subarray(17))).toEqual([-7, -7, -7]);
  });

  it('pads a narrower image into a wider NCHW tensor at an offset, leaving the padding zero', () => {
    // Batch item 1 of a [2, 3, 2, 4] tensor: each plane is 2 rows × 4 columns, the image fills columns 0–1.
    const plane = 2 * 4;
    const out = new Float32Array(2 * 3 * plane);
    pixelsToTensor(PIXELS, 2, 2, IDENTITY, 'NCHW', out, 3 * plane, 4);
    expect(Array.from(out.subarray(0, 3 * plane))).toEqual(new Array(3 * plane).fill(0));
    expect(Array.from(out.subarray(3 * plane))).toEqual([
      // R plane
      1, 11, 0, 0, 21, 31, 0, 0,
      // G plane
      2, 12, 0, 0, 22, 32, 0, 0,
      // B plane
      3, 13, 0, 0, 23, 33, 0, 0,
    ]);
  });

  it('pads a narrower image into a wider NHWC tensor, leaving the padding zero', () => {
    const out = new Float32Array(2 * 3 * 3);
    pixelsToTensor(PIXELS, 2, 2, IDENTITY, 'NHWC', out, 0, 3);
    expect(Array.from(out)).toEqual([1, 2, 3, 11, 12, 13, 0, 0, 0, 21, 22, 23, 31, 32, 33, 0, 0, 0]);
  });

  it('keeps padding zero even when the normalisation maps black away from zero', () => {
    const pre: ImagePreprocessing = { ...IDENTITY, scale: 2 / 255, offset: -1 };
    const black = new Uint8Array(1 * 2 * 3);
    const out = new Float32Array(3 * 2 * 3);
    pixelsToTensor(black, 1, 2, pre, 'NCHW', out, 0, 3);
    // Column 0 holds the image (black → -1), columns 1–2 stay 0.
    expect(Array.from(out)).toEqual([-1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0]);
  });
});
