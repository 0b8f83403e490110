/**
 * Rewrites a TFJS *layers* model (Keras JSON: `model_config` + weight manifest) as an equivalent TFJS *graph*
 * model, so that `tfjs-graph-to-onnx.ts` can convert it. Covers the layers of nsfwjs's InceptionV3: InputLayer,
 * Conv2D, BatchNormalization, Activation (relu, softmax, linear), MaxPooling2D, AveragePooling2D, Concatenate,
 * Flatten (over 1×1 spatial maps), Dense and Dropout (inference: identity). Anything else fails with an error
 * naming the layer class and the layer.
 *
 * Weights are dequantized here and written back as float32; BatchNormalization becomes `x * k + b` with
 * `k = gamma / sqrt(variance + epsilon)` and `b = beta - mean * k`.
 */
import {
  decodeWeights,
  type TfAttr,
  TfjsConversionError,
  type TfjsGraphModelJson,
  type TfjsWeightGroup,
  type TfNode,
} from './tfjs-graph-to-onnx';

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes: [string, number, number, unknown][][];
}

/** The parts of a TFJS layers-model `model.json` this module reads. */
export interface TfjsLayersModelJson {
  format?: string;
  modelTopology: {
    model_config?: { class_name: string; config: KerasModelConfig };
    config?: KerasModelConfig;
  };
  weightsManifest: TfjsWeightGroup[];
}

interface KerasModelConfig {
  layers: KerasLayer[];
  input_layers: [string, number, number][];
  output_layers: [string, number, number][];
}

const str = (s: string): TfAttr => ({ s: Buffer.from(s).toString('base64') });
const intList = (v: number[]): TfAttr => ({ list: { i: v.map(String) } });

/** Converts a layers model and its weight bytes into a graph model with float32 weights. */
export function layersModelToGraph(
  model: TfjsLayersModelJson,
  weightData: Uint8Array,
): { model: TfjsGraphModelJson; weightData: Uint8Array } {
  const config = model.modelTopology.model_config?.config ?? model.modelTopology.config;
  if (!config) throw new TfjsConversionError('not a TFJS layers model: no model_config');
  const weights = decodeWeights(model.weightsManifest, weightData);
  const nodes: TfNode[] = [];
  const outWeights: { name: string; shape: number[]; data: Float32Array }[] = [];
  const addConst = (name: string, shape: number[], data: Float32Array): string => {
    outWeights.push({ name, shape, data });
    nodes.push({ name, op: 'Const' });
    return name;
  };
  const weight = (layer: string, w: string): { shape: number[]; data: Float32Array } => {
    const found = weights.get(`${layer}/${w}`);
    if (!found || !(found.data instanceof Float32Array)) {
      throw new TfjsConversionError(`layer "${layer}": float32 weight "${layer}/${w}" is missing`);
    }
    return { shape: found.shape, data: found.data };
  };

  /** The TF node name each Keras layer's output ended up as. */
  const outputOf = new Map<string, string>();
  const inputsOf = (l: KerasLayer): string[] => {
    if (l.inbound_nodes.length > 1) {
      throw new TfjsConversionError(`layer "${l.config.name}" is called more than once (shared layers)`);
    }
    return (l.inbound_nodes[0] ?? []).map(([name, , tensorIndex]) => {
      const out = outputOf.get(name);
      if (out === undefined || tensorIndex !== 0) {
        throw new TfjsConversionError(
          `layer "${l.config.name}": input "${name}" is unknown or not yet defined`,
        );
      }
      return out;
    });
  };
  const activation = (l: KerasLayer, input: string, act: unknown): string => {
    if (act === undefined || act === 'linear') return input;
    const op =
      act === 'relu' ? 'Relu' : act === 'relu6' ? 'Relu6' : act === 'softmax' ? 'Softmax' : undefined;
    if (!op)
      throw new TfjsConversionError(`layer "${l.config.name}": unsupported activation "${String(act)}"`);
    const name = `${l.config.name}/${op}`;
    nodes.push({ name, op, input: [input] });
    return name;
  };
  const padding = (l: KerasLayer): TfAttr => {
    const p = l.config.padding;
    if (p !== 'same' && p !== 'valid')
      throw new TfjsConversionError(`layer "${l.config.name}": padding "${p}"`);
    return str(p.toUpperCase());
  };
  const channelsLast = (l: KerasLayer): void => {
    const f = l.config.data_format;
    if (f !== undefined && f !== 'channels_last') {
      throw new TfjsConversionError(`layer "${l.config.name}": data_format "${String(f)}" is not supported`);
    }
  };
  const pair = (v: unknown, fallback: [number, number]): [number, number] =>
    Array.isArray(v) && v.length === 2 ? [Number(v[0]), Number(v[1])] : fallback;

  for (const l of config.layers) {
    const name = l.config.name;
    switch (l.class_name) {
      case 'InputLayer': {
        const shape = (l.config.batch_input_shape as (number | null)[]).map((d) => (d === null ? -1 : d));
        nodes.push({
          name,
          op: 'Placeholder',
          attr: { shape: { shape: { dim: shape.map((d) => ({ size: d })) } } },
        });
        outputOf.set(name, name);
        break;
      }
      case 'Conv2D': {
        channelsLast(l);
        const [x] = inputsOf(l);
        const k = weight(name, 'kernel');
        const inputs = [x as string, addConst(`${name}/kernel`, k.shape, k.data)];
        const useBias = l.config.use_bias !== false;
        if (useBias) {
          const b = weight(name, 'bias');
          inputs.push(addConst(`${name}/bias`, b.shape, b.data));
        }
        const s = pair(l.config.strides, [1, 1]);
        const d = pair(l.config.dilation_rate, [1, 1]);
        const conv = `${name}/conv`;
        nodes.push({
          name: conv,
          op: useBias ? '_FusedConv2D' : 'Conv2D',
          input: inputs,
          attr: {
            strides: intList([1, s[0], s[1], 1]),
            dilations: intList([1, d[0], d[1], 1]),
            padding: padding(l),
            data_format: str('NHWC'),
            ...(useBias
              ? { num_args: { i: '1' }, fused_ops: { list: { s: [str('BiasAdd').s as string] } } }
              : {}),
          },
        });
        outputOf.set(name, activation(l, conv, l.config.activation));
        break;
      }
      case 'BatchNormalization': {
        const [x] = inputsOf(l);
        const axis = Number(l.config.axis);
        if (axis !== 3 && axis !== -1)
          throw new TfjsConversionError(`layer "${name}": batch-norm axis ${axis}`);
        const eps = Number(l.config.epsilon ?? 0.001);
        const mean = weight(name, 'moving_mean').data;
        const variance = weight(name, 'moving_variance').data;
        const gamma = l.config.scale === false ? undefined : weight(name, 'gamma').data;
        const beta = l.config.center === false ? undefined : weight(name, 'beta').data;
        const k = new Float32Array(mean.length);
        const b = new Float32Array(mean.length);
        for (let c = 0; c < mean.length; c++) {
          const kc = (gamma?.[c] ?? 1) / Math.sqrt((variance[c] as number) + eps);
          k[c] = kc;
          b[c] = (beta?.[c] ?? 0) - (mean[c] as number) * kc;
        }
        const mul = `${name}/mul`;
        nodes.push({ name: mul, op: 'Mul', input: [x as string, addConst(`${name}/k`, [k.length], k)] });
        nodes.push({ name, op: 'AddV2', input: [mul, addConst(`${name}/b`, [b.length], b)] });
        outputOf.set(name, name);
        break;
      }
      case 'Activation': {
        const [x] = inputsOf(l);
        const out = activation(l, x as string, l.config.activation);
        outputOf.set(name, out);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        channelsLast(l);
        const [x] = inputsOf(l);
        const k = pair(l.config.pool_size, [2, 2]);
        const s = pair(l.config.strides, k);
        nodes.push({
          name,
          op: l.class_name === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool',
          input: [x as string],
          attr: {
            ksize: intList([1, k[0], k[1], 1]),
            strides: intList([1, s[0], s[1], 1]),
            padding: padding(l),
            data_format: str('NHWC'),
          },
        });
        outputOf.set(name, name);
        break;
      }
      case 'Concatenate': {
        const inputs = inputsOf(l);
        nodes.push({
          name,
          op: 'ConcatV2',
          input: inputs,
          attr: { axis: { i: Number(l.config.axis ?? -1) } },
        });
        outputOf.set(name, name);
        break;
      }
      case 'Flatten': {
        channelsLast(l);
        const [x] = inputsOf(l);
        // Only over 1×1 spatial maps, where NHWC and NCHW flatten alike; the graph converter checks the shape.
        nodes.push({ name, op: 'Squeeze', input: [x as string], attr: { squeeze_dims: intList([1, 2]) } });
        outputOf.set(name, name);
        break;
      }
      case 'Dense': {
        const [x] = inputsOf(l);
        const k = weight(name, 'kernel');
        const useBias = l.config.use_bias !== false;
        const inputs = [x as string, addConst(`${name}/kernel`, k.shape, k.data)];
        if (useBias) {
          const b = weight(name, 'bias');
          inputs.push(addConst(`${name}/bias`, b.shape, b.data));
        }
        const mm = `${name}/matmul`;
        nodes.push({
          name: mm,
          op: useBias ? '_FusedMatMul' : 'MatMul',
          input: inputs,
          attr: useBias
            ? { num_args: { i: '1' }, fused_ops: { list: { s: [str('BiasAdd').s as string] } } }
            : {},
        });
        outputOf.set(name, activation(l, mm, l.config.activation));
        break;
      }
      case 'Dropout': {
        const [x] = inputsOf(l);
        outputOf.set(name, x as string);
        break;
      }
      default:
        throw new TfjsConversionError(`unsupported Keras layer "${l.class_name}" (layer "${name}")`);
    }
  }

  if (config.output_layers.length !== 1) {
    throw new TfjsConversionError(`expected exactly one output layer, found ${config.output_layers.length}`);
  }
  const outLayer = (config.output_layers[0] as [string, number, number])[0];
  const finalName = outputOf.get(outLayer);
  if (finalName === undefined)
    throw new TfjsConversionError(`output layer "${outLayer}" is not in the model`);
  nodes.push({ name: 'Identity', op: 'Identity', input: [finalName] });

  const bytes = new Uint8Array(outWeights.reduce((n, w) => n + w.data.byteLength, 0));
  let offset = 0;
  for (const w of outWeights) {
    bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), offset);
    offset += w.data.byteLength;
  }
  return {
    model: {
      format: 'graph-model',
      modelTopology: { node: nodes },
      weightsManifest: [
        { paths: [], weights: outWeights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) },
      ],
      userDefinedMetadata: { signature: { outputs: { 'Identity:0': { name: 'Identity:0' } } } },
    },
    weightData: bytes,
  };
}
