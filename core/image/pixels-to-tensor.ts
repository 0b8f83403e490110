import type { ImagePreprocessing } from '../models/model-manifest';

/**
 * Writes 8-bit RGB pixels (`width * height * 3`, row-major) into `out` at `offset` as float32, the way a manifest's
 * preprocessing says: channel order, `v * scale + offset`, then `(v - mean) / std`, in NCHW or NHWC layout.
 * `rowStride` lets a narrower image be written into a wider, zero-padded tensor (OCR line batches).
 */
export function pixelsToTensor(
  pixels: Uint8Array,
  width: number,
  height: number,
  pre: ImagePreprocessing,
  layout: 'NCHW' | 'NHWC',
  out: Float32Array,
  offset = 0,
  rowStride = width,
): void {
  const plane = rowStride * height;
  const mean = pre.mean ?? [0, 0, 0];
  const std = pre.std ?? [1, 1, 1];
  const bgr = pre.colorOrder === 'BGR';
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 3;
      const dst = y * rowStride + x;
      for (let c = 0; c < 3; c++) {
        const raw = pixels[src + (bgr ? 2 - c : c)] ?? 0;
        const v = (raw * pre.scale + pre.offset - (mean[c] as number)) / (std[c] as number);
        out[offset + (layout === 'NCHW' ? c * plane + dst : dst * 3 + c)] = v;
      }
    }
  }
}
