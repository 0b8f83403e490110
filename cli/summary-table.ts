import type { RunSummary } from '../core/pipeline/run-summary';

/** Renders the summary as a plain-text table. */
export function formatSummary(s: RunSummary, outFile: string): string {
  const lines: string[] = [];
  const pad = (text: string, n: number) => text.padEnd(n);
  const num = (n: number, w = 8) => String(n).padStart(w);
  const head = (label: string, w = 8) => label.padStart(w);
  lines.push(
    `Run ${s.runId}: ${s.items} items in ${(s.elapsedMs / 1000).toFixed(1)} s (${s.itemsPerSecond} items/s)`,
  );
  lines.push('');
  lines.push(`${pad('decision', 14)}${head('items')}`);
  for (const d of ['allow', 'review', 'block', 'error'] as const)
    lines.push(`${pad(d, 14)}${num(s.decisions[d])}`);
  const cats = Object.entries(s.categories).sort(([a], [b]) => a.localeCompare(b));
  if (cats.length > 0) {
    lines.push('');
    lines.push(`${pad('category', 14)}${head('review')}${head('block')}`);
    for (const [id, c] of cats) lines.push(`${pad(id, 14)}${num(c.review)}${num(c.block)}`);
  }
  const errs = Object.entries(s.errors).sort(([a], [b]) => a.localeCompare(b));
  if (errs.length > 0) {
    lines.push('');
    lines.push(`${pad('error code', 22)}${head('items')}`);
    for (const [code, n] of errs) lines.push(`${pad(code, 22)}${num(n)}`);
  }
  lines.push('');
  if (s.cached > 0) lines.push(`${s.cached} items reused cached scores (identical content scored before).`);
  lines.push(`Verdicts: ${outFile}`);
  return lines.join('\n');
}
