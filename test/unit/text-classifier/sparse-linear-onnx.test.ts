/** @jest-environment ./test/helpers/onnx-environment.js */
import * as ort from 'onnxruntime-node';
import {
  fromFloat16,
  LINEAR_ONNX_NAMES,
  linearModelToOnnx,
  toFloat16,
  type WeightStorage,
} from '../../../models/training/sparse-linear-onnx';

const DIMS = 64;
const LABELS = ['a', 'b', 'c'];
const weights = Float32Array.from({ length: DIMS * LABELS.length }, (_, i) => Math.sin(i * 0.7) * 2);
const bias = Float32Array.of(-1, 0, 0.5);

function expected(indices: number[], values: number[]): number[] {
  return LABELS.map((_, c) => {
    let z = bias[c] as number;
    indices.forEach((d, k) => {
      z += (weights[d * LABELS.length + c] as number) * (values[k] as number);
    });
    return 1 / (1 + Math.exp(-z));
  });
}

async function runSparse(bytes: Uint8Array, indices: number[], values: number[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await session.run({
    [LINEAR_ONNX_NAMES.indices]: new ort.Tensor('int64', BigInt64Array.from(indices, BigInt), [
      indices.length,
    ]),
    [LINEAR_ONNX_NAMES.values]: new ort.Tensor('float32', Float32Array.from(values), [values.length]),
  });
  await session.release();
  return Array.from((out[LINEAR_ONNX_NAMES.scores] as ort.Tensor).data as Float32Array);
}

describe('linearModelToOnnx', () => {
  const indices = [1, 5, 17, 63];
  const values = [0.5, 0.5, 0.5, 0.5];

  it.each([
    ['float32', 1e-6],
    ['float16', 5e-3],
    ['int8', 2e-2],
  ] as [WeightStorage, number][])('computes sigmoid(x·W + b) with %s weights', async (storage, tolerance) => {
    const bytes = linearModelToOnnx({ dims: DIMS, labels: LABELS, weights, bias }, { storage });
    const got = await runSparse(bytes, indices, values);
    expected(indices, values).forEach((p, c) => {
      expect(Math.abs((got[c] as number) - p)).toBeLessThan(tolerance);
    });
  });

  it('scores an empty feature list as the bias alone', async () => {
    const bytes = linearModelToOnnx({ dims: DIMS, labels: LABELS, weights, bias }, { storage: 'float32' });
    const got = await runSparse(bytes, [], []);
    expected([], []).forEach((p, c) => {
      expect(got[c]).toBeCloseTo(p, 6);
    });
  });

  it('writes the dense MatMul form with the same scores', async () => {
    const bytes = linearModelToOnnx(
      { dims: DIMS, labels: LABELS, weights, bias },
      { storage: 'float32', form: 'dense' },
    );
    const dense = new Float32Array(DIMS);
    indices.forEach((d, k) => {
      dense[d] = values[k] as number;
    });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const out = await session.run({ [LINEAR_ONNX_NAMES.dense]: new ort.Tensor('float32', dense, [1, DIMS]) });
    await session.release();
    const got = (out[LINEAR_ONNX_NAMES.scores] as ort.Tensor).data as Float32Array;
    expected(indices, values).forEach((p, c) => {
      expect(got[c]).toBeCloseTo(p, 5);
    });
  });

  it('rejects weights of the wrong size', () => {
    expect(() =>
      linearModelToOnnx(
        { dims: DIMS, labels: LABELS, weights: new Float32Array(3), bias },
        { storage: 'int8' },
      ),
    ).toThrow(RangeError);
  });
});

describe('float16', () => {
  it('round-trips values within half precision', () => {
    const values = Float32Array.of(0, 1, -2.5, 0.1, 65504, 1e-6, -3.5);
    const back = fromFloat16(toFloat16(values));
    values.forEach((v, i) => {
      expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-3 + 1e-7);
    });
  });
});
