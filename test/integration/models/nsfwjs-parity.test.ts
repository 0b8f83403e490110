/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadModelManifest } from '../../../core/models/model-manifest';
import { ModelRegistry } from '../../../core/models/model-registry';
import { RECIPES } from '../../../models/prepare-models';
import { prng } from '../../helpers/prng';

/** Synthetic RGB images (0–255) of SIZE×SIZE, varied enough to move the scores. */
function syntheticImages(SIZE: number): { name: string; pixels: Uint8Array }[] {
  const mid = SIZE / 2;
  const make = (name: string, f: (x: number, y: number, c: number) => number) => {
    const pixels = new Uint8Array(SIZE * SIZE * 3);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        for (let c = 0; c < 3; c++)
          pixels[(y * SIZE + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(f(x, y, c))));
    return { name, pixels };
  };
  const noise = prng(42);
  const blobs = prng(7);
  const centres = Array.from(
    { length: 6 },
    () => [blobs() * SIZE, blobs() * SIZE, 20 + blobs() * 40] as const,
  );
  return [
    make('black', () => 0),
    make('white', () => 255),
    make('skin-tone', (_x, _y, c) => [224, 172, 140][c] as number),
    make('horizontal-gradient', (x, _y, c) =>
      c === 0 ? (x * 255) / SIZE : c === 1 ? 128 : 255 - (x * 255) / SIZE,
    ),
    make('diagonal-gradient', (x, y, c) => ((x + y) * 255) / (2 * SIZE) + c * 20),
    make('noise', () => noise() * 256),
    make('checkerboard-8', (x, y) => ((Math.floor(x / 8) + Math.floor(y / 8)) % 2 === 0 ? 240 : 15)),
    make('checkerboard-1', (x, y, c) => ((x + y) % 2 === 0 ? 255 : c * 60)),
    make('stripes', (x, _y, c) => 127 + 127 * Math.sin(x / 3 + c)),
    make('radial', (x, y, c) => 255 - Math.hypot(x - mid, y - mid) * (1.5 + c * 0.3)),
    make('skin-blobs', (x, y, c) => {
      const inBlob = centres.some(([cx, cy, r]) => Math.hypot(x - cx, y - cy) < r);
      return inBlob ? ([230, 180, 150][c] as number) : ([40, 60, 90][c] as number);
    }),
    make('edge-extremes', (x, y) => (x === 0 || y === 0 || x === SIZE - 1 || y === SIZE - 1 ? 255 : 0)),
  ];
}

const CASES = [
  {
    id: 'nsfw-mobilenet-v2-mid',
    nsfwjsName: 'MobileNetV2Mid',
    size: 224,
    input: 'input',
    only: undefined,
    slow: false,
  },
  // InceptionV3 on tfjs-backend-wasm needs ~100 s here, so its nsfwjs comparison only runs with WINNOW_TEST_SLOW=1
  // (its conversion and hash are always checked).
  {
    slow: true,
    id: 'nsfw-inception-v3',
    nsfwjsName: 'InceptionV3',
    size: 299,
    input: 'input_1',
    only: ['noise', 'skin-blobs', 'radial', 'checkerboard-8'],
  },
] as const;

describe.each(CASES)(
  'nsfwjs $nsfwjsName → ONNX ($id)',
  ({ id: MODEL_ID, nsfwjsName, size: SIZE, input, only, slow }) => {
    let dir: string;
    let registry: ModelRegistry;
    const images = syntheticImages(SIZE).filter(
      (img) => only === undefined || (only as readonly string[]).includes(img.name),
    );
    let onnxScores: Float32Array[] = [];

    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'winnow-parity-'));
      const manifestFile = path.join(__dirname, '../../../models/manifest.json');
      const manifest = loadModelManifest(manifestFile);
      const recipe = RECIPES[MODEL_ID];
      const entry = manifest.models.find((m) => m.id === MODEL_ID);
      if (!recipe || !entry) throw new Error(`no recipe or manifest entry for ${MODEL_ID}`);
      writeFileSync(path.join(dir, entry.file), recipe());
      registry = new ModelRegistry({
        manifest,
        modelDir: dir,
        intraOpNumThreads: 1,
        executionProvider: 'cpu',
      });
    });

    afterAll(async () => {
      await ModelRegistry.releaseAll();
      rmSync(dir, { recursive: true, force: true });
    });

    test('conversion matches the manifest hash and names', async () => {
      expect(() => registry.readVerified(MODEL_ID)).not.toThrow();
      const loaded = await registry.load(MODEL_ID);
      expect(loaded.session.inputNames).toEqual([input]);
      expect(loaded.session.outputNames).toEqual(['Identity']);
    });

    const parityTest = slow && process.env.WINNOW_TEST_SLOW !== '1' ? test.skip : test;

    parityTest(
      'ONNX (onnxruntime, 1 thread) matches nsfwjs on tfjs-backend-wasm',
      async () => {
        const batch = new Float32Array(images.length * SIZE * SIZE * 3);
        images.forEach((img, i) => {
          for (let k = 0; k < img.pixels.length; k++)
            batch[i * img.pixels.length + k] = (img.pixels[k] as number) / 255;
        });
        onnxScores = await registry.run(MODEL_ID, batch, images.length);
        expect(onnxScores).toHaveLength(images.length);

        const tf = await import('@tensorflow/tfjs');
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`);
        await tf.setBackend('wasm');
        await tf.ready();
        const nsfwjs = await import('nsfwjs');
        const model = await nsfwjs.load(nsfwjsName, { size: SIZE });

        let maxDiff = 0;
        for (const [i, img] of images.entries()) {
          const input = tf.tensor3d(Int32Array.from(img.pixels), [SIZE, SIZE, 3], 'int32');
          const out = model.infer(input) as import('@tensorflow/tfjs').Tensor;
          const ref = await out.data();
          input.dispose();
          out.dispose();
          const mine = onnxScores[i] as Float32Array;
          expect(ref).toHaveLength(5);
          for (let c = 0; c < 5; c++)
            maxDiff = Math.max(maxDiff, Math.abs((ref[c] as number) - (mine[c] as number)));
        }
        model.dispose();
        // The synthetic set must not be degenerate: the scores have to move between images.
        let spread = 0;
        for (let c = 0; c < 5; c++) {
          const col = onnxScores.map((row) => row[c] as number);
          spread = Math.max(spread, Math.max(...col) - Math.min(...col));
        }
        process.stdout.write(
          `parity: ${images.length} images, max |diff| ${maxDiff.toExponential(2)}, spread ${spread.toFixed(3)}\n`,
        );
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
        expect(spread).toBeGreaterThan(0.1);
      },
      180_000,
    );
  },
);
