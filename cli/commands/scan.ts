import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStateDir } from '../../adapters/local';
import { createDefaultDetectors } from '../../core/detectors/registry';
import type { Logger } from '../../core/logging/logger';
import { runBatchScan, type ScanJob, scanQueueName, scanRunKey } from '../../core/pipeline/batch-scan';
import { loadPolicy } from '../../core/policy/load-policy';
import { iterateVerdicts } from '../../core/verdict/iterate-verdicts';
import type { CliConfig } from '../cli-config';
import { localBankMatcher } from '../local-banks';
import { localEngine } from '../local-engine';
import { ProgressBar, scanProgressView } from '../progress';
import { resolveSources } from '../resolve-sources';
import { formatSummary } from '../summary-table';
import { EXIT, UsageError } from '../usage-error';
import { writeRunOutput } from '../write-run-output';

export const SCAN_USAGE = `Usage: winnow scan <path...> [options]

Moderates every file under the given files and directories and writes one verdict per file.

Options:
  --out DIR            where verdicts.jsonl and summary.json go (default ./winnow-out)
  --policy FILE        policy file (YAML or JSON; default: the bundled policy)
  --concurrency N      items moderated at once (default 4)
  --fail-on LEVEL      exit 1 when any item is at LEVEL or worse: review or block
  --state-dir DIR      local state: queue, verdict store, cache (default .winnow, or $WINNOW_STATE_DIR)
  --json               print the summary as JSON instead of a table
  --quiet              no progress bar and no summary
  -h, --help           this text

A killed scan resumes when the same command is run again.`;

const MAX_RECEIVES = 3;

/** `winnow scan`: parses flags, wires the local adapters to the core batch scan, writes the results. */
export async function scanCommand(argv: string[], config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'winnow-out' },
      policy: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      'fail-on': { type: 'string' },
      'state-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${SCAN_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('scan needs at least one file or directory');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 256, got "${values.concurrency}"`);
  }
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'review' && failOn !== 'block') {
    throw new UsageError(`--fail-on must be "review" or "block", got "${failOn}"`);
  }

  const policy = loadPolicy(values.policy ?? config.policyFile);
  const stateDir = values['state-dir'] ? resolve(values['state-dir']) : config.stateDir;
  const outDir = resolve(values.out);
  const sources = await resolveSources(positionals, [stateDir, outDir]);
  const state = await openStateDir(stateDir, { exclusive: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = new ProgressBar(scanProgressView);
  try {
    const detectors = createDefaultDetectors(undefined, { banks: localBankMatcher(state) });
    const engine = localEngine({ policy, detectors, cache: state.cache, logger }).fast;
    await engine.warmUp();
    const queue = state.queue<ScanJob>(scanQueueName(scanRunKey(sources, engine)), {
      maxReceives: MAX_RECEIVES,
    });
    // This process holds the state dir exclusively, so anything in flight belongs to a run that died.
    const released = queue.releaseInFlight();
    if (released > 0) logger.warn('released jobs of an interrupted run', { jobs: released });

    const result = await runBatchScan({
      sources,
      engine,
      queue,
      verdicts: state.verdicts,
      runs: state,
      concurrency,
      maxReceives: MAX_RECEIVES,
      logger,
      signal: abort.signal,
      onProgress: values.quiet ? undefined : (p) => bar.update(p),
    });
    bar.finish();
    if (!result.complete) {
      process.stderr.write(
        `winnow: scan stopped; run the same command again to resume run ${result.runId}.\n`,
      );
      return EXIT.interrupted;
    }

    const output = await writeRunOutput(
      resolve(values.out),
      iterateVerdicts(state.verdicts, { runId: result.runId }),
      result,
      failOn,
    );
    if (values.json) process.stdout.write(`${JSON.stringify(output.summary)}\n`);
    else if (!values.quiet) process.stdout.write(`${formatSummary(output.summary, output.verdictsFile)}\n`);
    return output.failOnMet ? EXIT.failOn : EXIT.ok;
  } finally {
    bar.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    state.close();
  }
}
