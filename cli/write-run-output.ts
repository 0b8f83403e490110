import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BatchScanResult } from '../core/pipeline/batch-scan';
import { type RunSummary, SummaryBuilder } from '../core/pipeline/run-summary';
import type { Verdict } from '../core/verdict/verdict';

/** What writing a run's output produced. */
export interface RunOutput {
  readonly verdictsFile: string;
  readonly summary: RunSummary;
  /** Whether any verdict reached the `--fail-on` level. */
  readonly failOnMet: boolean;
}

/**
 * Writes `verdicts.jsonl` (one line per item, atomically: a temporary file renamed into place) and `summary.json`
 * from a stream of the run's verdicts, counting as it goes.
 */
export async function writeRunOutput(
  outDir: string,
  verdicts: AsyncIterable<Verdict>,
  result: BatchScanResult,
  failOn?: 'review' | 'block',
): Promise<RunOutput> {
  await mkdir(outDir, { recursive: true });
  const verdictsFile = resolve(outDir, 'verdicts.jsonl');
  const tmp = `${verdictsFile}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const summary = new SummaryBuilder(result.runId);
  let failOnMet = false;
  for await (const v of verdicts) {
    summary.add(v);
    if (failOn && (v.decision === 'block' || (failOn === 'review' && v.decision === 'review')))
      failOnMet = true;
    if (!out.write(`${JSON.stringify(v)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  await rename(tmp, verdictsFile);
  const s = summary.finish(result.elapsedMs, result.processed);
  const file = { ...s, resumed: result.resumed, deadLettered: result.deadLettered };
  await writeFile(resolve(outDir, 'summary.json'), `${JSON.stringify(file, null, 2)}\n`);
  return { verdictsFile, summary: s, failOnMet };
}
