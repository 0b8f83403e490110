import { parseArgs } from 'node:util';
import type { Logger } from '../../core/logging/logger';
import { buildReport } from '../../core/report/build-report';
import { RunDirError } from '../../core/report/read-run-dir';
import type { CliConfig } from '../cli-config';
import { EXIT, UsageError } from '../usage-error';

export const REPORT_USAGE = `Usage: winnow report <run-dir> [options]

Writes one self-contained HTML report of a scan or eval run directory (verdicts.jsonl, summary.json, eval.json):
decision and category counts with charts, eval metrics and precision-recall curves, a filterable item table, and
evidence cards with the items' text and thumbnails (flagged ones blurred). It opens in any browser from disk and
loads nothing from the network. Prints the report's path.

Options:
  --out FILE            where to write (default <run-dir>/report.html)
  --max-rows N          rows in the item table, flagged items first (default 5000)
  --max-cards N         evidence cards for flagged and errored items (default 500)
  --no-content          do not read the items: no text, thumbnails or media lengths in the cards
  --frame-max-side PX   the scan policy's video.frameMaxSide, to line up boxes on video frames (default 640)
  -h, --help            this text`;

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive whole number, got "${value}"`);
  return n;
}

/** `winnow report <run-dir>`: writes the HTML report and prints its path. */
export async function reportCommand(argv: string[], _config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'max-rows': { type: 'string' },
      'max-cards': { type: 'string' },
      'no-content': { type: 'boolean', default: false },
      'frame-max-side': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${REPORT_USAGE}\n`);
    return EXIT.ok;
  }
  const [runDir, extra] = positionals;
  if (runDir === undefined) throw new UsageError('a run directory is required');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const tableRows = positiveInt('--max-rows', values['max-rows']);
  const flaggedCards = positiveInt('--max-cards', values['max-cards']);
  const frameMaxSide = positiveInt('--frame-max-side', values['frame-max-side']);
  const started = performance.now();
  try {
    const result = await buildReport({
      runDir,
      ...(values.out ? { outFile: values.out } : {}),
      limits: { ...(tableRows ? { tableRows } : {}), ...(flaggedCards ? { flaggedCards } : {}) },
      content: !values['no-content'],
      ...(frameMaxSide ? { frameMaxSide } : {}),
    });
    logger.info('report written', {
      items: result.items,
      cards: result.cards,
      thumbnails: result.thumbnails,
      bytes: result.bytes,
      durationMs: Math.round(performance.now() - started),
    });
    process.stdout.write(`${result.file}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof RunDirError) throw new UsageError(err.message);
    throw err;
  }
}
