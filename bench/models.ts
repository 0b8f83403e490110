import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Tensor } from 'onnxruntime-node';
import { createDefaultDetectors, FAST_IMAGE_MODEL } from '../core/detectors/registry';
import type { ModelEntry } from '../core/models/model-manifest';
import { ModelRegistry } from '../core/models/model-registry';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';
import {
  type MeasuredEntry,
  machineLine,
  median,
  recordMeasured,
  timeRuns,
  writeBenchSection,
} from './bench-utils';

const LOADS = Number(process.env.BENCH_MODEL_LOADS ?? 3);
const SAMPLES = Number(process.env.BENCH_MODEL_SAMPLES ?? 30);

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** Deterministic pseudo-random pixels in [0, 1), the layout the image models take. */
function randomInput(values: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(values);
  for (let i = 0; i < values; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

/** Shape one benchmark item takes: the manifest's input with the batch set and variable sizes fixed. */
function benchShape(entry: ModelEntry, batch: number): number[] {
  // Variable sizes get a typical case: a 640×480 picture for text detection, a 320-pixel-wide line to read.
  const variable = entry.task === 'text-detection' ? [480, 640] : [320];
  let v = 0;
  return entry.input.shape.map((d, i) => (i === 0 ? batch : d === -1 ? (variable[v++] ?? 320) : d));
}

async function runBench(registry: ModelRegistry, entry: ModelEntry, data: Float32Array, batch: number) {
  const input = new Tensor('float32', data, benchShape(entry, batch));
  const out = await registry.runTensors(entry.id, { [entry.input.name]: input });
  for (const t of Object.values(out)) t.dispose();
  input.dispose();
}

/** Cold start of the fast tier in fresh processes (see fast-tier-cold-start.ts). */
function coldStarts(runs: number): { sinceStartMs: number; importMs: number; warmUpMs: number }[] {
  const script = join(__dirname, 'fast-tier-cold-start.js');
  return Array.from({ length: runs }, () => {
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').at(-1) as string);
  });
}

function moderateAll(engine: ModerationEngine, name: string, bytes: Buffer, runs: number): Promise<number[]> {
  let i = 0;
  return timeRuns(runs, async () => {
    const v = await engine.moderate({
      uri: `mem://${name}-${i++}`,
      size: bytes.length,
      open: async () => Readable.from([bytes]),
    });
    if (v.decision === 'error') throw new Error(`${name}: verdict failed: ${v.error?.message}`);
  });
}

/**
 * Per model: session load time (sha256 check + session creation, fresh each time), and per-item inference latency
 * at one thread for batch 1 (p50/p95) and batch 8 (per item). Then the cold start of the whole fast tier in a fresh
 * process, and the fast tier's end-to-end image latency with OCR off and on, against the bare classifier inference
 * of the same run.
 */
async function main(): Promise<void> {
  const rows: string[] = [];
  const measured: Record<string, MeasuredEntry> = {};
  const probe = new ModelRegistry();
  // Models fed float32 tensors (the image, OCR and speech models) are timed here; the text classifier, fed hashed
  // n-gram indices, is timed per text with its featurization in the text-detectors benchmark.
  for (const entry of probe.entries().filter((e) => e.input.dtype === 'float32')) {
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await ModelRegistry.releaseAll();
      const t = performance.now();
      await new ModelRegistry().load(entry.id);
      loads.push(performance.now() - t);
    }
    const registry = new ModelRegistry();
    const perItem = benchShape(entry, 1).reduce((a, b) => a * b, 1);
    const one = randomInput(perItem, 1);
    const single = await timeRuns(SAMPLES, () => runBench(registry, entry, one, 1));
    const eight = randomInput(perItem * 8, 2);
    const batch = (
      await timeRuns(Math.max(3, Math.round(SAMPLES / 8)), () => runBench(registry, entry, eight, 8))
    ).map((ms) => ms / 8);
    for (const p of [50, 95] as const) {
      measured[`model.${entry.id}.batch-1.p${p}`] = {
        value: percentile(single, p),
        unit: 'ms',
        method: `bench/models.ts: bare onnxruntime inference at batch 1, one thread, p${p} of ${SAMPLES} runs after a warm-up`,
      };
    }
    rows.push(
      `| ${entry.id} | ${benchShape(entry, 1).slice(1).join('×')} | ${median(loads).toFixed(0)} | ${percentile(single, 50).toFixed(1)} | ${percentile(single, 95).toFixed(1)} | ${median(batch).toFixed(1)} |`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
  }
  await ModelRegistry.releaseAll();

  const cold = coldStarts(LOADS);
  const coldMedian = (k: 'sinceStartMs' | 'importMs' | 'warmUpMs') =>
    median(cold.map((c) => c[k])).toFixed(0);
  process.stdout.write(`fast-tier cold start: ${coldMedian('sinceStartMs')} ms\n`);
  measured['fast-tier.cold-start'] = {
    value: median(cold.map((c) => c.sinceStartMs)),
    unit: 'ms',
    method: `bench/models.ts: fresh node process importing the engine and warming every fast-tier detector, from process start, median of ${LOADS} processes`,
  };

  // End to end: the fast-tier engine without cache, OCR on and off, against bare inference in this process.
  const policy = loadPolicy();
  const detectors = createDefaultDetectors();
  const engines = {
    on: new ModerationEngine({ policy, tier: 'fast', detectors }),
    off: new ModerationEngine({ policy: { ...policy, ocr: { fastTier: false } }, tier: 'fast', detectors }),
  };
  await engines.on.warmUp();
  const images = [
    ['photo.jpg', '320×240 JPEG, no text', 'no-text'],
    ['scam-text.png', '440×240 PNG, 4 lines of text', 'with-text'],
  ] as const;
  const e2e: string[] = [];
  for (const [name, what, profile] of images) {
    const bytes = readFileSync(join(__dirname, '../../examples/images', name));
    for (const mode of ['off', 'on'] as const) {
      const times = await moderateAll(engines[mode], name, bytes, SAMPLES);
      e2e.push(`${name}|${what}|${mode}|${percentile(times, 50)}|${percentile(times, 95)}`);
      for (const p of [50, 95] as const) {
        measured[`fast-tier.image.${profile}.ocr-${mode}.p${p}`] = {
          value: percentile(times, p),
          unit: 'ms',
          method: `bench/models.ts: fast-tier engine end to end per image (cache off, OCR ${mode}), p${p} of ${SAMPLES} runs after a warm-up, examples/images/${name} (${what})`,
        };
      }
    }
  }
  const registry = new ModelRegistry();
  const fast = registry.entry(FAST_IMAGE_MODEL);
  const input = randomInput(
    benchShape(fast, 1).reduce((a, b) => a * b, 1),
    3,
  );
  const bare = await timeRuns(SAMPLES, () => registry.run(fast.id, input, 1));
  const bareP50 = percentile(bare, 50);
  const e2eRows = e2e.map((r) => {
    const [name, what, mode, p50, p95] = r.split('|') as [string, string, string, string, string];
    return `| fast-tier image verdict, OCR ${mode}: \`${name}\` (${what}) | ${Number(p50).toFixed(1)} | ${Number(p95).toFixed(1)} | ${(Number(p50) / bareP50).toFixed(2)}× |`;
  });

  const md = `## Image models: load and latency

Method: \`node dist/bench/models.js\` (part of \`npm run bench\`). onnxruntime-node on CPU, \`intraOpNumThreads: 1\`.
Load time is a fresh registry each time (sha256 check of the file + session creation), median of ${LOADS}. Latency
is per item over ${SAMPLES} runs after a warm-up, on pseudo-random input of the shape shown (the OCR models take
variable sizes: a 480×640 picture for detection, a 48×320 line for recognition); batch 8 is per item.

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.

| model | input (C×H×W or H×W×C) | load (ms) | batch 1 p50 (ms) | batch 1 p95 (ms) | batch 8 (ms/item) |
|---|---|---:|---:|---:|---:|
${rows.join('\n')}

**Fast-tier cold start** (the Lambda budget is 1.5 s): a fresh \`node\` process that imports the engine, builds the
default detectors and warms up every fast-tier detector (MobileNetV2 and the three OCR models verified and loaded,
text lexicons and language ID ready), measured from process start, median of ${LOADS} processes:
**${coldMedian('sinceStartMs')} ms** (imports ${coldMedian('importMs')} ms, model loading and warm-up ${coldMedian('warmUpMs')} ms).

Fast tier end to end per image (cache off: read, sha256 (the exact-hash step; perceptual hashes come later), sniff,
sharp decode, resize, classify, OCR when on, text detectors on the OCR text, policy), against bare MobileNetV2
inference in the same process:

| | p50 (ms) | p95 (ms) | vs bare inference |
|---|---:|---:|---:|
| bare MobileNetV2 inference, batch 1 | ${bareP50.toFixed(1)} | ${percentile(bare, 95).toFixed(1)} | 1.0× |
${e2eRows.join('\n')}`;
  writeBenchSection('models', md);
  recordMeasured(measured);
  process.stdout.write(`${md}\n`);
  await ModelRegistry.releaseAll();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
