import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileUriResolver, openStateDir, SqliteReviewStore } from '../../adapters/local';
import { createDefaultDetectors } from '../../core/detectors/registry';
import type { CalibrationTarget } from '../../core/eval/calibrate';
import { writeCalibratedPolicy } from '../../core/eval/calibrated-policy';
import { loadDataset } from '../../core/eval/datasets/load-dataset';
import { formatCalibration } from '../../core/eval/format-calibration';
import { REVIEWS_DATASET, reviewLabels } from '../../core/eval/review-labels';
import { type CalibrationReport, calibrateOnDataset, calibrateScored } from '../../core/eval/run-calibration';
import type { Logger } from '../../core/logging/logger';
import { defaultPolicyPath, loadPolicy } from '../../core/policy/load-policy';
import type { CliConfig } from '../cli-config';
import { localEngine } from '../local-engine';
import { ProgressBar } from '../progress';
import { EXIT, UsageError } from '../usage-error';

export const CALIBRATE_USAGE = `Usage: winnow calibrate <dataset> --target-precision P | --target-recall R [options]
       winnow calibrate --reviews --target-precision P | --target-recall R [options]

Picks per-category review thresholds that meet a target precision (the highest recall that keeps it) or a target
recall (the highest precision that keeps it), and block thresholds for a stricter precision, then writes a new
policy version with them. Thresholds are fitted on the validation split and the operating points are reported on
the test split, which is never used to fit. Categories with too few positives keep their thresholds.

<dataset> is what winnow eval takes (see winnow eval --help). With --reviews the labels are the review console's
latest decisions (block: the categories are positive, allow: negative), scored by the stored verdicts; they are
fitted on the train and validation splits of the reviewed items and reported on their test split.

Options:
  --target-precision P precision to reach at the review threshold (0 to 1)
  --target-recall R    recall to reach at the review threshold (0 to 1)
  --block-precision Q  precision the block threshold aims for (default: 0.95, or P when higher)
  --min-positives N    fewest positives on the fitting split to calibrate a category (default 10)
  --policy FILE        the policy to start from (default: $WINNOW_POLICY, else the bundled policy)
  --out FILE           where the new policy goes (default ./winnow-out/calibrated-policy.yaml)
  --reviews            take labels from the review decisions in the state dir instead of a dataset
  --state-dir DIR      local state, for --reviews (default .winnow, or $WINNOW_STATE_DIR)
  --concurrency N      rows moderated at once (default 8)
  --json               print the report as one JSON object
  -h, --help           this text`;

/** `winnow calibrate`: thresholds for a target on one split, checked on another, written as a new policy version. */
export async function calibrateCommand(argv: string[], config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'target-precision': { type: 'string' },
      'target-recall': { type: 'string' },
      'block-precision': { type: 'string' },
      'min-positives': { type: 'string', default: '10' },
      policy: { type: 'string' },
      out: { type: 'string', default: join('winnow-out', 'calibrated-policy.yaml') },
      reviews: { type: 'boolean', default: false },
      'state-dir': { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${CALIBRATE_USAGE}\n`);
    return EXIT.ok;
  }
  const target = targetOf(values['target-precision'], values['target-recall']);
  const [datasetArg, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  if (values.reviews === (datasetArg !== undefined)) {
    throw new UsageError('calibrate needs either a dataset or --reviews (not both)');
  }
  const blockPrecision =
    values['block-precision'] === undefined
      ? undefined
      : unit('--block-precision', values['block-precision']);
  const minPositives = wholeNumber('--min-positives', values['min-positives'], 0, 1_000_000);
  const concurrency = wholeNumber('--concurrency', values.concurrency, 1, 256);
  const policyFile = values.policy ?? config.policyFile ?? defaultPolicyPath();
  const policy = loadPolicy(policyFile);
  const settings = { policy, target, minPositives, blockPrecision };

  let report: CalibrationReport;
  if (values.reviews) {
    const stateDir = values['state-dir'] ? resolve(values['state-dir']) : config.stateDir;
    const state = openStateDir(stateDir, { exclusive: false });
    try {
      const labels = await reviewLabels(new SqliteReviewStore(state), state.verdicts);
      if (labels.missingVerdicts > 0) {
        process.stderr.write(
          `winnow: ${labels.missingVerdicts} review decisions left out: their verdicts are not in the store\n`,
        );
      }
      report = calibrateScored(
        REVIEWS_DATASET,
        labels.categories,
        { split: 'train+validation', rows: labels.scored.filter((s) => s.item.split !== 'test') },
        { split: 'test', rows: labels.scored.filter((s) => s.item.split === 'test') },
        settings,
      );
    } finally {
      state.close();
    }
  } else {
    const dataset = await loadDataset(datasetArg as string);
    const { fast } = localEngine({
      policy,
      detectors: createDefaultDetectors(undefined, { allTextScores: true }),
      logger,
    });
    const started = performance.now();
    const bar = new ProgressBar<{ done: number; total: number }>(({ done, total }) => ({
      status: `${done}/${total} rows · ${(done / Math.max(1e-3, (performance.now() - started) / 1000)).toFixed(0)} rows/s`,
      fraction: total > 0 ? done / total : 0,
    }));
    report = await calibrateOnDataset(dataset, {
      ...settings,
      engine: fast,
      resolver: new FileUriResolver({ roots: [dirname(resolve(datasetArg as string)), process.cwd()] }),
      concurrency,
      onProgress: (done, total) => bar.update({ done, total }),
    });
    bar.finish();
  }

  const changed = Object.fromEntries(
    report.categories.filter((c) => c.status === 'calibrated').map((c) => [c.id, c.after]),
  );
  const date = new Date();
  const { text, policy: calibrated } = writeCalibratedPolicy(readFileSync(policyFile, 'utf8'), changed, {
    target: `${target.metric} ${target.value}`,
    dataset: report.dataset,
    fitSplit: report.fitSplit,
    heldSplit: report.heldSplit,
    date,
    kept: report.categories.filter((c) => c.note).map((c) => `${c.id}: ${c.note}`),
  });
  const outFile = resolve(values.out);
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, text);
  const output = {
    ...report,
    calibratedPolicy: { id: calibrated.id, version: calibrated.version, file: outFile },
  };
  process.stdout.write(
    values.json
      ? `${JSON.stringify(output)}\n`
      : `${formatCalibration(report)}\nNew policy ${calibrated.id} ${calibrated.version}: ${outFile}\n`,
  );
  return EXIT.ok;
}

function targetOf(precision: string | undefined, recall: string | undefined): CalibrationTarget {
  if ((precision === undefined) === (recall === undefined)) {
    throw new UsageError('calibrate needs one of --target-precision and --target-recall');
  }
  return precision !== undefined
    ? { metric: 'precision', value: unit('--target-precision', precision) }
    : { metric: 'recall', value: unit('--target-recall', recall as string) };
}

function unit(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) {
    throw new UsageError(`${flag} must be a number above 0 and at most 1, got "${value}"`);
  }
  return n;
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}
