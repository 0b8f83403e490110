import { WinnowError } from '../core/errors';
import { createLogger, type Logger } from '../core/logging/logger';
import { type CliConfig, readCliConfig } from './cli-config';
import { EXIT, UsageError } from './usage-error';

const USAGE = `Usage: winnow <command> [options]

Commands:
  scan <path...>   moderate files and directories, write verdicts.jsonl
  backfill <src>   moderate an archive (a directory or s3://bucket/prefix): resumable, deduplicated, cost-capped
  sweep            re-check stored verdicts after a policy or model change, or sample under a budget
  shadow           run a candidate policy next to the live one over a sample and report the differences
  cost             dollars per 1,000 items by media type and tier, from measured latencies and AWS prices
  hash <file...>   PDQ (with quality), MD5 and SHA-256 of files
  bank             import, list and match hash banks (lists of known content)
  verdicts         query stored verdicts
  eval <dataset>   precision, recall, F1 and AUPRC per category on labelled data
  calibrate        pick per-category thresholds for a target precision or recall; writes a new policy version
  report <run-dir> one self-contained HTML report of a scan or eval run
  review           a local web console for the review queue; decisions are kept in an audit log

Run "winnow <command> --help" for a command's options.`;

/** A command's usage text and its runner. */
interface Command {
  readonly usage: string;
  run(argv: string[], config: CliConfig, logger: Logger): Promise<number>;
}

/** Commands load on demand: `winnow cost` need not load onnxruntime, sharp and ffmpeg wiring to print a table. */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  scan: async () => {
    const m = await import('./commands/scan');
    return { usage: m.SCAN_USAGE, run: m.scanCommand };
  },
  backfill: async () => {
    const m = await import('./commands/backfill');
    return { usage: m.BACKFILL_USAGE, run: m.backfillCommand };
  },
  sweep: async () => {
    const m = await import('./commands/sweep');
    return { usage: m.SWEEP_USAGE, run: m.sweepCommand };
  },
  shadow: async () => {
    const m = await import('./commands/shadow');
    return { usage: m.SHADOW_USAGE, run: m.shadowCommand };
  },
  cost: async () => {
    const m = await import('./commands/cost');
    return { usage: m.COST_USAGE, run: m.costCommand };
  },
  hash: async () => {
    const m = await import('./commands/hash');
    return { usage: m.HASH_USAGE, run: m.hashCommand };
  },
  bank: async () => {
    const m = await import('./commands/bank');
    return { usage: m.BANK_USAGE, run: m.bankCommand };
  },
  verdicts: async () => {
    const m = await import('./commands/verdicts');
    return { usage: m.VERDICTS_USAGE, run: (argv, config) => m.verdictsCommand(argv, config) };
  },
  eval: async () => {
    const m = await import('./commands/eval');
    return { usage: m.EVAL_USAGE, run: m.evalCommand };
  },
  calibrate: async () => {
    const m = await import('./commands/calibrate');
    return { usage: m.CALIBRATE_USAGE, run: m.calibrateCommand };
  },
  report: async () => {
    const m = await import('./commands/report');
    return { usage: m.REPORT_USAGE, run: m.reportCommand };
  },
  review: async () => {
    const m = await import('./commands/review');
    return { usage: m.REVIEW_USAGE, run: m.reviewCommand };
  },
};

/** Entry point of the `winnow` command. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let usage = USAGE;
  try {
    const config = readCliConfig();
    const logger = createLogger({ level: config.logLevel, base: { app: 'winnow-cli' } });
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new UsageError(`unknown command "${command}"`);
    const cmd = await load();
    usage = cmd.usage;
    return await cmd.run(rest, config, logger);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      process.stderr.write(`winnow: ${(err as Error).message}\n\n${usage}\n`);
      return EXIT.usage;
    }
    if (err instanceof WinnowError && (err.code === 'invalid-policy' || err.code === 'invalid-config')) {
      process.stderr.write(`winnow: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`winnow: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.fatal;
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
