import { buildCostReport } from '../core/cost/cost-report';
import { formatCostMarkdown } from '../core/cost/format-cost-report';
import { writeBenchSection } from './bench-utils';

/**
 * The cost table `winnow cost` prints, from the figures the other benches recorded in `bench/measured.json` and
 * the price list in `core/cost/aws-prices.json`. Runs last in `npm run bench`, so the section always shows the
 * figures it was computed from.
 */
function main(): void {
  const report = buildCostReport();
  const md = `## Cost per 1,000 items

Method: \`node dist/bench/cost.js\` (part of \`npm run bench\`, after the benches above), the same computation as
\`winnow cost\`. It measures nothing itself: it prices the figures above, as recorded in \`bench/measured.json\`,
with the dated price list \`core/cost/aws-prices.json\`. How each line is computed, and what is assumed rather than
measured, is in [docs/cost.md](docs/cost.md).

${formatCostMarkdown(report)}`;
  const file = writeBenchSection('cost', md);
  process.stdout.write(`${md}\n\nwritten to ${file}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
}
