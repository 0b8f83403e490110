import { WinnowError } from '../core/errors';
import { createLogger } from '../core/logging/logger';
import { readCliConfig } from './cli-config';
import { BACKFILL_USAGE, backfillCommand } from './commands/backfill';
import { COST_USAGE, costCommand } from './commands/cost';
import { SCAN_USAGE, scanCommand } from './commands/scan';
import { SHADOW_USAGE, shadowCommand } from './commands/shadow';
import { SWEEP_USAGE, sweepCommand } from './commands/sweep';
import { VERDICTS_USAGE, verdictsCommand } from './commands/verdicts';
import { EXIT, UsageError } from './usage-error';

const USAGE = `Usage: winnow <command> [options]

Commands:
  scan <path...>   moderate files and directories, write verdicts.jsonl
  backfill <src>   moderate an archive (a directory or s3://bucket/prefix): resumable, deduplicated, cost-capped
  sweep            re-check stored verdicts after a policy or model change, or sample under a budget
  shadow           run a candidate policy next to the live one over a sample and report the differences
  cost             dollars per 1,000 items by media type and tier, from measured latencies and AWS prices
  verdicts         query stored verdicts

Run "winnow <command> --help" for a command's options.`;

/** Entry point of the `winnow` command. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let usage = USAGE;
  try {
    const config = readCliConfig();
    const logger = createLogger({ level: config.logLevel, base: { app: 'winnow-cli' } });
    switch (command) {
      case 'scan':
        usage = SCAN_USAGE;
        return await scanCommand(rest, config, logger);
      case 'backfill':
        usage = BACKFILL_USAGE;
        return await backfillCommand(rest, config, logger);
      case 'sweep':
        usage = SWEEP_USAGE;
        return await sweepCommand(rest, config, logger);
      case 'shadow':
        usage = SHADOW_USAGE;
        return await shadowCommand(rest, config, logger);
      case 'cost':
        usage = COST_USAGE;
        return await costCommand(rest, config, logger);
      case 'verdicts':
        usage = VERDICTS_USAGE;
        return await verdictsCommand(rest, config);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
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
