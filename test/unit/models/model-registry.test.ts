/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { Tensor } from 'onnxruntime-node';
import { ModelLoadError } from '../../../core/errors';
import { createLogger } from '../../../core/logging/logger';
import {
  loadModelManifest,
  type ModelManifest,
  parseModelManifest,
} from '../../../core/models/model-manifest';
import { ModelRegistry, sha256Hex } from '../../../core/models/model-registry';

/** y = x + [1, 2]: a two-label "classifier" over inputs of shape [N, 2]. */
function tinyAddModel(): Uint8Array {
  const floatType = (dims: onnx.TensorShapeProto.IDimension[]): onnx.ITypeProto => ({
    tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } },
  });
  const model: onnx.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'winnow-test',
    graph: {
      name: 'add',
      node: [{ opType: 'Add', input: ['x', 'b'], output: ['y'], name: 'add' }],
      initializer: [
        {
          name: 'b',
          dims: [2],
          dataType: onnx.TensorProto.DataType.FLOAT,
          rawData: new Uint8Array(Float32Array.of(1, 2).buffer),
        },
      ],
      input: [{ name: 'x', type: floatType([{ dimParam: 'batch' }, { dimValue: 2 }]) }],
      output: [{ name: 'y', type: floatType([{ dimParam: 'batch' }, { dimValue: 2 }]) }],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function manifestFor(sha256: string, overrides: Record<string, unknown> = {}): unknown {
  return {
    schemaVersion: 1,
    models: [
      {
        id: 'tiny-add',
        version: '1',
        task: 'image-classification',
        file: 'tiny-add.onnx',
        sha256,
        source: 'winnow-test@0',
        licence: 'Apache-2.0',
        input: { name: 'x', shape: [-1, 2], layout: 'NC', dtype: 'float32' },
        output: { name: 'y', labels: ['a', 'b'], activation: 'none' },
        categories: { sexual: [{ label: 'b', weight: 0.5 }] },
        ...overrides,
      },
    ],
  };
}

describe('ModelRegistry', () => {
  let dir: string;
  let bytes: Uint8Array;
  let manifest: ModelManifest;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'winnow-models-'));
    bytes = tinyAddModel();
    writeFileSync(path.join(dir, 'tiny-add.onnx'), bytes);
    manifest = parseModelManifest(manifestFor(sha256Hex(bytes)));
  });

  afterEach(async () => {
    await ModelRegistry.releaseAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test('verifies, loads and runs a batch', async () => {
    const registry = new ModelRegistry({ manifest, modelDir: dir, env: {} });
    expect(registry.intraOpNumThreads).toBe(1);
    expect(registry.executionProvider).toBe('cpu');
    const rows = await registry.run('tiny-add', Float32Array.of(0, 0, 10, 20, -1, 0.5), 3);
    expect(rows.map((r) => Array.from(r))).toEqual([
      [1, 2],
      [11, 22],
      [0, 2.5],
    ]);
  });

  test('caches one session per process for the same file, hash and settings', async () => {
    const a = await new ModelRegistry({ manifest, modelDir: dir, env: {} }).load('tiny-add');
    const b = await new ModelRegistry({ manifest, modelDir: dir, env: {} }).load('tiny-add');
    expect(b.session).toBe(a.session);
    const c = await new ModelRegistry({ manifest, modelDir: dir, env: {}, intraOpNumThreads: 2 }).load(
      'tiny-add',
    );
    expect(c.session).not.toBe(a.session);
  });

  test('a SHA-256 mismatch is a ModelLoadError that names the file and the fix', async () => {
    writeFileSync(path.join(dir, 'tiny-add.onnx'), Buffer.concat([Buffer.from(bytes), Buffer.from([0])]));
    const registry = new ModelRegistry({ manifest, modelDir: dir, env: {} });
    const error = await registry.load('tiny-add').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    const message = (error as Error).message;
    expect(message).toContain('SHA-256 mismatch');
    expect(message).toContain(path.join(dir, 'tiny-add.onnx'));
    expect(message).toContain('npm run models');
    expect((error as ModelLoadError).code).toBe('model-load');
  });

  test('a failed load is not cached: fixing the file makes the next load work', async () => {
    rmSync(path.join(dir, 'tiny-add.onnx'));
    const registry = new ModelRegistry({ manifest, modelDir: dir, env: {} });
    await expect(registry.load('tiny-add')).rejects.toThrow(
      /file is missing: .*tiny-add\.onnx.*npm run models/,
    );
    writeFileSync(path.join(dir, 'tiny-add.onnx'), bytes);
    await expect(registry.load('tiny-add')).resolves.toMatchObject({ executionProvider: 'cpu' });
  });

  test('unknown ids and wrong batch sizes are reported', async () => {
    const registry = new ModelRegistry({ manifest, modelDir: dir, env: {} });
    expect(() => registry.entry('nope')).toThrow(ModelLoadError);
    expect(() => registry.entry('nope')).toThrow(/unknown model "nope".*tiny-add/);
    await expect(registry.run('tiny-add', new Float32Array(3), 2)).rejects.toThrow(/needs 4 values/);
  });

  test('input/output names missing from the graph are a ModelLoadError', async () => {
    const bad = parseModelManifest(
      manifestFor(sha256Hex(bytes), {
        input: { name: 'pixels', shape: [-1, 2], layout: 'NC', dtype: 'float32' },
      }),
    );
    const registry = new ModelRegistry({ manifest: bad, modelDir: dir, env: {} });
    await expect(registry.load('tiny-add')).rejects.toThrow(/no input "pixels"/);
  });

  test('extra files by role: verified graphs and text, unknown roles and bad hashes named', async () => {
    writeFileSync(path.join(dir, 'second.onnx'), bytes);
    writeFileSync(path.join(dir, 'dict.txt'), 'a\nb\n');
    const withFiles = parseModelManifest(
      manifestFor(sha256Hex(bytes), {
        files: {
          decoder: { file: 'second.onnx', sha256: sha256Hex(bytes) },
          labels: { file: 'dict.txt', sha256: sha256Hex(Buffer.from('a\nb\n')) },
        },
      }),
    );
    const registry = new ModelRegistry({ manifest: withFiles, modelDir: dir, env: {} });
    expect(registry.readText('tiny-add', 'labels')).toBe('a\nb\n');
    expect(registry.modelPath('tiny-add', 'decoder')).toBe(path.join(dir, 'second.onnx'));
    const decoder = await registry.load('tiny-add', 'decoder');
    const main = await registry.load('tiny-add');
    expect(decoder.session).not.toBe(main.session);
    const out = await registry.runTensors(
      'tiny-add',
      { x: new Tensor('float32', Float32Array.of(1, 1), [1, 2]) },
      'decoder',
    );
    expect(Array.from(out.y?.data as Float32Array)).toEqual([2, 3]);
    expect(() => registry.modelPath('tiny-add', 'tokenizer')).toThrow(
      /no file with role "tokenizer".*decoder, labels/,
    );
    writeFileSync(path.join(dir, 'dict.txt'), 'changed');
    expect(() => registry.readText('tiny-add', 'labels')).toThrow(
      /model "tiny-add" \(labels\): SHA-256 mismatch/,
    );
  });

  test('WINNOW_EP selects the provider; cuda falls back to CPU with a warning when unavailable', async () => {
    expect(() => new ModelRegistry({ manifest, modelDir: dir, env: { WINNOW_EP: 'tpu' } })).toThrow(
      /WINNOW_EP="tpu"/,
    );
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', sink: (l) => lines.push(l) });
    const registry = new ModelRegistry({ manifest, modelDir: dir, env: { WINNOW_EP: 'cuda' }, logger });
    expect(registry.executionProvider).toBe('cuda');
    const loaded = await registry.load('tiny-add');
    if (loaded.executionProvider === 'cpu') expect(lines.join('\n')).toContain('falling back to CPU');
    const rows = await registry.run('tiny-add', Float32Array.of(1, 1), 1);
    expect(Array.from(rows[0] ?? [])).toEqual([2, 3]);
  });
});

describe('model manifest', () => {
  const sha = 'a'.repeat(64);

  test('the bundled models/manifest.json is valid', () => {
    const m = loadModelManifest(path.join(__dirname, '../../../models/manifest.json'));
    expect(m.models.map((e) => e.id)).toEqual(
      expect.arrayContaining([
        'nsfw-mobilenet-v2-mid',
        'ocr-det-ppocr-v4',
        'ocr-rec-ppocr-v4',
        'ocr-cls-ppocr-mobile-v2',
      ]),
    );
  });

  test('recognisers may name a dictionary instead of labels', () => {
    const m = parseModelManifest(
      manifestFor(sha, {
        task: 'text-recognition',
        categories: {},
        output: { name: 'y', labelsFile: 'keys.txt' },
        files: { labels: { file: 'keys.txt', sha256: sha } },
      }),
    );
    expect(m.models[0]?.output.labels).toBeUndefined();
  });

  test.each([
    ['a short hash', { sha256: 'abc' }, /sha256/],
    ['a path outside the model folder', { file: '../evil.onnx' }, /relative path inside/],
    [
      'a category label the model does not output',
      { categories: { sexual: [{ label: 'zz', weight: 1 }] } },
      /"zz"/,
    ],
    ['a weight above 1', { categories: { sexual: [{ label: 'a', weight: 2 }] } }, /weight/],
    ['an unknown field', { extra: true }, /extra|Unrecognized/i],
    ['a classifier without labels', { output: { name: 'y' } }, /needs output.labels/],
    [
      'a labelsFile not listed under files',
      { task: 'text-recognition', output: { name: 'y', labelsFile: 'keys.txt' } },
      /must also be listed under files/,
    ],
    [
      'an extra file outside the folder',
      { files: { decoder: { file: '/abs.onnx', sha256: sha } } },
      /relative path/,
    ],
    ['an unknown task', { task: 'telepathy' }, /task/],
  ])('rejects %s', (_name, overrides, pattern) => {
    expect(() => parseModelManifest(manifestFor(sha, overrides))).toThrow(ModelLoadError);
    expect(() => parseModelManifest(manifestFor(sha, overrides))).toThrow(pattern);
  });

  test('rejects duplicate ids', () => {
    const m = manifestFor(sha) as { models: unknown[] };
    m.models.push(m.models[0]);
    expect(() => parseModelManifest(m)).toThrow(/duplicate model id "tiny-add"/);
  });

  test('a missing or unparsable manifest file is a ModelLoadError', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-manifest-'));
    try {
      expect(() => loadModelManifest(path.join(dir, 'none.json'))).toThrow(/cannot read model manifest/);
      writeFileSync(path.join(dir, 'bad.json'), '{');
      expect(() => loadModelManifest(path.join(dir, 'bad.json'))).toThrow(/not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
