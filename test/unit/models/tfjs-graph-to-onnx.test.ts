/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import * as ort from 'onnxruntime-node';
import {
  convertTfjsGraphToOnnx,
  decodeWeights,
  type TfjsGraphModelJson,
  type TfjsWeightSpec,
  type TfNode,
} from '../../../models/converters/tfjs-graph-to-onnx';
import {
  layersModelToGraph,
  type TfjsLayersModelJson,
} from '../../../models/converters/tfjs-layers-to-graph';
import { prng } from '../../helpers/prng';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const list = (v: number[]) => ({ list: { i: v.map(String) } });

/** A TFJS graph model with float32 weights, built from nodes and named weight arrays. */
function graph(
  nodes: TfNode[],
  weights: [string, number[], Float32Array][],
): [TfjsGraphModelJson, Uint8Array] {
  const specs: TfjsWeightSpec[] = weights.map(([name, shape]) => ({ name, shape, dtype: 'float32' }));
  const consts: TfNode[] = weights.map(([name]) => ({ name, op: 'Const' }));
  const data = Buffer.concat(weights.map(([, , v]) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
  return [
    {
      format: 'graph-model',
      modelTopology: { node: [...nodes, ...consts] },
      weightsManifest: [{ paths: ['shard'], weights: specs }],
    },
    new Uint8Array(data),
  ];
}

/** TF NHWC conv / depthwise conv with SAME padding, computed naively. */
function referenceConv(
  x: Float32Array,
  [h, w, c]: [number, number, number],
  f: Float32Array,
  [kh, kw, m]: [number, number, number],
  stride: number,
  depthwise: boolean,
): { out: Float32Array; oh: number; ow: number; oc: number } {
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const padT = Math.floor(Math.max((oh - 1) * stride + kh - h, 0) / 2);
  const padL = Math.floor(Math.max((ow - 1) * stride + kw - w, 0) / 2);
  const oc = depthwise ? c * m : m;
  const out = new Float32Array(oh * ow * oc);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let o = 0; o < oc; o++) {
        let sum = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride + ky - padT;
            const ix = ox * stride + kx - padL;
            if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
            if (depthwise) {
              const ci = Math.floor(o / m);
              sum +=
                (x[(iy * w + ix) * c + ci] as number) *
                (f[((ky * kw + kx) * c + ci) * m + (o % m)] as number);
            } else {
              for (let ci = 0; ci < c; ci++)
                sum +=
                  (x[(iy * w + ix) * c + ci] as number) * (f[((ky * kw + kx) * c + ci) * m + o] as number);
            }
          }
        out[(oy * ow + ox) * oc + o] = sum;
      }
  return { out, oh, ow, oc };
}

async function runOnnx(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const inputName = session.inputNames[0] as string;
    const outputName = session.outputNames[0] as string;
    const out = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
    return (out[outputName] as ort.Tensor).data as Float32Array;
  } finally {
    await session.release();
  }
}

const random = (n: number, seed: number): Float32Array => {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

describe('tfjs-graph-to-onnx', () => {
  test.each([
    ['conv 3x3 stride 2 on an even size (asymmetric SAME padding)', 3, 2, false, 6, 5],
    ['conv 3x3 stride 1', 3, 1, false, 5, 4],
    ['depthwise 3x3 stride 2, multiplier 2', 3, 2, true, 6, 2],
    ['depthwise 5x5 stride 1', 5, 1, true, 7, 1],
  ])('%s matches a naive TF reference', async (_name, k, stride, depthwise, size, m) => {
    const c = 3;
    const x = random(size * size * c, 1);
    const f = random(k * k * c * m, 2);
    const [model, weights] = graph(
      [
        {
          name: 'input',
          op: 'Placeholder',
          attr: { shape: { shape: { dim: [-1, size, size, c].map((s) => ({ size: String(s) })) } } },
        },
        {
          name: 'conv',
          op: depthwise ? 'DepthwiseConv2dNative' : 'Conv2D',
          input: ['input', 'filter'],
          attr: {
            strides: list([1, stride, stride, 1]),
            padding: { s: b64('SAME') },
            data_format: { s: b64('NHWC') },
          },
        },
        { name: 'flat', op: 'Relu6', input: ['conv'] },
        { name: 'Identity', op: 'Identity', input: ['flat'] },
      ],
      [['filter', [k, k, c, m], f]],
    );
    // The Relu6 is checked too: the reference is clamped to [0, 6] below.
    const { bytes } = convertTfjsGraphToOnnx(model, weights);
    const ref = referenceConv(x, [size, size, c], f, [k, k, m], stride, depthwise);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const out = await session.run({ input: new ort.Tensor('float32', x, [1, size, size, c]) });
    await session.release();
    const y = out.Identity as ort.Tensor;
    // NCHW inside, but a 4-D graph output is NHWC again, as in TF.
    expect(y.dims).toEqual([1, ref.oh, ref.ow, ref.oc]);
    const got = y.data as Float32Array;
    let maxDiff = 0;
    for (let oy = 0; oy < ref.oh; oy++)
      for (let ox = 0; ox < ref.ow; ox++)
        for (let o = 0; o < ref.oc; o++) {
          const want = Math.min(6, Math.max(0, ref.out[(oy * ref.ow + ox) * ref.oc + o] as number));
          const have = got[(oy * ref.ow + ox) * ref.oc + o] as number;
          maxDiff = Math.max(maxDiff, Math.abs(want - have));
        }
    expect(maxDiff).toBeLessThan(1e-5);
  });

  test('fused MatMul with bias, transposed weights, softmax', async () => {
    const w = random(5 * 4, 3); // transpose_b: [out=5, in=4]
    const bias = random(5, 4);
    const [model, weights] = graph(
      [
        {
          name: 'input',
          op: 'Placeholder',
          attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } },
        },
        {
          name: 'dense',
          op: '_FusedMatMul',
          input: ['input', 'w', 'bias'],
          attr: {
            transpose_b: { b: true },
            num_args: { i: '1' },
            fused_ops: { list: { s: [b64('BiasAdd')] } },
          },
        },
        { name: 'probs', op: 'Softmax', input: ['dense'] },
      ],
      [
        ['w', [5, 4], w],
        ['bias', [5], bias],
      ],
    );
    const x = random(2 * 4, 5);
    const got = await runOnnx(convertTfjsGraphToOnnx(model, weights).bytes, x, [2, 4]);
    for (let r = 0; r < 2; r++) {
      const logits = Array.from({ length: 5 }, (_, o) => {
        let s = bias[o] as number;
        for (let i = 0; i < 4; i++) s += (x[r * 4 + i] as number) * (w[o * 4 + i] as number);
        return s;
      });
      const e = logits.map((l) => Math.exp(l - Math.max(...logits)));
      const total = e.reduce((a, b) => a + b, 0);
      e.forEach((v, o) => {
        expect(got[r * 5 + o]).toBeCloseTo(v / total, 5);
      });
    }
  });

  test('dequantizes uint8 weights as q * scale + min', () => {
    const decoded = decodeWeights(
      [
        {
          paths: ['s'],
          weights: [
            {
              name: 'q',
              shape: [3],
              dtype: 'float32',
              quantization: { dtype: 'uint8', min: -1, scale: 0.5 },
            },
          ],
        },
      ],
      Uint8Array.of(0, 2, 255),
    );
    expect(Array.from(decoded.get('q')?.data ?? [])).toEqual([-1, 0, 126.5]);
    expect(() =>
      decodeWeights(
        [{ paths: ['s'], weights: [{ name: 'q', shape: [4], dtype: 'float32' }] }],
        new Uint8Array(8),
      ),
    ).toThrow(/weight "q".*truncated/);
  });

  test('an unsupported op is named in the error', () => {
    const [model, weights] = graph(
      [
        {
          name: 'input',
          op: 'Placeholder',
          attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } },
        },
        { name: 'act', op: 'Tanh', input: ['input'] },
      ],
      [],
    );
    expect(() => convertTfjsGraphToOnnx(model, weights)).toThrow('unsupported TF op "Tanh" (node "act")');
  });
});

describe('tfjs-layers-to-graph', () => {
  const layer = (
    class_name: string,
    name: string,
    inputs: string[],
    config: Record<string, unknown> = {},
  ) => ({
    class_name,
    config: { name, ...config },
    inbound_nodes:
      inputs.length === 0 ? [] : [inputs.map((i) => [i, 0, 0, {}] as [string, number, number, unknown])],
  });

  test('batch norm, concat and dense convert and compute as Keras does', async () => {
    const mean = Float32Array.of(0.5, -1);
    const variance = Float32Array.of(4, 0.25);
    const beta = Float32Array.of(1, 2);
    const kernel = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8); // [4 in, 2 out]
    const bias = Float32Array.of(0.1, -0.1);
    const weights: [string, number[], Float32Array][] = [
      ['bn/moving_mean', [2], mean],
      ['bn/moving_variance', [2], variance],
      ['bn/beta', [2], beta],
      ['dense/kernel', [4, 2], kernel],
      ['dense/bias', [2], bias],
    ];
    const model: TfjsLayersModelJson = {
      modelTopology: {
        model_config: {
          class_name: 'Model',
          config: {
            layers: [
              layer('InputLayer', 'in', [], { batch_input_shape: [null, 1, 1, 2] }),
              layer('BatchNormalization', 'bn', ['in'], { axis: 3, epsilon: 0, center: true, scale: false }),
              layer('Activation', 'act', ['bn'], { activation: 'relu' }),
              layer('Concatenate', 'cat', ['act', 'in'], { axis: 3 }),
              layer('Flatten', 'flat', ['cat']),
              layer('Dropout', 'drop', ['flat'], { rate: 0.5 }),
              layer('Dense', 'dense', ['drop'], { units: 2, activation: 'linear', use_bias: true }),
            ],
            input_layers: [['in', 0, 0]],
            output_layers: [['dense', 0, 0]],
          },
        },
      },
      weightsManifest: [
        { paths: ['s'], weights: weights.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) },
      ],
    };
    const data = new Uint8Array(Buffer.concat(weights.map(([, , v]) => Buffer.from(v.buffer))));
    const graphModel = layersModelToGraph(model, data);
    const x = Float32Array.of(2.5, -3);
    const got = await runOnnx(
      convertTfjsGraphToOnnx(graphModel.model, graphModel.weightData).bytes,
      x,
      [1, 1, 1, 2],
    );
    const bn = [0, 1].map((c) =>
      Math.max(
        0,
        ((x[c] as number) - (mean[c] as number)) / Math.sqrt(variance[c] as number) + (beta[c] as number),
      ),
    );
    const features = [...bn, x[0] as number, x[1] as number];
    const want = [0, 1].map((o) =>
      features.reduce((s, f, i) => s + f * (kernel[i * 2 + o] as number), bias[o] as number),
    );
    expect(Array.from(got)).toEqual(want.map((w) => expect.closeTo(w, 5)));
  });

  test('an unsupported layer is named in the error', () => {
    const model: TfjsLayersModelJson = {
      modelTopology: {
        model_config: {
          class_name: 'Model',
          config: {
            layers: [
              layer('InputLayer', 'in', [], { batch_input_shape: [null, 4] }),
              layer('LSTM', 'rnn', ['in']),
            ],
            input_layers: [['in', 0, 0]],
            output_layers: [['rnn', 0, 0]],
          },
        },
      },
      weightsManifest: [],
    };
    expect(() => layersModelToGraph(model, new Uint8Array(0))).toThrow(
      'unsupported Keras layer "LSTM" (layer "rnn")',
    );
  });
});
