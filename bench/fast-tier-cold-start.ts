/**
 * Child process of `bench/models.ts`: what a fresh Lambda pays before its first image verdict. Loads the engine
 * modules, builds the default detectors and warms up every fast-tier detector (models verified and loaded, text
 * lexicons compiled), then prints one JSON line of timings measured from process start.
 */
const t0 = performance.now();

import { createDefaultDetectors } from '../core/detectors/registry';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';

async function main(): Promise<void> {
  const imported = performance.now();
  const engine = new ModerationEngine({
    policy: loadPolicy(),
    tier: 'fast',
    detectors: createDefaultDetectors(),
  });
  await engine.warmUp();
  const warm = performance.now();
  process.stdout.write(
    `${JSON.stringify({ sinceStartMs: warm, importMs: imported - t0, warmUpMs: warm - imported })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
