import type { CalibrationReport } from './run-calibration';
import { rate, textTable } from './text-table';

/** The calibration report as plain text: thresholds before and after, and the held-out operating points. */
export function formatCalibration(report: CalibrationReport): string {
  const t = report.target;
  const out = [
    `Calibration of policy ${report.policy.id} ${report.policy.version} on ${report.dataset} for ${t.metric} ${t.value} at the review threshold.`,
    `Thresholds were fitted on the ${report.fitSplit} split (${report.rows.fit} rows); the operating points below are on the ${report.heldSplit} split (${report.rows.held} rows), which was not used to fit them.`,
    '',
  ];
  const rows = report.categories.map((c) => {
    const b = c.held.before.review;
    const a = c.held.after.review;
    return [
      c.id,
      `${c.before.review}/${c.before.block}`,
      c.status === 'calibrated' ? `${fmt(c.after.review)}/${fmt(c.after.block)}` : 'kept',
      String(c.fitPositives),
      String(c.held.positives),
      rate(b.precision),
      rate(b.recall),
      rate(a.precision),
      rate(a.recall),
      rate(c.held.after.block.precision),
      rate(c.held.after.block.recall),
    ];
  });
  out.push(
    textTable(
      [
        { header: 'category' },
        { header: 'old review/block' },
        { header: 'new review/block' },
        { header: `${report.fitSplit} pos`, right: true },
        { header: `${report.heldSplit} pos`, right: true },
        { header: 'P old', right: true },
        { header: 'R old', right: true },
        { header: 'P new', right: true },
        { header: 'R new', right: true },
        { header: 'P@block new', right: true },
        { header: 'R@block new', right: true },
      ],
      rows,
    ),
  );
  const notes = report.categories.filter((c) => c.note);
  if (notes.length > 0) out.push('', ...notes.map((c) => `${c.id}: ${c.note}; thresholds kept.`));
  return `${out.join('\n')}\n`;
}

function fmt(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
