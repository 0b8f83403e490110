/**
 * `Math.fround` read once: a global property lookup per call is slow where the global object is not V8's own
 * (jest runs modules in such a context, which makes the hot loops about 100 times slower).
 */
const fround = Math.fround;

/**
 * The reference's Jarosz tent filter (two rounds of a horizontal then a vertical box pass) followed by sampling
 * to 64×64, in float32 with the reference's running-sum order, so that the rounding drift is reproduced bit for
 * bit.
 *
 * Speed without changing any value:
 * - Each box output is `sum * (1/count)` in double, rounded to float32. That equals the float32 quotient
 *   `sum / count`: a float32 over a small integer is never within 2^-45 (relative) of a float32 rounding midpoint,
 *   far more than the 2^-52 error of the double product.
 * - Horizontal passes run eight rows at once, so the eight running sums (each a serial chain of float32 roundings)
 *   overlap in the CPU. Vertical passes go row by row with one running sum per column.
 * - Nothing full-size is stored: luma and the first horizontal pass are produced a batch of rows ahead of the
 *   first vertical pass into a ring of rows, the vertical pass streams into the second horizontal pass, which keeps
 *   only the 64 sampled columns, and the second vertical pass runs over those 64 columns. The working set stays
 *   in cache.
 */

/** Side of the downsampled picture. */
export const PDQ_DOWNSAMPLE = 64;

/** Box window along an axis of `n` pixels: `ceil(n / 128)`. */
export function jaroszWindow(n: number): number {
  return Math.floor((n + 2 * PDQ_DOWNSAMPLE - 1) / (2 * PDQ_DOWNSAMPLE));
}

/** Index of the input row or column that output cell `i` samples. */
function sampleIndex(i: number, n: number): number {
  return Math.floor(((i + 0.5) * n) / PDQ_DOWNSAMPLE);
}

/** Rows handled together by the horizontal passes. */
const BATCH = 8;

let full = new Float32Array(0);
let batchIn = new Float32Array(0);
let batchOut = new Float32Array(0);
let colSums = new Float32Array(0);
let narrow = new Float32Array(0);
let narrow2 = new Float32Array(0);

/** Rows in the ring buffer: the vertical window plus a batch being produced, in whole batches. */
function ringSize(win: number): number {
  return (Math.ceil((win + 1) / BATCH) + 1) * BATCH;
}

function ensure(w: number, h: number, win: number): void {
  // The second vertical pass reuses the row buffers 64 columns wide, which can be wider than the picture.
  const wide = Math.max(w, PDQ_DOWNSAMPLE);
  if (full.length < wide * ringSize(win)) full = new Float32Array(wide * ringSize(win));
  if (colSums.length < wide) {
    colSums = new Float32Array(wide);
    batchIn = new Float32Array(wide * BATCH);
    batchOut = new Float32Array(wide * BATCH);
  }
  if (narrow.length < h * PDQ_DOWNSAMPLE) {
    narrow = new Float32Array(h * PDQ_DOWNSAMPLE);
    narrow2 = new Float32Array(h * PDQ_DOWNSAMPLE);
  }
}

/**
 * One horizontal box pass over a row of `n` values at `src[s..]`, into `dst[d..]`: the reference's four phases
 * (fill the left half window; grow to the full window; slide; shrink).
 */
function boxRow(src: Float32Array, s: number, dst: Float32Array, d: number, n: number, win: number): void {
  const half = (win + 2) >> 1;
  let sum = 0;
  let count = 0;
  let ri = s;
  let li = s;
  let oi = d;
  for (let k = 0; k < half - 1; k++) {
    sum = fround(sum + (src[ri++] as number));
    count++;
  }
  for (let k = 0; k < win - half + 1; k++) {
    sum = fround(sum + (src[ri++] as number));
    count++;
    dst[oi++] = sum * (1 / count);
  }
  const inv = 1 / count;
  for (let k = 0; k < n - win; k++) {
    sum = fround(fround(sum + (src[ri++] as number)) - (src[li++] as number));
    dst[oi++] = sum * inv;
  }
  for (let k = 0; k < half - 1; k++) {
    sum = fround(sum - (src[li++] as number));
    count--;
    dst[oi++] = sum * (1 / count);
  }
}

const chainSums = new Float64Array(8);

/**
 * {@link boxRow} over eight consecutive rows (`w` apart) at once. The short edge phases run row by row; the long
 * sliding phase advances the eight running sums together.
 */
function boxRow8(src: Float32Array, s: number, dst: Float32Array, d: number, w: number, win: number): void {
  const half = (win + 2) >> 1;
  const grow = win - half + 1;
  const sums = chainSums;
  for (let r = 0; r < 8; r++) {
    const base = s + r * w;
    const out = d + r * w;
    let sum = 0;
    let ri = base;
    for (let k = 0; k < half - 1; k++) sum = fround(sum + (src[ri++] as number));
    for (let k = 0; k < grow; k++) {
      sum = fround(sum + (src[ri++] as number));
      dst[out + k] = sum * (1 / (half + k));
    }
    sums[r] = sum;
  }
  let a0 = sums[0] as number;
  let a1 = sums[1] as number;
  let a2 = sums[2] as number;
  let a3 = sums[3] as number;
  let a4 = sums[4] as number;
  let a5 = sums[5] as number;
  let a6 = sums[6] as number;
  let a7 = sums[7] as number;
  const inv = 1 / win;
  const w2 = 2 * w;
  const w3 = 3 * w;
  const w4 = 4 * w;
  const w5 = 5 * w;
  const w6 = 6 * w;
  const w7 = 7 * w;
  let ri = s + half - 1 + grow;
  let li = s;
  let oi = d + grow;
  for (let k = 0; k < w - win; k++, ri++, li++, oi++) {
    a0 = fround(fround(a0 + (src[ri] as number)) - (src[li] as number));
    a1 = fround(fround(a1 + (src[ri + w] as number)) - (src[li + w] as number));
    a2 = fround(fround(a2 + (src[ri + w2] as number)) - (src[li + w2] as number));
    a3 = fround(fround(a3 + (src[ri + w3] as number)) - (src[li + w3] as number));
    a4 = fround(fround(a4 + (src[ri + w4] as number)) - (src[li + w4] as number));
    a5 = fround(fround(a5 + (src[ri + w5] as number)) - (src[li + w5] as number));
    a6 = fround(fround(a6 + (src[ri + w6] as number)) - (src[li + w6] as number));
    a7 = fround(fround(a7 + (src[ri + w7] as number)) - (src[li + w7] as number));
    dst[oi] = a0 * inv;
    dst[oi + w] = a1 * inv;
    dst[oi + w2] = a2 * inv;
    dst[oi + w3] = a3 * inv;
    dst[oi + w4] = a4 * inv;
    dst[oi + w5] = a5 * inv;
    dst[oi + w6] = a6 * inv;
    dst[oi + w7] = a7 * inv;
  }
  sums[0] = a0;
  sums[1] = a1;
  sums[2] = a2;
  sums[3] = a3;
  sums[4] = a4;
  sums[5] = a5;
  sums[6] = a6;
  sums[7] = a7;
  for (let r = 0; r < 8; r++) {
    let sum = sums[r] as number;
    let l = li + r * w;
    let o = oi + r * w;
    for (let k = 0; k < half - 1; k++) {
      sum = fround(sum - (src[l++] as number));
      dst[o++] = sum * (1 / (win - 1 - k));
    }
  }
}

/** Horizontal box pass over `rows` consecutive rows of width `w` at `src[s..]`, into `dst[d..]`. */
function boxRows(
  src: Float32Array,
  s: number,
  dst: Float32Array,
  d: number,
  w: number,
  rows: number,
  win: number,
) {
  let r = 0;
  for (; r + BATCH <= rows; r += BATCH) boxRow8(src, s + r * w, dst, d + r * w, w, win);
  for (; r < rows; r++) boxRow(src, s + r * w, dst, d + r * w, w, win);
}

/**
 * A vertical box pass over `h` rows, `w` wide (row `r` starts at `src[rowAt(r)]`; rows are asked for in
 * ascending order, and a row is asked for again `win` rows later), run row by row with one running sum per column
 * (each column's additions happen in the same order as a column-at-a-time pass). Output row `r` is written to
 * `out` at offset `(r % BATCH) * w`, then `emit(r)` is called.
 */
function boxColumns(
  src: Float32Array,
  rowAt: (r: number) => number,
  w: number,
  h: number,
  win: number,
  out: Float32Array,
  emit: (r: number) => void,
) {
  const half = (win + 2) >> 1;
  const sums = colSums;
  sums.fill(0, 0, w);
  let ri = 0;
  let li = 0;
  let oi = 0;
  let count = 0;
  for (let k = 0; k < half - 1; k++) {
    const a = rowAt(ri++);
    for (let c = 0; c < w; c++) sums[c] = (sums[c] as number) + (src[a + c] as number);
    count++;
  }
  for (let k = 0; k < win - half + 1; k++) {
    const a = rowAt(ri++);
    count++;
    const inv = 1 / count;
    const o = (oi % BATCH) * w;
    for (let c = 0; c < w; c++) {
      const s = fround((sums[c] as number) + (src[a + c] as number));
      sums[c] = s;
      out[o + c] = s * inv;
    }
    emit(oi++);
  }
  const inv = 1 / count;
  for (let k = 0; k < h - win; k++) {
    const a = rowAt(ri++);
    const b = rowAt(li++);
    const o = (oi % BATCH) * w;
    for (let c = 0; c < w; c++) {
      const s = fround(fround((sums[c] as number) + (src[a + c] as number)) - (src[b + c] as number));
      sums[c] = s;
      out[o + c] = s * inv;
    }
    emit(oi++);
  }
  for (let k = 0; k < half - 1; k++) {
    const b = rowAt(li++);
    count--;
    const inv2 = 1 / count;
    const o = (oi % BATCH) * w;
    for (let c = 0; c < w; c++) {
      const s = fround((sums[c] as number) - (src[b + c] as number));
      sums[c] = s;
      out[o + c] = s * inv2;
    }
    emit(oi++);
  }
}

/**
 * Source of float32 luma rows for {@link pdqDownsampleRows}: writes rows `r0 .. r0+rows-1` (each `w` wide) into
 * `out` from offset 0.
 */
export type LumaRows = (r0: number, rows: number, out: Float32Array) => void;

/**
 * Blurs a float32 luma picture (`w`×`h`, produced row batch by row batch by `rowsOf`) with the reference's
 * two-round Jarosz filter and samples it to 64×64: `out[64*i + j]` is blurred row `floor((i+0.5)·h/64)`, column
 * `floor((j+0.5)·w/64)`. Pictures must be at least 64×64 or not exactly that size (a 64×64 picture is not
 * filtered by the reference: see {@link pdqDownsample}).
 */
export function pdqDownsampleRows(
  rowsOf: LumaRows,
  w: number,
  h: number,
  out: Float32Array = new Float32Array(PDQ_DOWNSAMPLE * PDQ_DOWNSAMPLE),
): Float32Array {
  const S = PDQ_DOWNSAMPLE;
  ensure(w, h, jaroszWindow(h));
  const winX = jaroszWindow(w);
  const winV = jaroszWindow(h);
  // First-round horizontal output lives in a ring of rows, produced a batch ahead of the vertical pass that
  // reads it (each row is read when it enters the window and again when it leaves it).
  const ring = full;
  const ringRows = ringSize(winV);
  const rowsIn = batchIn;
  const rowsOut = batchOut;
  let produced = 0;
  const rowAt = (r: number): number => {
    while (r >= produced) {
      const rows = Math.min(BATCH, h - produced);
      rowsOf(produced, rows, rowsIn);
      boxRows(rowsIn, 0, ring, (produced % ringRows) * w, w, rows, winX);
      produced += rows;
    }
    return (r % ringRows) * w;
  };

  const cols = new Int32Array(S);
  for (let j = 0; j < S; j++) cols[j] = sampleIndex(j, w);
  const q = narrow;
  boxColumns(ring, rowAt, w, h, winV, rowsOut, (r) => {
    if (r % BATCH !== BATCH - 1 && r !== h - 1) return;
    const first = r - (r % BATCH);
    const rows = r - first + 1;
    boxRows(rowsOut, 0, rowsIn, 0, w, rows, winX);
    for (let k = 0; k < rows; k++) {
      const o = (first + k) * S;
      const i = k * w;
      for (let j = 0; j < S; j++) q[o + j] = rowsIn[i + (cols[j] as number)] as number;
    }
  });

  // Second vertical pass: the 64 sampled columns only.
  const q2 = narrow2;
  boxColumns(
    q,
    (r) => r * S,
    S,
    h,
    winV,
    rowsIn,
    (r) => {
      const o = (r % BATCH) * S;
      q2.set(rowsIn.subarray(o, o + S), r * S);
    },
  );
  for (let i = 0; i < S; i++) {
    const src = sampleIndex(i, h) * S;
    out.set(q2.subarray(src, src + S), i * S);
  }
  return out;
}

/**
 * {@link pdqDownsampleRows} over a whole float32 luma picture (row-major), which is left unchanged. A 64×64 input
 * is copied unchanged, as the reference does.
 */
export function pdqDownsample(
  luma: Float32Array,
  w: number,
  h: number,
  out: Float32Array = new Float32Array(PDQ_DOWNSAMPLE * PDQ_DOWNSAMPLE),
): Float32Array {
  if (w === PDQ_DOWNSAMPLE && h === PDQ_DOWNSAMPLE) {
    out.set(luma.subarray(0, PDQ_DOWNSAMPLE * PDQ_DOWNSAMPLE));
    return out;
  }
  return pdqDownsampleRows((r0, rows, dst) => dst.set(luma.subarray(r0 * w, (r0 + rows) * w)), w, h, out);
}
