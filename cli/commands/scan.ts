import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FsObjectStore, openStateDir } from '../../adapters/local';
import { createDefaultDetectors } from '../../core/detectors/registry';
import type { Logger } from '../../core/logging/logger';
import {
  runBatchScan,
  type ScanJob,
  type ScanSource,
  scanQueueName,
  scanRunKey,
} from '../../core/pipeline/batch-scan';
import { ModerationEngine } from '../../core/pipeline/moderation-engine';
import { loadPolicy } from '../../core/policy/load-policy';
import type { CliConfig } from '../cli-config';
import { ProgressBar } from '../progress';
import { formatSummary, SummaryBuilder } from '../run-summary';
import { EXIT, UsageError } from '../usage-error';

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
  const bar = new ProgressBar();
  try {
    const engine = new ModerationEngine({
      policy,
      tier: 'fast',
      detectors: createDefaultDetectors(),
      cache: state.cache,
      logger,
    });
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

    const summary = new SummaryBuilder(result.runId);
    const outFile = resolve(outDir, 'verdicts.jsonl');
    await mkdir(outDir, { recursive: true });
    let failOnMet = false;
    const tmp = `${outFile}.${process.pid}.tmp`;
    const out = createWriteStream(tmp);
    let cursor: string | undefined;
    do {
      const page = await state.verdicts.query({ runId: result.runId }, { cursor, limit: 500 });
      for (const v of page.verdicts) {
        summary.add(v);
        if (failOn && (v.decision === 'block' || (failOn === 'review' && v.decision === 'review')))
          failOnMet = true;
        if (!out.write(`${JSON.stringify(v)}\n`))
          await new Promise<void>((r) => out.once('drain', () => r()));
      }
      cursor = page.cursor;
    } while (cursor);
    await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
    await rename(tmp, outFile);

    const s = summary.finish(result.elapsedMs, result.processed);
    await writeFile(
      resolve(outDir, 'summary.json'),
      `${JSON.stringify({ ...s, resumed: result.resumed, deadLettered: result.deadLettered }, null, 2)}\n`,
    );
    if (values.json) process.stdout.write(`${JSON.stringify(s)}\n`);
    else if (!values.quiet) process.stdout.write(`${formatSummary(s, outFile)}\n`);
    return failOnMet ? EXIT.failOn : EXIT.ok;
  } finally {
    bar.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    state.close();
  }
}

/**
 * Turns command-line paths into scan sources: a directory is listed; anything else is one item. Winnow's own state
 * and output folders are left out when they sit inside a scanned directory, so a scan never moderates itself.
 */
async function resolveSources(paths: readonly string[], ownDirs: readonly string[]): Promise<ScanSource[]> {
  const sources: ScanSource[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    let isDir = false;
    try {
      const st = await lstat(abs);
      isDir = st.isDirectory() || (st.isSymbolicLink() && (await isDirectoryTarget(abs)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UsageError(`no such file or directory: ${p}`);
      throw new UsageError(`cannot access ${p}: ${(err as Error).message}`);
    }
    const id = pathToFileURL(abs).href;
    if (seen.has(id)) continue;
    seen.add(id);
    const excludePrefixes = ownDirs
      .map((d) => relative(abs, d))
      .filter((r) => r !== '' && !r.startsWith('..') && !isAbsolute(r))
      .map((r) => `${r.split(sep).join('/')}/`);
    sources.push(
      isDir
        ? { id, store: new FsObjectStore(abs), excludePrefixes }
        : { id, store: new FsObjectStore(dirname(abs)), keys: [basename(abs)] },
    );
  }
  return sources;
}

async function isDirectoryTarget(abs: string): Promise<boolean> {
  try {
    const { stat } = await import('node:fs/promises');
    return (await stat(abs)).isDirectory();
  } catch {
    return false;
  }
}
