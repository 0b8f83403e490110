/**
 * A small TensorFlow.js graph-model → ONNX converter, written for the handful of ops that the nsfwjs MobileNetV2
 * models use. It reads `model.json` (topology + weight manifest) and the concatenated weight bytes, dequantizes the
 * weights and emits an opset-13 ONNX model.
 *
 * Layout: the ONNX model keeps the TF input layout (NHWC) at its boundary and transposes to NCHW once inside;
 * every 4-D activation after that lives in NCHW. Shapes are tracked in TF (NHWC) order so SAME padding can be
 * turned into explicit, possibly asymmetric, pads exactly as TensorFlow computes them.
 *
 * Ops: Placeholder, Const, Identity, Add/AddV2, Sub, Mul, Relu, Relu6, _FusedConv2D,
 * FusedDepthwiseConv2dNative, DepthwiseConv2dNative, Conv2D, AvgPool, MaxPool, ConcatV2, Squeeze, MatMul,
 * _FusedMatMul, Softmax. Anything else fails with an error naming the op and the node.
 */
import * as path from 'node:path';
import { onnx } from 'onnx-proto';

/** One tensor of a TFJS weight manifest group. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16' | string; min?: number; scale?: number };
}

/** A TFJS weight manifest group: shard files (concatenated in order) and the tensors they hold. */
export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** A node of a TF GraphDef, as the TFJS converter writes it to JSON. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

/** A TF AttrValue in its JSON form (proto3 JSON: int64 as strings, bytes as base64). */
export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  tensor?: unknown;
}

/** The parts of a TFJS graph-model `model.json` this converter reads. */
export interface TfjsGraphModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: TfjsWeightGroup[];
  userDefinedMetadata?: {
    signature?: { outputs?: Record<string, { name: string }> };
  };
}

/** A dequantized weight: float32 or int32 values with their TF shape. */
export interface DecodedWeight {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Raised for a model the converter cannot handle; names the op and the node. */
export class TfjsConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfjsConversionError';
  }
}

export interface ConvertOptions {
  /** Written into `ModelProto.producerName`; default `winnow-tfjs-graph-to-onnx`. */
  producerName?: string;
  /** Free-form model doc string. */
  docString?: string;
  /** ONNX name for the graph output; default the TF output node name. */
  outputName?: string;
}

export interface ConversionResult {
  /** The serialized ONNX ModelProto. */
  bytes: Uint8Array;
  inputName: string;
  /** TF shape of the input; -1 marks the batch dimension. */
  inputShape: number[];
  outputName: string;
  /** How many TF nodes became ONNX nodes and how many ONNX nodes were written. */
  stats: { tfNodes: number; onnxNodes: number; initializers: number; parameters: number };
}

const OPSET = 13;
const IR_VERSION = 7;

/** Splits the concatenated weight bytes into named, dequantized tensors. */
export function decodeWeights(
  manifest: TfjsWeightGroup[],
  weightData: Uint8Array,
): Map<string, DecodedWeight> {
  const out = new Map<string, DecodedWeight>();
  const view = new DataView(weightData.buffer, weightData.byteOffset, weightData.byteLength);
  let offset = 0;
  for (const group of manifest) {
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      if (q) {
        if (q.dtype !== 'uint8' && q.dtype !== 'uint16') {
          throw new TfjsConversionError(`weight "${w.name}": unsupported quantization dtype "${q.dtype}"`);
        }
        if (q.scale === undefined || q.min === undefined) {
          throw new TfjsConversionError(`weight "${w.name}": quantization without scale/min`);
        }
        const bytesPer = q.dtype === 'uint8' ? 1 : 2;
        need(weightData, offset, size * bytesPer, w.name);
        const target = w.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
        for (let k = 0; k < size; k++) {
          const raw = bytesPer === 1 ? view.getUint8(offset + k) : view.getUint16(offset + 2 * k, true);
          const v = raw * q.scale + q.min;
          target[k] = w.dtype === 'int32' ? Math.round(v) : v;
        }
        offset += size * bytesPer;
        out.set(w.name, { shape: w.shape, dtype: w.dtype === 'int32' ? 'int32' : 'float32', data: target });
      } else if (w.dtype === 'float32' || w.dtype === 'int32') {
        need(weightData, offset, size * 4, w.name);
        const target = w.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
        for (let k = 0; k < size; k++) {
          target[k] =
            w.dtype === 'int32' ? view.getInt32(offset + 4 * k, true) : view.getFloat32(offset + 4 * k, true);
        }
        offset += size * 4;
        out.set(w.name, { shape: w.shape, dtype: w.dtype, data: target });
      } else {
        throw new TfjsConversionError(`weight "${w.name}": unsupported dtype "${w.dtype}"`);
      }
    }
  }
  if (offset !== weightData.byteLength) {
    throw new TfjsConversionError(
      `weight bytes: the manifest describes ${offset} bytes but ${weightData.byteLength} were given`,
    );
  }
  return out;
}

function need(data: Uint8Array, offset: number, len: number, name: string): void {
  if (offset + len > data.byteLength) {
    throw new TfjsConversionError(`weight "${name}": weight data ends before this tensor (truncated shard?)`);
  }
}

/** A tensor already present in the ONNX graph. `shape` is in TF order (NHWC for 4-D); -1 = unknown (batch). */
interface Value {
  onnxName: string;
  shape: number[];
  /** True when the ONNX tensor is a 4-D activation stored as NCHW. */
  nchw: boolean;
}

const decodeStr = (b64: string | undefined): string =>
  b64 === undefined ? '' : Buffer.from(b64, 'base64').toString();

function ints(attr: TfAttr | undefined): number[] {
  return (attr?.list?.i ?? []).map((v) => Number(v));
}

/** Converts a TFJS graph model (topology + manifest) and its weight bytes into an ONNX model. */
export function convertTfjsGraphToOnnx(
  model: TfjsGraphModelJson,
  weightData: Uint8Array,
  options: ConvertOptions = {},
): ConversionResult {
  if (model.format !== undefined && model.format !== 'graph-model') {
    throw new TfjsConversionError(`expected a TFJS graph-model, got format "${model.format}"`);
  }
  const weights = decodeWeights(model.weightsManifest, weightData);
  const nodes = new Map<string, TfNode>();
  for (const n of model.modelTopology.node) nodes.set(n.name, n);

  const onnxNodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const initNames = new Set<string>();
  const values = new Map<string, Value>();
  let parameters = 0;
  let tmp = 0;
  const fresh = (base: string): string => `${base}__${tmp++}`;

  const addInit = (name: string, dims: number[], data: Float32Array | Int32Array | BigInt64Array): string => {
    if (initNames.has(name)) return name;
    initNames.add(name);
    const dataType =
      data instanceof Float32Array
        ? onnx.TensorProto.DataType.FLOAT
        : data instanceof Int32Array
          ? onnx.TensorProto.DataType.INT32
          : onnx.TensorProto.DataType.INT64;
    initializers.push({
      name,
      dims,
      dataType,
      rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    });
    parameters += data.length;
    return name;
  };
  const int64s = (name: string, vals: number[]): string =>
    addInit(name, [vals.length], BigInt64Array.from(vals.map((v) => BigInt(v))));
  const scalar = (name: string, v: number): string => addInit(name, [], Float32Array.of(v));
  const emit = (
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: onnx.IAttributeProto[] = [],
  ): void => {
    onnxNodes.push({ opType, input: inputs, output: outputs, name: outputs[0], attribute: attrs });
  };
  const attrInts = (name: string, v: number[]): onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INTS,
    ints: v,
  });
  const attrInt = (name: string, v: number): onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INT,
    i: v,
  });

  const constOf = (name: string, user: TfNode): DecodedWeight => {
    const w = weights.get(name);
    if (!w) {
      const n = nodes.get(name);
      throw new TfjsConversionError(
        n && n.op !== 'Const'
          ? `node "${user.name}" (${user.op}) needs input "${name}" as a constant but it is computed (${n.op})`
          : `node "${user.name}" (${user.op}): constant "${name}" has no weights in the manifest`,
      );
    }
    return w;
  };

  const cleanInput = (ref: string): string => {
    const name = ref.startsWith('^') ? ref.slice(1) : ref;
    const m = /^(.*):(\d+)$/.exec(name);
    if (m && m[2] !== '0')
      throw new TfjsConversionError(`input "${ref}": only output 0 of a node is supported`);
    return m ? (m[1] as string) : name;
  };
  const dataInputs = (n: TfNode): string[] =>
    (n.input ?? []).filter((r) => !r.startsWith('^')).map(cleanInput);

  let inputName = '';
  let inputShape: number[] = [];

  const tensorOf = (name: string, user: TfNode): Value => {
    const done = values.get(name);
    if (done) return done;
    const n = nodes.get(name);
    if (!n) throw new TfjsConversionError(`node "${user.name}" refers to missing node "${name}"`);
    if (n.op === 'Const') {
      const w = constOf(name, user);
      const v: Value = { onnxName: addInit(name, w.shape, w.data), shape: w.shape, nchw: false };
      values.set(name, v);
      return v;
    }
    const v = convertNode(n);
    values.set(name, v);
    return v;
  };

  /** A 4-D NHWC tensor as NCHW (activations already are; other 4-D inputs get a Transpose). */
  const asNchw = (v: Value): string => {
    if (v.nchw) return v.onnxName;
    const out = fresh(`${v.onnxName}/nchw`);
    emit('Transpose', [v.onnxName], [out], [attrInts('perm', [0, 3, 1, 2])]);
    return out;
  };

  /** Appends the fused ops (BiasAdd, Relu, Relu6) of a `_Fused*` node after `x`. */
  const applyFused = (n: TfNode, x: string, bias: DecodedWeight | undefined, final: string): void => {
    const ops = (n.attr?.fused_ops?.list?.s ?? []).map(decodeStr);
    let cur = x;
    const steps: string[] = [];
    for (const op of ops) {
      if (op === 'BiasAdd') continue; // folded into Conv/Gemm's bias input
      if (op === 'Relu' || op === 'Relu6') steps.push(op);
      else throw new TfjsConversionError(`node "${n.name}" (${n.op}): unsupported fused op "${op}"`);
    }
    if (ops.includes('BiasAdd') && !bias) {
      throw new TfjsConversionError(`node "${n.name}" (${n.op}): BiasAdd fused without a bias input`);
    }
    steps.forEach((op, k) => {
      const out = k === steps.length - 1 ? final : fresh(`${n.name}/${op}`);
      if (op === 'Relu') emit('Relu', [cur], [out]);
      else emit('Clip', [cur, scalar('__clip_min_0', 0), scalar('__clip_max_6', 6)], [out]);
      cur = out;
    });
    if (steps.length === 0 && cur !== final) emit('Identity', [cur], [final]);
  };

  /** TF SAME/VALID/EXPLICIT padding → ONNX pads [top, left, bottom, right] and the output size. */
  const spatial = (
    n: TfNode,
    inHW: [number, number],
    k: [number, number],
    s: [number, number],
    d: [number, number],
  ): { pads: number[]; out: [number, number] } => {
    const mode = decodeStr(n.attr?.padding?.s);
    const begin: number[] = [];
    const end: number[] = [];
    const out: number[] = [];
    for (let a = 0; a < 2; a++) {
      const size = inHW[a] as number;
      const ek = ((k[a] as number) - 1) * (d[a] as number) + 1;
      const st = s[a] as number;
      if (size < 0) throw new TfjsConversionError(`node "${n.name}" (${n.op}): spatial size must be static`);
      if (mode === 'SAME') {
        const o = Math.ceil(size / st);
        const total = Math.max((o - 1) * st + ek - size, 0);
        begin.push(Math.floor(total / 2));
        end.push(total - Math.floor(total / 2));
        out.push(o);
      } else if (mode === 'VALID') {
        begin.push(0);
        end.push(0);
        out.push(Math.floor((size - ek) / st) + 1);
      } else if (mode === 'EXPLICIT') {
        const e = ints(n.attr?.explicit_paddings); // NHWC: [n0,n1,h0,h1,w0,w1,c0,c1]
        const b0 = e[2 + 2 * a] ?? 0;
        const b1 = e[3 + 2 * a] ?? 0;
        begin.push(b0);
        end.push(b1);
        out.push(Math.floor((size + b0 + b1 - ek) / st) + 1);
      } else {
        throw new TfjsConversionError(`node "${n.name}" (${n.op}): unsupported padding "${mode}"`);
      }
    }
    return { pads: [...begin, ...end], out: [out[0] as number, out[1] as number] };
  };

  const requireNhwc = (n: TfNode): void => {
    const fmt = decodeStr(n.attr?.data_format?.s);
    if (fmt !== '' && fmt !== 'NHWC') {
      throw new TfjsConversionError(`node "${n.name}" (${n.op}): data_format "${fmt}" is not supported`);
    }
  };
  const strides2 = (n: TfNode, attr: string): [number, number] => {
    const v = ints(n.attr?.[attr]);
    return v.length === 4 ? [v[1] as number, v[2] as number] : [1, 1];
  };

  const convertNode = (n: TfNode): Value => {
    const ins = dataInputs(n);
    const outName = n.name;
    switch (n.op) {
      case 'Placeholder': {
        const dims = (n.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
        if (inputName !== '')
          throw new TfjsConversionError(`more than one Placeholder ("${inputName}", "${n.name}")`);
        inputName = n.name;
        inputShape = dims;
        if (dims.length !== 4) return { onnxName: n.name, shape: dims, nchw: false };
        const t = `${n.name}/nchw`;
        emit('Transpose', [n.name], [t], [attrInts('perm', [0, 3, 1, 2])]);
        return { onnxName: t, shape: dims, nchw: true };
      }
      case 'Identity': {
        const x = tensorOf(ins[0] ?? '', n);
        return x;
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul': {
        const [a, b] = ins.map((i) => tensorOf(i, n));
        if (!a || !b) throw new TfjsConversionError(`node "${n.name}" (${n.op}): needs two inputs`);
        const broadcastable = (v: Value, other: Value): string => {
          if (!other.nchw || v.nchw) return v.onnxName;
          // `other` is an NCHW activation; v broadcasts against its NHWC shape.
          if (v.shape.length === 4) return asNchw(v);
          if (v.shape.length === 0 || v.shape.every((d) => d === 1)) return v.onnxName;
          if (v.shape.length === 1) {
            const r = fresh(`${v.onnxName}/c11`);
            emit('Reshape', [v.onnxName, int64s(`${r}/shape`, [-1, 1, 1])], [r]);
            return r;
          }
          throw new TfjsConversionError(
            `node "${n.name}" (${n.op}): cannot broadcast a rank-${v.shape.length} tensor against an NHWC activation`,
          );
        };
        const onnxOp = n.op === 'Sub' ? 'Sub' : n.op === 'Mul' ? 'Mul' : 'Add';
        emit(onnxOp, [broadcastable(a, b), broadcastable(b, a)], [outName]);
        const shape = broadcastShape(a.shape, b.shape);
        return { onnxName: outName, shape, nchw: a.nchw || b.nchw };
      }
      case 'Relu':
      case 'Relu6': {
        const x = tensorOf(ins[0] ?? '', n);
        if (n.op === 'Relu') emit('Relu', [x.onnxName], [outName]);
        else emit('Clip', [x.onnxName, scalar('__clip_min_0', 0), scalar('__clip_max_6', 6)], [outName]);
        return { onnxName: outName, shape: x.shape, nchw: x.nchw };
      }
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        requireNhwc(n);
        const depthwise = n.op.includes('Depthwise');
        const x = tensorOf(ins[0] ?? '', n);
        if (x.shape.length !== 4)
          throw new TfjsConversionError(`node "${n.name}" (${n.op}): input must be 4-D`);
        const f = constOf(ins[1] ?? '', n);
        const [kh, kw, cin, cm] = f.shape as [number, number, number, number];
        const fused = n.op.startsWith('_') || n.op.startsWith('Fused');
        const numArgs = Number(n.attr?.num_args?.i ?? 0);
        if (fused && numArgs > 1) {
          throw new TfjsConversionError(
            `node "${n.name}" (${n.op}): ${numArgs} fused args (fused batch norm?)`,
          );
        }
        const bias = fused && numArgs === 1 ? constOf(ins[2] ?? '', n) : undefined;
        const cout = depthwise ? cin * cm : cm;
        // HWIO → OIHW (conv) or HW C M → (C·M) 1 H W (depthwise, output channel c·M + m, as TF orders it).
        const src = f.data as Float32Array;
        const w = new Float32Array(src.length);
        for (let h = 0; h < kh; h++)
          for (let ww = 0; ww < kw; ww++)
            for (let c = 0; c < cin; c++)
              for (let m = 0; m < cm; m++) {
                const from = ((h * kw + ww) * cin + c) * cm + m;
                const to = depthwise ? ((c * cm + m) * kh + h) * kw + ww : ((m * cin + c) * kh + h) * kw + ww;
                w[to] = src[from] as number;
              }
        const wName = addInit(`${ins[1]}/onnx`, depthwise ? [cout, 1, kh, kw] : [cout, cin, kh, kw], w);
        const inputs = [asNchw(x), wName];
        if (bias) {
          if (bias.data.length !== cout)
            throw new TfjsConversionError(`node "${n.name}": bias size mismatch`);
          inputs.push(addInit(ins[2] ?? '', [cout], bias.data));
        }
        const s = strides2(n, 'strides');
        const d = strides2(n, 'dilations');
        const { pads, out } = spatial(n, [x.shape[1] as number, x.shape[2] as number], [kh, kw], s, d);
        const attrs = [
          attrInts('kernel_shape', [kh, kw]),
          attrInts('strides', s),
          attrInts('dilations', d),
          attrInts('pads', pads),
        ];
        if (depthwise) attrs.push(attrInt('group', cin));
        const convOut = fresh(`${n.name}/conv`);
        emit('Conv', inputs, [convOut], attrs);
        applyFused(n, convOut, bias, outName);
        return { onnxName: outName, shape: [x.shape[0] as number, out[0], out[1], cout], nchw: true };
      }
      case 'AvgPool':
      case 'MaxPool': {
        requireNhwc(n);
        const x = tensorOf(ins[0] ?? '', n);
        if (x.shape.length !== 4)
          throw new TfjsConversionError(`node "${n.name}" (${n.op}): input must be 4-D`);
        const k = strides2(n, 'ksize');
        const s = strides2(n, 'strides');
        const { pads, out } = spatial(n, [x.shape[1] as number, x.shape[2] as number], k, s, [1, 1]);
        const attrs = [attrInts('kernel_shape', k), attrInts('strides', s), attrInts('pads', pads)];
        // TF averages over the real (unpadded) cells only.
        if (n.op === 'AvgPool') attrs.push(attrInt('count_include_pad', 0));
        emit(n.op === 'AvgPool' ? 'AveragePool' : 'MaxPool', [asNchw(x)], [outName], attrs);
        return {
          onnxName: outName,
          shape: [x.shape[0] as number, out[0], out[1], x.shape[3] as number],
          nchw: true,
        };
      }
      case 'Squeeze': {
        const x = tensorOf(ins[0] ?? '', n);
        const rank = x.shape.length;
        let axes = ints(n.attr?.squeeze_dims).map((a) => (a < 0 ? a + rank : a));
        if (axes.length === 0) axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
        const shape = x.shape.filter((_, i) => !axes.includes(i));
        let src = x.onnxName;
        let onnxAxes = axes;
        if (x.nchw) {
          const sorted = [...axes].sort().join(',');
          if (sorted === '1,2' && (x.shape[1] !== 1 || x.shape[2] !== 1)) {
            throw new TfjsConversionError(
              `node "${n.name}" (Squeeze): spatial dims are ${x.shape[1]}x${x.shape[2]}, not 1x1`,
            );
          }
          if (sorted === '1,2') {
            onnxAxes = [2, 3]; // [N,1,1,C] ↔ [N,C,1,1]: same order once squeezed
          } else {
            src = fresh(`${n.name}/nhwc`);
            emit('Transpose', [x.onnxName], [src], [attrInts('perm', [0, 2, 3, 1])]);
          }
        }
        emit('Squeeze', [src, int64s(`${n.name}/axes`, onnxAxes)], [outName]);
        return { onnxName: outName, shape, nchw: false };
      }
      case 'MatMul':
      case '_FusedMatMul': {
        const a = tensorOf(ins[0] ?? '', n);
        if (a.nchw || a.shape.length !== 2) {
          throw new TfjsConversionError(`node "${n.name}" (${n.op}): only 2-D MatMul is supported`);
        }
        const b = tensorOf(ins[1] ?? '', n);
        const transA = n.attr?.transpose_a?.b === true ? 1 : 0;
        const transB = n.attr?.transpose_b?.b === true ? 1 : 0;
        const numArgs = Number(n.attr?.num_args?.i ?? 0);
        if (n.op === '_FusedMatMul' && numArgs > 1) {
          throw new TfjsConversionError(
            `node "${n.name}" (${n.op}): ${numArgs} fused args are not supported`,
          );
        }
        const bias = n.op === '_FusedMatMul' && numArgs === 1 ? constOf(ins[2] ?? '', n) : undefined;
        const inputs = [a.onnxName, b.onnxName];
        if (bias) inputs.push(addInit(ins[2] ?? '', bias.shape, bias.data));
        const gemmOut = fresh(`${n.name}/gemm`);
        emit('Gemm', inputs, [gemmOut], [attrInt('transA', transA), attrInt('transB', transB)]);
        applyFused(n, gemmOut, bias, outName);
        const rows = transA ? a.shape[1] : a.shape[0];
        const cols = transB ? b.shape[0] : b.shape[1];
        return { onnxName: outName, shape: [rows ?? -1, cols ?? -1], nchw: false };
      }
      case 'ConcatV2': {
        // Axis from our own `axis` attr (layers models) or, as TF writes it, from the last input (a Const).
        let dataNames = ins;
        let axis: number;
        if (n.attr?.axis?.i !== undefined) axis = Number(n.attr.axis.i);
        else {
          const axisConst = constOf(ins[ins.length - 1] ?? '', n);
          axis = Number(axisConst.data[0]);
          dataNames = ins.slice(0, -1);
        }
        const parts = dataNames.map((i) => tensorOf(i, n));
        const first = parts[0];
        if (!first) throw new TfjsConversionError(`node "${n.name}" (ConcatV2): no inputs`);
        const rank = first.shape.length;
        if (axis < 0) axis += rank;
        const nchw = parts.some((p) => p.nchw);
        if (nchw && rank !== 4) throw new TfjsConversionError(`node "${n.name}" (ConcatV2): mixed ranks`);
        const onnxAxis = nchw ? ([0, 2, 3, 1][axis] as number) : axis;
        emit(
          'Concat',
          nchw ? parts.map(asNchw) : parts.map((p) => p.onnxName),
          [outName],
          [attrInt('axis', onnxAxis)],
        );
        const shape = [...first.shape];
        shape[axis] = parts.reduce(
          (sum, p) => (sum < 0 || (p.shape[axis] ?? -1) < 0 ? -1 : sum + (p.shape[axis] as number)),
          0,
        );
        return { onnxName: outName, shape, nchw };
      }
      case 'Softmax': {
        const x = tensorOf(ins[0] ?? '', n);
        if (x.nchw) throw new TfjsConversionError(`node "${n.name}" (Softmax): 4-D softmax is not supported`);
        emit('Softmax', [x.onnxName], [outName], [attrInt('axis', -1)]);
        return { onnxName: outName, shape: x.shape, nchw: false };
      }
      default:
        throw new TfjsConversionError(`unsupported TF op "${n.op}" (node "${n.name}")`);
    }
  };

  // Outputs: the signature's, else every non-Const node nobody consumes.
  const sigOut = Object.values(model.userDefinedMetadata?.signature?.outputs ?? {}).map((o) =>
    cleanInput(o.name),
  );
  let outputs = sigOut;
  if (outputs.length === 0) {
    const used = new Set(model.modelTopology.node.flatMap((n) => dataInputs(n)));
    outputs = model.modelTopology.node
      .filter((n) => n.op !== 'Const' && !used.has(n.name))
      .map((n) => n.name);
  }
  if (outputs.length !== 1) {
    throw new TfjsConversionError(
      `expected exactly one output, found ${outputs.length}: ${outputs.join(', ')}`,
    );
  }
  const tfOut = outputs[0] as string;
  const outNode = nodes.get(tfOut);
  if (!outNode) throw new TfjsConversionError(`output node "${tfOut}" is not in the graph`);
  const result = tensorOf(tfOut, outNode);
  const outputName = options.outputName ?? tfOut;
  // The graph output keeps TF's layout: a 4-D activation goes back to NHWC.
  if (result.nchw) emit('Transpose', [result.onnxName], [outputName], [attrInts('perm', [0, 2, 3, 1])]);
  else if (result.onnxName !== outputName) emit('Identity', [result.onnxName], [outputName]);
  if (inputName === '') throw new TfjsConversionError('the graph has no Placeholder input');

  const dim = (d: number, param: string): onnx.TensorShapeProto.IDimension =>
    d < 0 ? { dimParam: param } : { dimValue: d };
  const floatType = (shape: number[]): onnx.ITypeProto => ({
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: shape.map((d) => dim(d, 'batch')) },
    },
  });

  const modelProto: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: options.producerName ?? 'winnow-tfjs-graph-to-onnx',
    producerVersion: '1',
    docString: options.docString ?? '',
    graph: {
      name: 'tfjs-graph',
      node: onnxNodes,
      initializer: initializers,
      input: [{ name: inputName, type: floatType(inputShape) }],
      output: [{ name: outputName, type: floatType(result.shape) }],
    },
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(modelProto)).finish();
  return {
    bytes,
    inputName,
    inputShape,
    outputName,
    stats: {
      tfNodes: model.modelTopology.node.length,
      onnxNodes: onnxNodes.length,
      initializers: initializers.length,
      parameters,
    },
  };
}

function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** A TFJS graph model as nsfwjs bundles it: `model.min.js` exports the JSON, each shard exports base64 bytes. */
export interface LoadedTfjsModel<M = TfjsGraphModelJson> {
  model: M;
  weightData: Uint8Array;
  /** The folder the model was read from. */
  dir: string;
}

/** The folder of one of nsfwjs's bundled models (`mobilenet_v2`, `mobilenet_v2_mid`, `inception_v3`). */
export function nsfwjsModelDir(name: string): string {
  // `require.resolve('nsfwjs')` is dist/cjs/index.js; the bundled models sit in dist/models/<name>/.
  return path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models', name);
}

/** Reads one of nsfwjs's bundled TFJS models (model.min.js + group*-shard*.min.js). */
export function loadNsfwjsBundledModel<M extends { weightsManifest: TfjsWeightGroup[] } = TfjsGraphModelJson>(
  name: string,
): LoadedTfjsModel<M> {
  const dir = nsfwjsModelDir(name);
  const model = require(path.join(dir, 'model.min.js')) as M & { modelTopology?: unknown };
  if (!model?.modelTopology || !Array.isArray(model.weightsManifest)) {
    throw new TfjsConversionError(`${dir}/model.min.js does not export a TFJS model.json`);
  }
  const chunks: Buffer[] = [];
  for (const group of model.weightsManifest) {
    for (const p of group.paths) {
      const shard = require(path.join(dir, `${p}.min.js`)) as unknown;
      if (typeof shard !== 'string')
        throw new TfjsConversionError(`${dir}/${p}.min.js does not export base64`);
      chunks.push(Buffer.from(shard, 'base64'));
    }
  }
  const all = Buffer.concat(chunks);
  return { model, weightData: new Uint8Array(all.buffer, all.byteOffset, all.byteLength), dir };
}
