import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Times `fn` over `runs` runs after one warm-up run; returns each run's milliseconds. */
export async function timeRuns(runs: number, fn: () => unknown | Promise<unknown>): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** Runs `fn` once; its result and wall-clock milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/** One line describing the machine, for the method section. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in BENCHMARKS.md (appending if absent). */
export function writeBenchSection(name: string, markdown: string): string {
  const file = join(__dirname, '../../BENCHMARKS.md');
  let doc: string;
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    doc =
      '# Benchmarks\n\nRegenerate with `npm run bench`. Numbers are medians of several runs on the machine named in each section.\n';
  }
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${markdown.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  doc =
    start >= 0 && end > start
      ? doc.slice(0, start) + block + doc.slice(end + close.length)
      : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, doc);
  return file;
}

/** A figure a bench measured, for `bench/measured.json` (the cost model prices from it). */
export interface MeasuredEntry {
  readonly value: number;
  readonly unit: 'ms' | 'x-real-time';
  /** The bench, the input and the statistic. */
  readonly method: string;
}

/**
 * Records figures into `bench/measured.json`: each key is replaced with its value, this machine and today's date;
 * keys other benches wrote are kept.
 */
export function recordMeasured(entries: Readonly<Record<string, MeasuredEntry>>): string {
  const file = join(__dirname, '../../bench/measured.json');
  let doc: { about?: string; figures: Record<string, unknown> } = {
    about:
      'Figures the benchmarks measured, which the cost model (core/cost) prices. Each bench updates its own keys when it runs (bench/bench-utils.ts recordMeasured); edit by hand only to correct a figure, with its method, machine and date.',
    figures: {},
  };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // Only a missing file starts afresh: a damaged one must not silently lose the other benches' figures.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const machine = machineLine();
  const measured = new Date().toISOString().slice(0, 10);
  const figures: Record<string, unknown> = { ...doc.figures };
  for (const [key, e] of Object.entries(entries)) {
    figures[key] = {
      value: Number(e.value.toPrecision(4)),
      unit: e.unit,
      method: e.method,
      machine,
      measured,
    };
  }
  doc.figures = Object.fromEntries(Object.entries(figures).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
