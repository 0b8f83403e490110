import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, median, writeBenchSection } from './bench-utils';
import { makeTextCorpus } from './text-corpus';

const SIZES = (process.env.BENCH_SCALE_SIZES ?? '1000,10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 3);
/** Trees above this size are scanned once: a 100,000-file run takes minutes on 2 cores. */
const SINGLE_RUN_ABOVE = 20_000;
const BIN = join(__dirname, '../../bin/winnow.js');

interface Summary {
  items: number;
  itemsPerSecond: number;
  peakRssMiB: number;
}

/** Writes `count` text files, 500 per directory. */
function makeTree(root: string, count: number): void {
  const corpus = makeTextCorpus(count, 7);
  for (let i = 0; i < count; i++) {
    const dir = join(root, `d${Math.floor(i / 500)}`);
    if (i % 500 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `item-${i}.txt`), corpus[i] as string);
  }
}

function scanOnce(input: string, work: string, run: number): Summary {
  const state = join(work, `state-${run}`);
  const out = join(work, `out-${run}`);
  const res = spawnSync(
    process.execPath,
    [BIN, 'scan', input, '--out', out, '--state-dir', state, '--quiet'],
    {
      env: { ...process.env, WINNOW_LOG_LEVEL: 'error' },
      encoding: 'utf8',
    },
  );
  if (res.status !== 0) throw new Error(`scan failed (${res.status}): ${res.stderr}`);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  rmSync(state, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  return summary;
}

/**
 * End-to-end `winnow scan` over generated trees of different sizes, each run in a fresh process with fresh state
 * (no cache hits): throughput and peak memory, to show memory stays flat as the input grows.
 */
function main(): void {
  const rows: string[] = [];
  for (const size of SIZES) {
    const work = mkdtempSync(join(tmpdir(), 'winnow-bench-scale-'));
    try {
      const input = join(work, 'in');
      makeTree(input, size);
      const count = size > SINGLE_RUN_ABOVE ? 1 : RUNS;
      const runs = Array.from({ length: count }, (_, r) => scanOnce(input, work, r));
      const rate = median(runs.map((s) => s.itemsPerSecond));
      const rss = median(runs.map((s) => s.peakRssMiB));
      rows.push(`| ${size.toLocaleString('en-US')} | ${count} | ${rate.toFixed(0)} | ${rss} |`);
      process.stdout.write(`${size} items: ${rate.toFixed(0)} items/s, peak RSS ${rss} MiB\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const md = `## \`winnow scan\` end to end: throughput and memory

Method: \`node dist/bench/scan-scale.js\` (part of \`npm run bench\`). Generated trees of text files (500 per
directory, the same corpus as above), each scanned by a fresh \`winnow scan --quiet\` process with empty state, so
every item is listed, queued in SQLite, moderated by all text detectors, stored and written to verdicts.jsonl.
Median of ${RUNS} runs per size (one run above ${SINGLE_RUN_ABOVE.toLocaleString('en-US')} files). Peak RSS is the process's maximum resident set size (from \`summary.json\`). Default
concurrency (4).

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.

| files | runs | items/s | peak RSS (MiB) |
|---:|---:|---:|---:|
${rows.join('\n')}`;
  writeBenchSection('scan-scale', md);
  process.stdout.write(`${md}\n`);
}

main();
