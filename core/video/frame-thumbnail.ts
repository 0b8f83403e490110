/** Side of the grey thumbnail frames are compared by. */
export const THUMB_SIDE = 16;

/**
 * A 16×16 grey thumbnail of a frame (box averages), for cheap frame-to-frame comparison: compression noise
 * averages out inside each cell, while a caption or an object appearing changes some cells a lot.
 */
export type FrameThumbnail = Uint8Array;

/** Thumbnail of an RGB frame (`width * height * 3` bytes). */
export function frameThumbnail(data: Uint8Array, width: number, height: number): FrameThumbnail {
  const sums = new Float64Array(THUMB_SIDE * THUMB_SIDE);
  const counts = new Uint32Array(THUMB_SIDE * THUMB_SIDE);
  // Every other pixel in each direction: plenty for 256 cells, a quarter of the work.
  for (let y = 0; y < height; y += 2) {
    const row = Math.min(THUMB_SIDE - 1, Math.floor((y * THUMB_SIDE) / height)) * THUMB_SIDE;
    for (let x = 0; x < width; x += 2) {
      const cell = row + Math.min(THUMB_SIDE - 1, Math.floor((x * THUMB_SIDE) / width));
      const i = (y * width + x) * 3;
      sums[cell] =
        (sums[cell] as number) +
        0.299 * (data[i] as number) +
        0.587 * (data[i + 1] as number) +
        0.114 * (data[i + 2] as number);
      counts[cell] = (counts[cell] as number) + 1;
    }
  }
  const out = new Uint8Array(THUMB_SIDE * THUMB_SIDE);
  for (let c = 0; c < out.length; c++)
    out[c] = Math.round((sums[c] as number) / Math.max(1, counts[c] as number));
  return out;
}

/** How two thumbnails differ: the largest cell difference and how many cells differ by more than `cellDelta`. */
export function thumbnailChange(
  a: FrameThumbnail,
  b: FrameThumbnail,
  cellDelta: number,
): { readonly maxDiff: number; readonly changedCells: number } {
  let maxDiff = 0;
  let changedCells = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > maxDiff) maxDiff = d;
    if (d > cellDelta) changedCells++;
  }
  return { maxDiff, changedCells };
}
