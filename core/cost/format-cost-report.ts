import type { CostReport, CostRow } from './cost-report';
import { formatDollars } from './format-dollars';

/** A ratio such as `98×`. */
function times(n: number): string {
  return `${n >= 10 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)}×`;
}

interface Cells {
  readonly item: string;
  readonly runsOn: string;
  readonly p50: string;
  readonly p95: string;
  readonly perMinute: string;
  readonly rekognition: string;
  readonly cheaper: string;
}

const HEADERS: Cells = {
  item: 'item',
  runsOn: 'tier: runs on',
  p50: '$/1,000 p50',
  p95: '$/1,000 p95',
  perMinute: '$/min p50',
  rekognition: 'Rekognition $/1,000',
  cheaper: 'vs Rekognition',
};

function cells(r: CostRow): Cells {
  return {
    item: r.durationSec === undefined ? r.label : `${r.label}, ${r.durationSec} s`,
    runsOn: `${r.tier}: ${r.runsOn}`,
    p50: formatDollars(r.per1000.p50),
    p95: formatDollars(r.per1000.p95),
    perMinute: r.perMinute ? formatDollars(r.perMinute.p50) : '',
    rekognition: r.rekognition ? `${formatDollars(r.rekognition.per1000)} (${r.rekognition.basis})` : '',
    cheaper: r.rekognition ? `${times(r.rekognition.timesCheaper)} cheaper` : '',
  };
}

function header(report: CostReport): string[] {
  const o = report.options;
  return [
    `Cost per 1,000 items on AWS ${report.region}: prices ${report.pricesVersion} (as of ${report.pricesAsOf}), ` +
      `fast tier on Lambda ${o.lambdaArchitecture} ${o.lambdaMemoryMiB} MiB (CPU factor ${o.lambdaCpuFactor}), ` +
      `heavy tier on ${o.workerInstanceType}; audio and video items of ${o.durationSec} s.`,
    'p50 prices the measured median latency (the expected cost); p95 the 95th percentile or slowest run (a bound).',
  ];
}

function targetLine(report: CostReport): string {
  const t = report.target;
  return (
    `Target: a fast-tier image under ${formatDollars(t.limitPer1000)} per 1,000 and at least ${t.minTimesCheaper}× ` +
    `cheaper than Rekognition: ${formatDollars(t.fastImagePer1000)} per 1,000, ${times(t.timesCheaper)} cheaper: ` +
    `${t.met ? 'met' : 'NOT met'}.`
  );
}

/** The report as a plain-text table with the figures and assumptions below it (`winnow cost`). */
export function formatCostTable(report: CostReport): string {
  const rows = [HEADERS, ...report.rows.map(cells)];
  const keys = Object.keys(HEADERS) as (keyof Cells)[];
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...rows.map((r) => r[k].length))])) as Record<
    keyof Cells,
    number
  >;
  const left = new Set<keyof Cells>(['item', 'runsOn', 'rekognition']);
  const line = (r: Cells) =>
    keys
      .map((k) => (left.has(k) ? r[k].padEnd(width[k]) : r[k].padStart(width[k])))
      .join('  ')
      .trimEnd();
  const out = [...header(report), '', line(HEADERS), keys.map((k) => '-'.repeat(width[k])).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  out.push('', targetLine(report), '', 'Measured figures used:');
  for (const f of report.figures) {
    out.push(`  ${f.key} = ${f.value} ${f.unit} (measured ${f.measured} on ${f.machine})`);
  }
  out.push('', 'Assumptions (not measured; see the price list):');
  for (const a of report.assumptions) out.push(`  ${a.name} = ${JSON.stringify(a.value)}`);
  return out.join('\n');
}

/** The report as Markdown: the table, the figures with their methods, the assumptions and one breakdown. */
export function formatCostMarkdown(report: CostReport): string {
  const row = (c: Cells) =>
    `| ${c.item} | ${c.runsOn} | ${c.p50} | ${c.p95} | ${c.perMinute} | ${c.rekognition} | ${c.cheaper} |`;
  const headline = report.rows.find((r) => r.media === 'image' && r.tier === 'fast');
  const video = report.rows.find((r) => r.media === 'video' && r.capacity === 'on-demand');
  const breakdown = (r: CostRow | undefined) =>
    r
      ? [
          `| ${r.label} (${r.runsOn}), one item | $ |`,
          '|---|---:|',
          ...r.breakdown.map((l) => `| ${l.what} | ${l.dollars.toExponential(3)} |`),
          `| **total** | **${r.breakdown.reduce((s, l) => s + l.dollars, 0).toExponential(3)}** |`,
        ].join('\n')
      : '';
  return [
    header(report).join(' '),
    '',
    row(HEADERS),
    '|---|---|---:|---:|---:|---|---:|',
    ...report.rows.map((r) => row(cells(r))),
    '',
    targetLine(report),
    '',
    'Measured figures the table was computed from (`bench/measured.json`):',
    '',
    '| figure | value | measured | machine | method |',
    '|---|---:|---|---|---|',
    ...report.figures.map(
      (f) => `| \`${f.key}\` | ${f.value} ${f.unit} | ${f.measured} | ${f.machine} | ${f.method} |`,
    ),
    '',
    'Assumptions (`core/cost/aws-prices.json`, not measured):',
    '',
    '| assumption | value | why |',
    '|---|---|---|',
    ...report.assumptions.map((a) => `| \`${a.name}\` | ${JSON.stringify(a.value)} | ${a.notes} |`),
    '',
    'Breakdowns at p50:',
    '',
    breakdown(headline),
    '',
    breakdown(video),
  ].join('\n');
}
