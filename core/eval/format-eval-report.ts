import type { EvalReport } from './eval-report';
import { rate, textTable } from './text-table';

/**
 * The evaluation report as plain text: one row per category (support, unknown rows, precision/recall/F1 at the
 * review threshold, AUPRC, precision/recall at the block threshold), the macro means, then per-language and
 * per-functionality tables when the data has them.
 */
export function formatEvalReport(report: EvalReport): string {
  const errors = report.errors.count === 0 ? 'no errors' : `${report.errors.count} error verdicts (left out)`;
  const out: string[] = [
    `Eval of ${report.dataset}, ${report.split === 'all' ? 'all splits' : `${report.split} split`}: ${report.rows} rows, ${errors}; policy ${report.policy.id} ${report.policy.version}`,
    '',
  ];
  const rows = Object.entries(report.categories).map(([id, c]) => [
    id,
    String(c.support),
    String(c.negatives),
    String(c.unknown),
    rate(c.precision),
    rate(c.recall),
    rate(c.f1),
    rate(c.auprc),
    `${c.thresholds.review}/${c.thresholds.block}`,
    rate(c.block.precision),
    rate(c.block.recall),
  ]);
  const m = report.macro;
  rows.push([
    `macro (${m.categories})`,
    '',
    '',
    '',
    rate(m.precision),
    rate(m.recall),
    rate(m.f1),
    rate(m.auprc),
    '',
    '',
    '',
  ]);
  out.push(
    textTable(
      [
        { header: 'category' },
        { header: 'support', right: true },
        { header: 'negatives', right: true },
        { header: 'unknown', right: true },
        { header: 'precision', right: true },
        { header: 'recall', right: true },
        { header: 'F1', right: true },
        { header: 'AUPRC', right: true },
        { header: 'review/block', right: true },
        { header: 'P@block', right: true },
        { header: 'R@block', right: true },
      ],
      rows,
    ),
  );
  out.push(
    '',
    'Precision, recall and F1 at the review threshold; unknown rows have no label for the category and are left out.',
  );
  if (report.notInPolicy) out.push(`Not in the policy, not evaluated: ${report.notInPolicy.join(', ')}.`);
  const codes = Object.entries(report.errors.codes);
  if (codes.length > 0) out.push(`Error verdicts: ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}.`);

  if (report.languages) {
    const langRows: string[][] = [];
    for (const [language, l] of Object.entries(report.languages))
      for (const [id, c] of Object.entries(l.categories))
        langRows.push([
          language,
          id,
          String(c.support),
          String(c.negatives),
          rate(c.precision),
          rate(c.recall),
          rate(c.f1),
          rate(c.auprc),
        ]);
    out.push(
      '',
      'Per language',
      textTable(
        [
          { header: 'language' },
          { header: 'category' },
          { header: 'support', right: true },
          { header: 'negatives', right: true },
          { header: 'precision', right: true },
          { header: 'recall', right: true },
          { header: 'F1', right: true },
          { header: 'AUPRC', right: true },
        ],
        langRows,
      ),
    );
  }
  if (report.functionalities) {
    const fnRows: string[][] = [];
    for (const [functionality, f] of Object.entries(report.functionalities))
      for (const [id, c] of Object.entries(f.categories))
        fnRows.push([
          functionality,
          id,
          String(c.rows),
          String(c.positives),
          String(c.correct),
          rate(c.accuracy),
        ]);
    out.push(
      '',
      'Per functionality (accuracy at the review threshold)',
      textTable(
        [
          { header: 'functionality' },
          { header: 'category' },
          { header: 'rows', right: true },
          { header: 'positives', right: true },
          { header: 'correct', right: true },
          { header: 'accuracy', right: true },
        ],
        fnRows,
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
