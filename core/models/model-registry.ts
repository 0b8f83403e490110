import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ENV } from '../config/env-names';
import { ModelLoadError } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import { loadModelManifest, type ModelEntry, type ModelManifest } from './model-manifest';

/** Execution providers Winnow asks onnxruntime for. */
export type ExecutionProvider = 'cpu' | 'cuda';

export interface ModelRegistryOptions {
  /** Manifest file; default `models/manifest.json` of the Winnow checkout. */
  manifestFile?: string;
  /** An already parsed manifest; wins over `manifestFile`. */
  manifest?: ModelManifest;
  /** Folder the manifest's `file` paths are relative to; default `generated/` next to the manifest. */
  modelDir?: string;
  /** Folder of the committed models (manifest entries with `dir: trained`); default `trained/` next to the manifest. */
  trainedDir?: string;
  /** onnxruntime intra-op threads per session; default 1 (Winnow parallelises across items instead). */
  intraOpNumThreads?: number;
  /** Default: `WINNOW_EP` from `env`, else `cpu`. */
  executionProvider?: ExecutionProvider;
  logger?: Logger;
  env?: Record<string, string | undefined>;
}

/** A model ready for inference. */
export interface LoadedModel {
  entry: ModelEntry;
  session: ort.InferenceSession;
  /** The provider the session really runs on (after any CUDA → CPU fallback). */
  executionProvider: ExecutionProvider;
  /** Milliseconds spent hashing the file and creating the session. */
  loadMs: number;
}

/** Sessions shared by every registry of the process, keyed by file, hash, threads and provider. */
const sessionCache = new Map<string, Promise<LoadedModel>>();

const FIX = 'run `npm run models` to (re)generate it';
const TRAINED_FIX = 'the file is committed with Winnow: restore it from version control';

/** The manifest of this checkout: `models/manifest.json`, found from source (core/models) or build (dist/core/models). */
export function defaultManifestFile(): string {
  const candidates = [
    path.resolve(__dirname, '..', '..', 'models', 'manifest.json'),
    path.resolve(__dirname, '..', '..', '..', 'models', 'manifest.json'),
  ];
  return candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);
}

/** SHA-256 of a byte buffer, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parseProvider(raw: string | undefined): ExecutionProvider {
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'cpu') return 'cpu';
  if (raw.toLowerCase() === 'cuda') return 'cuda';
  throw new ModelLoadError(`${ENV.executionProvider}="${raw}" is not an execution provider; use cpu or cuda`);
}

/**
 * The models listed in a manifest: verifies each file's SHA-256 before creating an onnxruntime session, caches
 * sessions per process and runs batches.
 */
export class ModelRegistry {
  readonly manifest: ModelManifest;
  readonly modelDir: string;
  readonly trainedDir: string;
  readonly intraOpNumThreads: number;
  readonly executionProvider: ExecutionProvider;
  private readonly logger: Logger;

  constructor(options: ModelRegistryOptions = {}) {
    const manifestFile = options.manifestFile ?? defaultManifestFile();
    this.manifest = options.manifest ?? loadModelManifest(manifestFile);
    this.modelDir = path.resolve(options.modelDir ?? path.join(path.dirname(manifestFile), 'generated'));
    this.trainedDir = path.resolve(options.trainedDir ?? path.join(path.dirname(manifestFile), 'trained'));
    this.intraOpNumThreads = options.intraOpNumThreads ?? 1;
    if (!Number.isInteger(this.intraOpNumThreads) || this.intraOpNumThreads < 1) {
      throw new ModelLoadError(`intraOpNumThreads must be a positive integer, got ${this.intraOpNumThreads}`);
    }
    const env = options.env ?? process.env;
    this.executionProvider = options.executionProvider ?? parseProvider(env[ENV.executionProvider]);
    this.logger = options.logger ?? silentLogger;
  }

  /** Every model of the manifest. */
  entries(): readonly ModelEntry[] {
    return this.manifest.models;
  }

  /** The manifest entry of `id`; throws `ModelLoadError` for an unknown id. */
  entry(id: string): ModelEntry {
    const e = this.manifest.models.find((m) => m.id === id);
    if (!e) {
      const known = this.manifest.models.map((m) => m.id).join(', ') || 'none';
      throw new ModelLoadError(`unknown model "${id}" (the manifest lists: ${known})`);
    }
    return e;
  }

  /**
   * Absolute path of the model file of `id`, or of its extra file `role` (from the entry's `files`). Throws
   * `ModelLoadError` for a role the entry does not list.
   */
  modelPath(id: string, role?: string): string {
    const dir = this.entry(id).dir === 'trained' ? this.trainedDir : this.modelDir;
    return path.join(dir, this.fileSpec(id, role).file);
  }

  private fileSpec(id: string, role?: string): { file: string; sha256: string } {
    const entry = this.entry(id);
    if (role === undefined) return entry;
    const spec = entry.files[role];
    if (!spec) {
      const roles = Object.keys(entry.files).join(', ') || 'none';
      throw new ModelLoadError(`model "${id}" has no file with role "${role}" (it lists: ${roles})`);
    }
    return spec;
  }

  /**
   * Reads the model file (or its extra file `role`) and checks its SHA-256; returns the bytes. Throws
   * `ModelLoadError` naming the file and the fix.
   */
  readVerified(id: string, role?: string): Uint8Array {
    const spec = this.fileSpec(id, role);
    const file = this.modelPath(id, role);
    const what = role ? `model "${id}" (${role})` : `model "${id}"`;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (cause) {
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
      const fix = this.entry(id).dir === 'trained' ? TRAINED_FIX : FIX;
      throw new ModelLoadError(
        `${what}: ${missing ? 'file is missing' : 'cannot read file'}: ${file}; ${fix}`,
        {
          cause,
        },
      );
    }
    const actual = sha256Hex(bytes);
    if (actual !== spec.sha256) {
      throw new ModelLoadError(
        `${what}: SHA-256 mismatch for ${file} (expected ${spec.sha256}, got ${actual}); the file is ` +
          `damaged or from another version; ${this.entry(id).dir === 'trained' ? TRAINED_FIX : FIX}`,
      );
    }
    return bytes;
  }

  /** The verified text of an extra file (a dictionary or tokenizer), e.g. `readText(id, 'labels')`. */
  readText(id: string, role: string): string {
    return Buffer.from(this.readVerified(id, role)).toString('utf8');
  }

  /**
   * The verified, loaded model `id` (or its extra ONNX graph `role`, such as a decoder); one session per process
   * for the same file, hash, threads and provider.
   */
  load(id: string, role?: string): Promise<LoadedModel> {
    const entry = this.entry(id);
    const spec = this.fileSpec(id, role);
    const key = [this.modelPath(id, role), spec.sha256, this.intraOpNumThreads, this.executionProvider].join(
      '|',
    );
    let p = sessionCache.get(key);
    if (!p) {
      p = this.create(entry, role);
      sessionCache.set(key, p);
      // A failed load must not poison the cache: the user may fix the file and retry.
      p.catch(() => sessionCache.delete(key));
    }
    return p;
  }

  private async create(entry: ModelEntry, role?: string): Promise<LoadedModel> {
    const t0 = performance.now();
    const bytes = this.readVerified(entry.id, role);
    const file = this.modelPath(entry.id, role);
    const base: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: this.intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    };
    let provider: ExecutionProvider = this.executionProvider;
    let session: ort.InferenceSession | undefined;
    if (provider === 'cuda') {
      try {
        session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda'] });
      } catch (error) {
        this.logger.warn('CUDA execution provider unavailable; falling back to CPU', {
          model: entry.id,
          error,
        });
        provider = 'cpu';
      }
    }
    if (!session) {
      try {
        session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
      } catch (cause) {
        throw new ModelLoadError(
          `model "${entry.id}": onnxruntime cannot load ${file}: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    // Only the main graph has its tensor names in the manifest; extra graphs are checked by their users.
    const missing = role
      ? []
      : [
          ...(session.inputNames.includes(entry.input.name) ? [] : [`input "${entry.input.name}"`]),
          ...(session.outputNames.includes(entry.output.name) ? [] : [`output "${entry.output.name}"`]),
        ];
    if (missing.length > 0) {
      await session.release();
      throw new ModelLoadError(
        `model "${entry.id}": the ONNX graph has no ${missing.join(' or ')} (it has inputs ` +
          `${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
      );
    }
    const loadMs = performance.now() - t0;
    this.logger.debug('model loaded', { model: entry.id, role, version: entry.version, provider, loadMs });
    return { entry, session, executionProvider: provider, loadMs };
  }

  /**
   * Runs a batch of `batchSize` items packed in `data` (the input shape with the batch dimension set to
   * `batchSize`) and returns one row of output scores per item, in the manifest's label order.
   */
  async run(id: string, data: Float32Array, batchSize: number): Promise<Float32Array[]> {
    const { entry, session } = await this.load(id);
    const dims = entry.input.shape.map((d, i) => (d === -1 || i === 0 ? batchSize : d));
    if (entry.input.shape[0] !== -1 && entry.input.shape[0] !== batchSize) {
      throw new ModelLoadError(
        `model "${id}" takes a fixed batch of ${entry.input.shape[0]}, got ${batchSize}`,
      );
    }
    const expected = dims.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(batchSize) || batchSize < 1 || data.length !== expected) {
      throw new RangeError(
        `model "${id}": a batch of ${batchSize} needs ${expected} values (shape ${dims.join('x')}), got ${data.length}`,
      );
    }
    const input = new ort.Tensor('float32', data, dims);
    const result = await session.run({ [entry.input.name]: input });
    const out = result[entry.output.name];
    if (!out) throw new ModelLoadError(`model "${id}": no output "${entry.output.name}"`);
    const labels = entry.output.labels;
    if (!labels) throw new ModelLoadError(`model "${id}" has no output.labels; run() is for classifiers`);
    const width = labels.length;
    const values = out.data as Float32Array;
    if (values.length !== width * batchSize) {
      throw new ModelLoadError(
        `model "${id}": output has ${values.length} values, expected ${batchSize} x ${width} labels`,
      );
    }
    input.dispose();
    const rows: Float32Array[] = [];
    for (let i = 0; i < batchSize; i++) rows.push(values.slice(i * width, (i + 1) * width));
    out.dispose();
    return rows;
  }

  /**
   * Runs the graph of `id` (or its extra graph `role`) on named tensors and returns every output. The caller owns
   * the returned tensors and should `dispose()` them.
   */
  async runTensors(
    id: string,
    feeds: Record<string, ort.Tensor>,
    role?: string,
  ): Promise<Record<string, ort.Tensor>> {
    const { session } = await this.load(id, role);
    return session.run(feeds) as Promise<Record<string, ort.Tensor>>;
  }

  /** Releases every cached session of the process (all registries). */
  static async releaseAll(): Promise<void> {
    const all = [...sessionCache.values()];
    sessionCache.clear();
    await Promise.all(all.map((p) => p.then((m) => m.session.release()).catch(() => undefined)));
  }
}
