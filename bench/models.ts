import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createDefaultDetectors } from '../core/detectors/registry';
import { ModelRegistry } from '../core/models/model-registry';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';
import { machineLine, median, writeBenchSection } from './bench-utils';

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

/**
 * Per model: session load time (sha256 check + session creation, fresh each time), and per-item inference latency
 * at one thread for batch 1 (p50/p95) and batch 8 (per item). Then the fast tier's end-to-end image latency
 * (read, hash, sniff, sharp decode, resize, classify, policy) against the bare model inference of the same run.
 */
async function main(): Promise<void> {
  const rows: string[] = [];
  const probe = new ModelRegistry();
  for (const entry of probe.entries()) {
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await ModelRegistry.releaseAll();
      const t = performance.now();
      await new ModelRegistry().load(entry.id);
      loads.push(performance.now() - t);
    }
    const registry = new ModelRegistry();
    const perItem = entry.input.shape.slice(1).reduce((a, b) => a * (b === -1 ? 1 : b), 1);
    const one = randomInput(perItem, 1);
    await registry.run(entry.id, one, 1);
    const single: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      await registry.run(entry.id, one, 1);
      single.push(performance.now() - t);
    }
    const eight = randomInput(perItem * 8, 2);
    const batch: number[] = [];
    for (let i = 0; i < Math.max(3, Math.round(SAMPLES / 8)); i++) {
      const t = performance.now();
      await registry.run(entry.id, eight, 8);
      batch.push((performance.now() - t) / 8);
    }
    rows.push(
      `| ${entry.id} | ${median(loads).toFixed(0)} | ${percentile(single, 50).toFixed(1)} | ${percentile(single, 95).toFixed(1)} | ${median(batch).toFixed(1)} |`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
  }

  // End to end on the example photo: the fast-tier engine without cache, against bare inference in this process.
  const engine = new ModerationEngine({
    policy: loadPolicy(),
    tier: 'fast',
    detectors: createDefaultDetectors(),
  });
  await engine.warmUp();
  const photo = readFileSync(join(__dirname, '../../examples/images/photo.jpg'));
  const e2e: number[] = [];
  for (let i = 0; i < SAMPLES + 1; i++) {
    const t = performance.now();
    const v = await engine.moderate({
      uri: `mem://photo-${i}`,
      size: photo.length,
      open: async () => Readable.from([photo]),
    });
    if (v.decision === 'error') throw new Error(`image verdict failed: ${v.error?.message}`);
    if (i > 0) e2e.push(performance.now() - t);
  }
  const registry = new ModelRegistry();
  const fast = registry.entries()[0];
  if (!fast) throw new Error('no models in the manifest');
  const values = fast.input.shape.slice(1).reduce((a, b) => a * (b === -1 ? 1 : b), 1);
  const bare: number[] = [];
  const input = randomInput(values, 3);
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await registry.run(fast.id, input, 1);
    bare.push(performance.now() - t);
  }
  const p50 = percentile(e2e, 50);
  const bareP50 = percentile(bare, 50);

  const md = `## Image models: load and latency

Method: \`node dist/bench/models.js\` (part of \`npm run bench\`). onnxruntime-node on CPU, \`intraOpNumThreads: 1\`.
Load time is a fresh registry each time (sha256 check of the file + session creation), median of ${LOADS}. Latency
is per item over ${SAMPLES} runs after a warm-up, on pseudo-random input of the model's shape; batch 8 is per item.

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.

| model | load (ms) | batch 1 p50 (ms) | batch 1 p95 (ms) | batch 8 (ms/item) |
|---|---:|---:|---:|---:|
${rows.join('\n')}

Fast tier end to end per image (\`examples/images/photo.jpg\`, 320×240 JPEG, cache off: read, sha256, sniff, sharp
decode, resize to 224×224, classify, policy), against bare inference in the same process. OCR is not built yet, so
there is no OCR-on row.

| | p50 (ms) | p95 (ms) | vs bare inference |
|---|---:|---:|---:|
| bare MobileNetV2 inference, batch 1 | ${bareP50.toFixed(1)} | ${percentile(bare, 95).toFixed(1)} | 1.0× |
| fast-tier image verdict, OCR off | ${p50.toFixed(1)} | ${percentile(e2e, 95).toFixed(1)} | ${(p50 / bareP50).toFixed(2)}× |`;
  writeBenchSection('models', md);
  process.stdout.write(`${md}\n`);
  await ModelRegistry.releaseAll();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
