import { Readable } from 'node:stream';
import type { Detector, TextContent } from '../core/detectors/detector';
import { createTextDetectors } from '../core/detectors/text';
import { silentLogger } from '../core/logging/logger';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';
import { decodeText } from '../core/text/decode-text';
import { normalizeText } from '../core/text/normalize';
import { machineLine, median, recordMeasured, timeRuns, writeBenchSection } from './bench-utils';
import { makeTextCorpus } from './text-corpus';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/**
 * Text items per second: the decode + normalize baseline, each text detector alone, and the whole fast-tier engine
 * (all text detectors + policy, cache off). Medians of RUNS runs after a warm-up, all in one process.
 */
async function main(): Promise<void> {
  const corpus = makeTextCorpus(ITEMS);
  const bytes = corpus.map((t) => Buffer.from(t));
  const meanChars = Math.round(corpus.reduce((n, t) => n + t.length, 0) / corpus.length);
  const inputs: TextContent[] = bytes.map((b) => {
    const d = decodeText(b, 'utf-8');
    return {
      kind: 'text',
      text: d.text,
      normalized: normalizeText(d.text),
      invalidEncoding: d.invalidEncoding,
    };
  });
  const ctx = { signal: new AbortController().signal, logger: silentLogger };

  const rows: { name: string; ms: number }[] = [];
  const baseline = median(
    await timeRuns(RUNS, () => {
      for (const b of bytes) normalizeText(decodeText(b, 'utf-8').text);
    }),
  );
  rows.push({ name: 'baseline: decode + normalize', ms: baseline });

  const detectors: Detector<TextContent>[] = createTextDetectors();
  for (const d of detectors) {
    await d.init?.();
    const ms = median(
      await timeRuns(RUNS, async () => {
        for (const input of inputs) await d.detect(input, ctx);
      }),
    );
    rows.push({ name: `${d.id}`, ms });
  }

  const engine = new ModerationEngine({
    policy: loadPolicy(),
    tier: 'fast',
    detectors: createTextDetectors(),
  });
  await engine.warmUp();
  const engineMs = median(
    await timeRuns(RUNS, async () => {
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i] as Buffer;
        await engine.moderate({ uri: `mem://${i}`, size: b.length, open: async () => Readable.from([b]) });
      }
    }),
  );
  rows.push({ name: 'full fast-tier engine (read, hash, sniff, all text detectors, policy)', ms: engineMs });

  const perSec = (ms: number) => Math.round((ITEMS / ms) * 1000);
  const table = rows
    .map(
      (r) =>
        `| ${r.name} | ${perSec(r.ms).toLocaleString('en-US')} | ${((r.ms * 1000) / ITEMS).toFixed(1)} | ${(r.ms / baseline).toFixed(1)}× |`,
    )
    .join('\n');
  const md = `## Text detectors: items per second

Method: \`npm run bench\` (\`bench/text-detectors.ts\`). ${ITEMS} synthetic texts (mean ${meanChars} characters, ~20% with PII,
spam, profanity or insults; \`bench/text-corpus.ts\`), one process, one thread. Each row is the median of ${RUNS} timed
runs after a warm-up run. The ratio is each row's time against the baseline (decoding and normalizing the same texts),
measured in the same process.

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.

| stage | items/s | µs/item | time vs baseline |
|---|---:|---:|---:|
${table}`;
  const file = writeBenchSection('text-detectors', md);
  recordMeasured({
    'fast-tier.text.per-item': {
      value: engineMs / ITEMS,
      unit: 'ms',
      method: `bench/text-detectors.ts: full fast-tier engine (read, hash, sniff, all text detectors, policy), ${ITEMS} synthetic texts of mean ${meanChars} characters, time per item, median of ${RUNS} runs after a warm-up`,
    },
  });
  process.stdout.write(`${md}\n\nwritten to ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
