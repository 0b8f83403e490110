import { jaroszWindow, PDQ_DOWNSAMPLE } from './pdq-downsample';
import { WASM_BASE64 } from './wasm/pdq-downsample-wasm';

/**
 * PDQ's luma, Jarosz filter and 64×64 sampling for 8-bit RGB pixels in WebAssembly SIMD
 * (core/hash/wasm/pdq-downsample.wat): bit-identical to {@link pdqDownsampleRows} over the luma of
 * `pdq.ts`, about three times faster. Rows are copied into the module four at a time, so its memory grows with
 * the picture's width and height, not their product.
 */

/** The parts of the WebAssembly API used here (the project's TypeScript libs leave out the DOM's typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface Exports {
  readonly memory: WasmMemory;
  downsample(...args: number[]): void;
}

/** Where the current call's pixels come from; read by the module's row callback. */
let pixels: Uint8Array = new Uint8Array(0);
let rowBytes = 0;
let srcPtr = 0;
let loaded: Exports | null | undefined;

function instance(): Exports | null {
  if (loaded !== undefined) return loaded;
  try {
    if (!wasmApi) throw new Error('no WebAssembly');
    const module = new wasmApi.Module(Buffer.from(WASM_BASE64, 'base64'));
    const inst = new wasmApi.Instance(module, {
      host: {
        rows(r0: number, rows: number): void {
          const bytes = new Uint8Array((loaded as Exports).memory.buffer, srcPtr, rows * rowBytes);
          bytes.set(pixels.subarray(r0 * rowBytes, (r0 + rows) * rowBytes));
        },
      },
    });
    loaded = inst.exports as unknown as Exports;
  } catch {
    // A runtime without WebAssembly SIMD: callers fall back to the JavaScript filter.
    loaded = null;
  }
  return loaded;
}

/** Whether the SIMD filter can run here (WebAssembly with SIMD). */
export function pdqSimdAvailable(): boolean {
  return instance() !== null;
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * Downsamples `w`×`h` 8-bit RGB `rgb` (3 bytes a pixel, row-major) to PDQ's 64×64 float32 picture in `out`.
 * The picture must be at least 5 pixels a side and not exactly 64×64 (which the reference does not filter).
 *
 * @throws Error when WebAssembly SIMD is not available (check {@link pdqSimdAvailable})
 */
export function pdqDownsampleRgbSimd(
  rgb: Uint8Array,
  w: number,
  h: number,
  out: Float32Array = new Float32Array(PDQ_DOWNSAMPLE * PDQ_DOWNSAMPLE),
): Float32Array {
  const wasm = instance();
  if (!wasm) throw new Error('WebAssembly SIMD is not available');
  const S = PDQ_DOWNSAMPLE;
  const winX = jaroszWindow(w);
  const winV = jaroszWindow(h);
  const w4 = align(w, 4);
  const stride = w4 * 4;
  const ringRows = (Math.ceil((winV + 1) / 4) + 1) * 4;
  const h4 = align(h, 4);
  // Layout: pixel rows (four, plus slack for the 16-byte loads past a row's end), the ring of filtered rows, two
  // interleaved buffers, four output rows, the column sums, q and q2 (h rows of 64 floats), the sampled columns.
  let at = 0;
  const take = (bytes: number): number => {
    const p = at;
    at = align(at + bytes, 16);
    return p;
  };
  const src = take(4 * w * 3 + 64);
  const ring = take(ringRows * stride);
  const bufI = take(w4 * 16);
  const bufI2 = take(w4 * 16);
  const outRows = take(4 * stride);
  const sums = take(Math.max(stride, S * 4));
  const q = take(h4 * S * 4);
  const q2 = take(h4 * S * 4);
  const cols = take(S * 4);
  const memory = wasm.memory;
  if (memory.buffer.byteLength < at) memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
  const colIndex = new Int32Array(memory.buffer, cols, S);
  for (let j = 0; j < S; j++) colIndex[j] = Math.floor(((j + 0.5) * w) / S);
  pixels = rgb;
  rowBytes = w * 3;
  srcPtr = src;
  try {
    wasm.downsample(w, h, winX, winV, ringRows, stride, src, ring, bufI, bufI2, outRows, sums, q, q2, cols);
  } finally {
    pixels = new Uint8Array(0);
  }
  const filtered = new Float32Array(memory.buffer, q2, h * S);
  for (let i = 0; i < S; i++) {
    const row = Math.floor(((i + 0.5) * h) / S) * S;
    out.set(filtered.subarray(row, row + S), i * S);
  }
  return out;
}
