import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileUriResolver } from '../../adapters/local';
import { createDefaultDetectors } from '../../core/detectors/registry';
import { loadDataset } from '../../core/eval/datasets/load-dataset';
import { formatEvalReport } from '../../core/eval/format-eval-report';
import { runEval } from '../../core/eval/run-eval';
import { isSplitSelection } from '../../core/eval/split';
import type { Logger } from '../../core/logging/logger';
import { loadPolicy } from '../../core/policy/load-policy';
import type { Verdict } from '../../core/verdict/verdict';
import type { CliConfig } from '../cli-config';
import { localEngine } from '../local-engine';
import { ProgressBar } from '../progress';
import { EXIT, UsageError } from '../usage-error';
import { writeRunOutput } from '../write-run-output';

export const EVAL_USAGE = `Usage: winnow eval <dataset> [options]

Scores labelled data with the same detectors and policy as a scan and prints, per category, support, precision,
recall and F1 at the policy's review threshold (and at block) and AUPRC, then per-language and per-functionality
tables where the data has them. Rows whose label for a category is unknown are left out of that category.

<dataset> is a .jsonl or .jsonl.gz file ({id?, text | uri, labels: {category: 0 | 1 | null}, language?,
functionality?, split?} per line), a folder or file of one of the public sets, or one of their names, which are
read from the shared data folder (../shared/data beside the install, or $WINNOW_SHARED_DIR/data):
openai-moderation, davidson, multilingual-hatecheck. See docs/evaluation.md.

Options:
  --policy FILE        policy file (default: $WINNOW_POLICY, else the bundled policy)
  --split NAME         test (default), validation, train or all
  --limit N            at most N rows of the split (a deterministic sample)
  --concurrency N      rows moderated at once (default 8)
  --root DIR           a directory whose files uri rows may name (repeatable; default: the dataset's folder)
  --out DIR            also write eval.json (with PR curves), verdicts.jsonl and summary.json there
  --json               print one JSON object instead of the tables
  -h, --help           this text`;

/** `winnow eval`: labelled data through the engine, metrics per category. */
export async function evalCommand(argv: string[], config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      split: { type: 'string', default: 'test' },
      limit: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      root: { type: 'string', multiple: true },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return EXIT.ok;
  }
  const [datasetArg, extra] = positionals;
  if (datasetArg === undefined) throw new UsageError('eval needs a dataset');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const split = values.split;
  if (!isSplitSelection(split))
    throw new UsageError(`--split must be test, validation, train or all, got "${split}"`);
  const limit =
    values.limit === undefined ? undefined : positiveInt('--limit', values.limit, Number.MAX_SAFE_INTEGER);
  const concurrency = positiveInt('--concurrency', values.concurrency, 256);

  const policy = loadPolicy(values.policy ?? config.policyFile);
  const dataset = await loadDataset(datasetArg);
  // Every score of the text classifier, not only those that reach review: the metrics rank items by score.
  const { fast } = localEngine({
    policy,
    detectors: createDefaultDetectors(undefined, { allTextScores: true }),
    logger,
  });
  const roots = (values.root ?? [dirname(resolve(datasetArg)), process.cwd()]).map((r) => resolve(r));
  const verdicts: Verdict[] = [];
  const started = performance.now();
  const bar = new ProgressBar<{ done: number; total: number }>(({ done, total }) => {
    const rate = done / Math.max(1e-3, (performance.now() - started) / 1000);
    return {
      status: `${done}/${total} rows · ${rate.toFixed(0)} rows/s`,
      fraction: total > 0 ? done / total : 0,
    };
  });
  const runId = `eval-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const report = await runEval(dataset, {
    engine: fast,
    policy,
    split,
    limit,
    concurrency,
    resolver: new FileUriResolver({ roots }),
    curves: values.out !== undefined,
    runId,
    onProgress: (done, total) => bar.update({ done, total }),
    onVerdict: values.out === undefined ? undefined : (v) => verdicts.push(v),
  });
  bar.finish();
  const elapsedMs = performance.now() - started;
  logger.info('eval done', {
    dataset: dataset.name,
    split,
    rows: report.rows,
    elapsedMs: Math.round(elapsedMs),
  });

  if (values.out !== undefined) {
    const outDir = resolve(values.out);
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'eval.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeRunOutput(
      outDir,
      (async function* () {
        yield* verdicts;
      })(),
      {
        runId,
        resumed: false,
        complete: true,
        listed: verdicts.length,
        processed: verdicts.length,
        deadLettered: 0,
        elapsedMs,
      },
    );
  }
  const printed = {
    ...report,
    categories: Object.fromEntries(
      Object.entries(report.categories).map(([id, { curve: _curve, ...c }]) => [id, c]),
    ),
  };
  process.stdout.write(values.json ? `${JSON.stringify(printed)}\n` : formatEvalReport(report));
  if (!values.json)
    process.stdout.write(
      `Scored in ${(elapsedMs / 1000).toFixed(1)} s.${values.out ? ` Output: ${resolve(values.out)}` : ''}\n`,
    );
  return EXIT.ok;
}

function positiveInt(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}
