import { CATEGORY_DECISIONS } from '../verdict/verdict';
import { type ConfusionTable, ITEM_DECISIONS } from './confusion-table';
import type { ShadowReport } from './shadow-run';

/** Changed items listed in the Markdown report; the JSON report has them all. */
const CHANGES_SHOWN = 50;

/** The shadow report as Markdown: totals, the decision and per-category confusion tables, changes and cost. */
export function formatShadowReport(report: ShadowReport): string {
  const t = report.totals;
  const live = report.live ? `${report.live.id} ${report.live.version}` : '(none found)';
  const lines: string[] = [
    `# Shadow run ${report.runId}`,
    '',
    `Live policy: ${live}. Candidate: ${report.candidate.id} ${report.candidate.version}. ` +
      `Sample: ${t.sampled} of ${report.populationSize} items (seed ${report.seed}). Nothing was acted on.`,
    '',
    '## Totals',
    '',
    '| compared | same decision | changed | re-decided (no model run) | re-scored | failed |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${t.compared} | ${t.sameDecision} | ${t.changedDecision} | ${t.redecided} | ${t.rescored} | ${t.failed} |`,
    '',
    '## Decisions (rows: live, columns: candidate)',
    '',
    ...table(report.decisions, ITEM_DECISIONS),
    '',
    '## Per category (rows: live, columns: candidate)',
  ];
  const quiet: string[] = [];
  for (const [id, categoryTable] of Object.entries(report.categories)) {
    const flagged = CATEGORY_DECISIONS.some((row) =>
      CATEGORY_DECISIONS.some((col) => (row !== 'allow' || col !== 'allow') && categoryTable[row][col] > 0),
    );
    if (flagged) lines.push('', `### ${id}`, '', ...table(categoryTable, CATEGORY_DECISIONS));
    else quiet.push(id);
  }
  if (quiet.length > 0) {
    lines.push('', `No sampled item reached review or block on either side in: ${quiet.join(', ')}.`);
  }
  lines.push('', `## Changed decisions (${report.changes.length})`, '');
  if (report.changes.length === 0) lines.push('None.');
  else {
    lines.push('| item | live | candidate | top category | how |', '|---|---|---|---|---|');
    for (const c of report.changes.slice(0, CHANGES_SHOWN)) {
      const top = c.topCategory ? `${c.topCategory.id} ${c.topCategory.score.toFixed(2)}` : '-';
      lines.push(`| ${escapeCell(c.uri)} | ${c.live} | ${c.candidate} | ${top} | ${c.via} |`);
    }
    if (report.changes.length > CHANGES_SHOWN) {
      lines.push('', `${report.changes.length - CHANGES_SHOWN} more in the JSON report.`);
    }
  }
  lines.push(
    '',
    '## Cost per 1,000 items',
    '',
    '| live | candidate |',
    '|---:|---:|',
    `| ${dollars(report.cost.livePer1000)} | ${dollars(report.cost.candidatePer1000)} |`,
    '',
    `Prices: ${report.cost.pricesVersion}. This shadow run's scoring: ${dollars(report.cost.shadowRun)}.`,
  );
  return `${lines.join('\n')}\n`;
}

function table<D extends string>(counts: ConfusionTable<D>, labels: readonly D[]): string[] {
  return [
    `| live \\ candidate | ${labels.join(' | ')} |`,
    `|---|${labels.map(() => '---:').join('|')}|`,
    ...labels.map((row) => `| ${row} | ${labels.map((col) => counts[row][col]).join(' | ')} |`),
  ];
}

function dollars(n: number): string {
  return `$${n.toFixed(n > 0 && n < 0.01 ? 6 : 4)}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
