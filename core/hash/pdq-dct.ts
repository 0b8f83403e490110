/**
 * `Math.fround` read once: a global property lookup per call is slow where the global object is not V8's own
 * (jest runs modules in such a context, which makes the hot loops about 100 times slower).
 */
const fround = Math.fround;

/** Rows of the PDQ DCT matrix: frequencies 1..16 (the DC row is skipped). */
const ROWS = 16;
/** Columns: the 64×64 downsampled picture. */
const N = 64;

/**
 * The 16×64 float32 DCT-II matrix of the reference, row-major: `D[i][j] = float32(float32(sqrt(2/64)) *
 * cos((π/2/64)·(i+1)·(2j+1)))`, with the inner arithmetic in double. V8's `Math.cos` gives the same float32 bits
 * as glibc's `cos` for all 1024 entries (checked against the reference dump in the conformance tests).
 */
export const PDQ_DCT_MATRIX: Float32Array = (() => {
  const m = new Float32Array(ROWS * N);
  const scale = fround(Math.sqrt(2 / N));
  for (let i = 0; i < ROWS; i++) {
    for (let j = 0; j < N; j++) m[i * N + j] = scale * Math.cos((Math.PI / 2 / N) * (i + 1) * (2 * j + 1));
  }
  return m;
})();

const tScratch = new Float32Array(ROWS * N);

/**
 * The 16×16 low-frequency block `B = D·A·Dᵀ` of a 64×64 row-major float32 picture `a`, into `out` (row-major:
 * `out[16*i + j]`, `i` vertical and `j` horizontal frequency). Each dot product runs in float32 with `k`
 * ascending, as the reference does, so the rounding is the same.
 */
export function pdqDct64To16(
  a: Float32Array,
  out: Float32Array = new Float32Array(ROWS * ROWS),
): Float32Array {
  const d = PDQ_DCT_MATRIX;
  const t = tScratch;
  for (let i = 0; i < ROWS; i++) {
    const di = i * N;
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s = fround(s + fround((d[di + k] as number) * (a[k * N + j] as number)));
      t[di + j] = s;
    }
  }
  for (let i = 0; i < ROWS; i++) {
    const ti = i * N;
    for (let j = 0; j < ROWS; j++) {
      const dj = j * N;
      let s = 0;
      for (let k = 0; k < N; k++) s = fround(s + fround((t[ti + k] as number) * (d[dj + k] as number)));
      out[i * ROWS + j] = s;
    }
  }
  return out;
}
