import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileUriResolver, FsObjectStore, openStateDir, type StateDir } from '../../adapters/local';
import { mediaKindOfKey } from '../../core/backfill/backfill-filter';
import { createCostModel } from '../../core/cost/measured-cost-model';
import type { Detector } from '../../core/detectors/detector';
import { createDefaultDetectors } from '../../core/detectors/registry';
import type { Logger } from '../../core/logging/logger';
import { ModerationEngine } from '../../core/pipeline/moderation-engine';
import { loadPolicy } from '../../core/policy/load-policy';
import type { Policy } from '../../core/policy/policy';
import type { SamplingOption } from '../../core/sweep/choose-sampling-plan';
import { iterateLatestVerdicts } from '../../core/sweep/latest-verdicts';
import { type RescanSweepResult, runRescanSweep } from '../../core/sweep/rescan-sweep';
import {
  runSamplingSweep,
  type SampleCandidate,
  type SamplingSweepResult,
} from '../../core/sweep/sampling-sweep';
import { type ChangeSink, changeSummary } from '../../core/sweep/verdict-change';
import type { CliConfig } from '../cli-config';
import { localBankMatcher } from '../local-banks';
import { localEngine } from '../local-engine';
import { EXIT, UsageError } from '../usage-error';

export const SWEEP_USAGE = `Usage: winnow sweep --policy FILE [options]             re-scan sweep
       winnow sweep --budget DOLLARS [options]           budgeted sampling sweep

Re-scan sweep: moves the latest stored verdict of every item to the given policy and the installed detectors.
A verdict whose scores still hold (only thresholds, actions or categories changed) is re-decided from its stored
signals without reading the item or running a model; one whose detectors, models or score-affecting settings
changed is scored again. Items already under the policy are skipped, so a stopped sweep resumes when run again.

Budgeted sampling sweep: chooses the sample size, model tier and video frame rate that fit DOLLARS per run
(estimated with the cost model), draws a seeded sample and scores it, and says what it chose and why. Its
verdicts go to the output folder, not to the verdict store.

Only items whose decision changed are listed in changes.jsonl: those are the ones to act on or review.

Options:
  --policy FILE        the policy to sweep to (default: $WINNOW_POLICY, else the bundled policy)
  --dry-run            classify, choose and count only: nothing is scored, written or listed as changed
  --budget DOLLARS     sampling sweep: dollars per run
  --sample-from DIR    sampling sweep: draw from the files under DIR (default: the items with stored verdicts)
  --seed S             sampling sweep: seed of the draw (default 1); the same seed draws the same items
  --min-sample N       sampling sweep: the sample an option must afford to be chosen for accuracy (default 100)
  --root DIR           a directory whose files may be read to score items again (repeatable; default: the
                       current directory, or --sample-from)
  --concurrency N      items scored again at once (default 2)
  --out DIR            where changes.jsonl, sweep.json and sample-verdicts.jsonl go (default ./winnow-out/sweep)
  --state-dir DIR      local state: verdict store, cache (default .winnow, or $WINNOW_STATE_DIR)
  --json               print the result as one JSON object
  -h, --help           this text`;

/** `winnow sweep`: the re-scan sweep, or with `--budget` the budgeted sampling sweep, on the local state dir. */
export async function sweepCommand(argv: string[], config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      budget: { type: 'string' },
      'sample-from': { type: 'string' },
      seed: { type: 'string', default: '1' },
      'min-sample': { type: 'string', default: '100' },
      root: { type: 'string', multiple: true },
      concurrency: { type: 'string', default: '2' },
      out: { type: 'string', default: join('winnow-out', 'sweep') },
      'state-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${SWEEP_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const concurrency = wholeNumber(values.concurrency, '--concurrency', 1, 64);
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (budget !== undefined && !(Number.isFinite(budget) && budget >= 0)) {
    throw new UsageError(`--budget must be a number of dollars, got "${values.budget}"`);
  }
  if (budget === undefined && values['sample-from'] !== undefined) {
    throw new UsageError('--sample-from needs --budget');
  }
  const minSample = wholeNumber(values['min-sample'], '--min-sample', 1, 10_000_000);

  const policy = loadPolicy(values.policy ?? config.policyFile);
  const stateDir = values['state-dir'] ? resolve(values['state-dir']) : config.stateDir;
  const outDir = resolve(values.out);
  const sampleFrom = values['sample-from'] ? resolve(values['sample-from']) : undefined;
  const roots = (values.root ?? [sampleFrom ?? process.cwd()]).map((r) => resolve(r));
  const costModel = createCostModel();
  const state = await openStateDir(stateDir, { exclusive: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await mkdir(outDir, { recursive: true });
    const changesFile = join(outDir, 'changes.jsonl');
    const detectors = createDefaultDetectors(undefined, { banks: localBankMatcher(state) });
    const resolver = new FileUriResolver({ roots });
    const common = { logger, signal: abort.signal };

    if (budget !== undefined) {
      const samplesFile = join(outDir, 'sample-verdicts.jsonl');
      if (!values['dry-run']) await writeFile(samplesFile, '');
      const runId = `sample-${runStamp()}`;
      const result = await runSamplingSweep({
        ...common,
        runId,
        population: sampleFrom
          ? () => listDir(sampleFrom, [stateDir, outDir])
          : () => storedPopulation(state),
        budget,
        seed: values.seed,
        minSample,
        baseFps: policy.video.fps,
        costModel,
        engineFor: (option) => samplingEngine(policy, option, detectors, state, logger),
        resolver,
        verdicts: state.verdicts,
        dryRun: values['dry-run'],
        onVerdict: async (v) => {
          await appendFile(samplesFile, `${JSON.stringify(v)}\n`);
        },
        onChange: changeWriter(changesFile, runId),
      });
      await writeFile(join(outDir, 'sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : formatSampling(result, outDir));
      return result.complete ? EXIT.ok : EXIT.interrupted;
    }

    const engine = localEngine({ policy, detectors, cache: state.cache, logger }).fast;
    const runId = `sweep-${runStamp()}`;
    const result = await runRescanSweep({
      ...common,
      verdicts: state.verdicts,
      target: engine,
      engine,
      resolver,
      costModel,
      concurrency,
      dryRun: values['dry-run'],
      onChange: changeWriter(changesFile, runId),
      runId,
    });
    await writeFile(join(outDir, 'sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : formatRescan(result, outDir));
    return result.complete ? EXIT.ok : EXIT.interrupted;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    state.close();
  }
}

/** Appends each change to `changes.jsonl` as one content-free line. */
function changeWriter(file: string, runId: string): ChangeSink {
  return async (change) => {
    await appendFile(file, `${JSON.stringify({ runId, ...changeSummary(change) })}\n`);
  };
}

/** A run id suffix: sortable by time, distinct per process. */
function runStamp(): string {
  return `${Date.now().toString(36)}-${process.pid}`;
}

/** The items with stored verdicts, as sampling candidates. */
async function* storedPopulation(state: StateDir): AsyncGenerator<SampleCandidate> {
  for await (const v of iterateLatestVerdicts(state.verdicts)) {
    yield { uri: v.item.uri, media: v.item.media, bytes: v.item.bytes };
  }
}

/** The files under a directory, leaving out Winnow's own state and output folders. */
async function* listDir(dir: string, ownDirs: readonly string[]): AsyncGenerator<SampleCandidate> {
  const store = new FsObjectStore(dir);
  const own = ownDirs.map((d) => `${resolve(d)}/`);
  let cursor: string | undefined;
  do {
    const page = await store.list({ cursor });
    for (const o of page.items) {
      const uri = store.uriFor(o.key);
      if (own.some((d) => `${resolve(dir, o.key)}/`.startsWith(d))) continue;
      yield { uri, media: mediaKindOfKey(o.key), bytes: o.size };
    }
    cursor = page.cursor;
  } while (cursor);
}

/** An engine scoring text and images in the chosen tier, video with its frame model and frame rate. */
function samplingEngine(
  policy: Policy,
  option: SamplingOption,
  detectors: readonly Detector[],
  state: StateDir,
  logger: Logger,
): ModerationEngine {
  const sampled: Policy = { ...policy, video: { ...policy.video, fps: option.fps, frameModel: option.tier } };
  return new ModerationEngine({
    policy: sampled,
    tier: option.tier,
    tierFor: (media) => (media === 'audio' || media === 'video' ? 'heavy' : option.tier),
    detectors,
    cache: state.cache,
    logger,
  });
}

function formatRescan(r: RescanSweepResult, outDir: string): string {
  const lines = [
    `Sweep ${r.runId} to policy ${r.policy.id} ${r.policy.version}${r.dryRun ? ' (dry run: what it would do)' : ''}`,
    `  examined          ${r.examined}`,
    `  unchanged         ${r.unchanged}`,
    `  re-decided        ${r.redecided} (from stored scores, no model run)`,
    `  re-scored         ${r.rescored}`,
    `  changed decision  ${r.changedDecision}`,
    `  failed            ${r.failed}`,
    `  model runs        ${r.modelRuns}`,
    `  estimated cost    ${dollars(r.estimatedCost)}`,
    ...Object.entries(r.reasons).map(([reason, n]) => `    ${n} × ${reason}`),
    r.dryRun ? '' : `Changes: ${join(outDir, 'changes.jsonl')}`,
  ];
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

function formatSampling(r: SamplingSweepResult, outDir: string): string {
  const p = r.plan;
  const lines = [
    `Sampling sweep ${r.runId}${r.dryRun ? ' (dry run)' : ''}: budget ${dollars(p.budget)}, ${p.populationSize} items`,
    `  chosen: ${p.chosen.sampleSize} items, ${p.chosen.tier} tier, ${p.chosen.fps} fps`,
    `  why: ${p.reason}`,
    `  estimated cost ${dollars(r.estimatedCost)} for ${r.sampled} items drawn`,
    '  options considered:',
    ...p.alternatives.map(
      (a) =>
        `    ${a.tier} tier, ${a.fps} fps: $${a.costPerItem.toPrecision(3)} per item, affords ${a.sampleSize} items`,
    ),
    `  scored ${r.scored}, failed ${r.failed}, changed decision ${r.changedDecision}`,
    r.dryRun
      ? ''
      : `Verdicts: ${join(outDir, 'sample-verdicts.jsonl')}; changes: ${join(outDir, 'changes.jsonl')}`,
  ];
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

function dollars(n: number): string {
  return n > 0 && n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`;
}

function wholeNumber(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}
