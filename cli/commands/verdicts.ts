import { parseArgs } from 'node:util';
import { openStateDir } from '../../adapters/local';
import type { VerdictQuery } from '../../core/ports/verdict-store';
import { iterateVerdicts } from '../../core/verdict/iterate-verdicts';
import { DecisionSchema } from '../../core/verdict/verdict';
import type { CliConfig } from '../cli-config';
import { EXIT, UsageError } from '../usage-error';

export const VERDICTS_USAGE = `Usage: winnow verdicts [options]

Prints stored verdicts as JSON lines, filtered.

Options:
  --decision D      allow, review, block or error
  --category C      a category that put the item in review or block (e.g. hate, pii)
  --run ID          only verdicts of this scan run
  --limit N         at most N verdicts
  --state-dir DIR   local state (default .winnow, or $WINNOW_STATE_DIR)
  -h, --help        this text`;

/** `winnow verdicts`: queries the local verdict store. */
export async function verdictsCommand(argv: string[], config: CliConfig): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      decision: { type: 'string' },
      category: { type: 'string' },
      run: { type: 'string' },
      limit: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${VERDICTS_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const decision = values.decision === undefined ? undefined : DecisionSchema.safeParse(values.decision);
  if (decision && !decision.success) {
    throw new UsageError(`--decision must be one of allow, review, block, error; got "${values.decision}"`);
  }
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  if (!(limit > 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
    throw new UsageError(`--limit must be a positive whole number, got "${values.limit}"`);
  }
  const filter: VerdictQuery = {
    ...(decision?.success ? { decision: decision.data } : {}),
    ...(values.category ? { category: values.category } : {}),
    ...(values.run ? { runId: values.run } : {}),
  };
  const state = await openStateDir(values['state-dir'] ?? config.stateDir, { exclusive: false });
  try {
    let printed = 0;
    for await (const v of iterateVerdicts(state.verdicts, filter)) {
      if (printed >= limit) break;
      process.stdout.write(`${JSON.stringify(v)}\n`);
      printed++;
    }
    return EXIT.ok;
  } finally {
    state.close();
  }
}
