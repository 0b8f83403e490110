/**
 * Writes a multi-label linear model over hashed features as an ONNX graph (opset 13) with `onnx-proto`.
 *
 * The sparse form takes the text's non-zero buckets and their values and computes
 * `sigmoid(sum_k values[k] * W[indices[k], :] + b)`: Gather, Mul, ReduceSum, Add, Sigmoid. Weights may be stored
 * as float32, float16 or int8 with one scale per label (dequantized after the Gather, so only the rows a text
 * touches are converted). The dense form (`MatMul` over the full bucket vector) exists to measure against it.
 */
import { onnx } from 'onnx-proto';

const OPSET = 13;
const IR_VERSION = 7;

/** How the weight matrix is stored in the file. */
export type WeightStorage = 'float32' | 'float16' | 'int8';

/** A trained linear model: `weights` is row-major `[dims, labels.length]`, `bias` has one value per label. */
export interface LinearModel {
  readonly dims: number;
  readonly labels: readonly string[];
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** Options for {@link linearModelToOnnx}. */
export interface LinearOnnxOptions {
  readonly storage: WeightStorage;
  /** `sparse` (indices + values inputs) or `dense` (one `[1, dims]` float input). */
  readonly form?: 'sparse' | 'dense';
  readonly docString?: string;
}

/** Tensor names of the graph. */
export const LINEAR_ONNX_NAMES = {
  indices: 'indices',
  values: 'values',
  dense: 'features',
  scores: 'scores',
};

/** The ONNX bytes of `model`. */
export function linearModelToOnnx(model: LinearModel, options: LinearOnnxOptions): Uint8Array {
  const { dims, labels, weights, bias } = model;
  const width = labels.length;
  if (weights.length !== dims * width || bias.length !== width) {
    throw new RangeError(`weights must be ${dims} x ${width} and bias ${width} long`);
  }
  const form = options.form ?? 'sparse';
  const T = onnx.TensorProto.DataType;
  const initializers: onnx.ITensorProto[] = [];
  const nodes: onnx.INodeProto[] = [];
  const raw = (a: ArrayBufferView): Uint8Array =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  const init = (name: string, dimsOf: number[], dataType: number, data: ArrayBufferView): string => {
    initializers.push({ name, dims: dimsOf, dataType, rawData: raw(data) });
    return name;
  };
  const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []) =>
    nodes.push({ opType, input, output, attribute, name: `${opType}_${nodes.length}` });

  let w = '';
  let scale: string | undefined;
  if (options.storage === 'float32') w = init('W', [dims, width], T.FLOAT, weights);
  else if (options.storage === 'float16') w = init('W16', [dims, width], T.FLOAT16, toFloat16(weights));
  else {
    const { q, scales } = quantizeInt8(weights, width);
    w = init('W8', [dims, width], T.INT8, q);
    scale = init('W_scale', [width], T.FLOAT, scales);
  }
  const b = init('b', [width], T.FLOAT, bias);

  const dequant = (gathered: string): string => {
    if (options.storage === 'float32') return gathered;
    node(
      'Cast',
      [gathered],
      [`${gathered}_f`],
      [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }],
    );
    if (!scale) return `${gathered}_f`;
    node('Mul', [`${gathered}_f`, scale], [`${gathered}_s`]);
    return `${gathered}_s`;
  };

  const inputs: onnx.IValueInfoProto[] = [];
  const tensorType = (elemType: number, shape: (number | string)[]): onnx.ITypeProto => ({
    tensorType: {
      elemType,
      shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  });
  if (form === 'sparse') {
    const { indices, values, scores } = LINEAR_ONNX_NAMES;
    inputs.push({ name: indices, type: tensorType(T.INT64, ['nnz']) });
    inputs.push({ name: values, type: tensorType(T.FLOAT, ['nnz']) });
    node(
      'Gather',
      [w, indices],
      ['rows'],
      [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
    );
    const rows = dequant('rows');
    init('axis1', [1], T.INT64, BigInt64Array.of(1n));
    init('axis0', [1], T.INT64, BigInt64Array.of(0n));
    node('Unsqueeze', [values, 'axis1'], ['values_col']);
    node('Mul', [rows, 'values_col'], ['weighted']);
    node(
      'ReduceSum',
      ['weighted', 'axis0'],
      ['logits_raw'],
      [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    );
    node('Add', ['logits_raw', b], ['logits']);
    node('Sigmoid', ['logits'], [scores]);
  } else {
    const { dense, scores } = LINEAR_ONNX_NAMES;
    inputs.push({ name: dense, type: tensorType(T.FLOAT, ['batch', dims]) });
    if (options.storage !== 'float32') throw new RangeError('the dense form stores float32 weights only');
    node('MatMul', [dense, w], ['logits_raw']);
    node('Add', ['logits_raw', b], ['logits']);
    node('Sigmoid', ['logits'], [scores]);
  }
  const proto: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'winnow-train-text-classifier',
    producerVersion: '1',
    docString: options.docString ?? '',
    graph: {
      name: 'hashed-ngram-logistic-regression',
      node: nodes,
      initializer: initializers,
      input: inputs,
      output: [
        {
          name: LINEAR_ONNX_NAMES.scores,
          type: tensorType(T.FLOAT, [form === 'sparse' ? 1 : 'batch', width]),
        },
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}

/** Symmetric per-label int8 quantisation: `w ≈ q * scale[label]`. */
export function quantizeInt8(weights: Float32Array, width: number): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(width);
  for (let i = 0; i < weights.length; i++) {
    const c = i % width;
    scales[c] = Math.max(scales[c] as number, Math.abs(weights[i] as number));
  }
  for (let c = 0; c < width; c++) scales[c] = (scales[c] as number) / 127 || 1;
  const q = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++)
    q[i] = Math.round((weights[i] as number) / (scales[i % width] as number));
  return { q, scales };
}

/** IEEE half-precision bits of each value (round to nearest even). */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i] as number;
    const x = u[0] as number;
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = x & 0x7fffff;
    if (exp <= 0) {
      if (exp < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - exp;
      const half = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      out[i] = sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
      continue;
    }
    if (exp >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    let half = (exp << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
    out[i] = sign | half;
  }
  return out;
}

/** float32 values of IEEE half-precision bits. */
export function fromFloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i] as number;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = sign * mant * 2 ** -24;
    else if (exp === 31) out[i] = mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}
