import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileUriResolver, FsObjectStore, openStateDir, type StateDir } from '../../adapters/local';
import { createCostModel } from '../../core/cost/measured-cost-model';
import type { Detector } from '../../core/detectors/detector';
import { createDefaultDetectors } from '../../core/detectors/registry';
import type { Logger } from '../../core/logging/logger';
import { ModelRegistry } from '../../core/models/model-registry';
import type { ModerationEngine } from '../../core/pipeline/moderation-engine';
import { loadPolicy } from '../../core/policy/load-policy';
import type { Policy } from '../../core/policy/policy';
import { formatShadowReport } from '../../core/shadow/format-shadow-report';
import { runShadow, type ShadowCandidate } from '../../core/shadow/shadow-run';
import { iterateLatestVerdicts } from '../../core/sweep/latest-verdicts';
import type { CliConfig } from '../cli-config';
import { localEngine } from '../local-engine';
import { EXIT, UsageError } from '../usage-error';

export const SHADOW_USAGE = `Usage: winnow shadow --policy FILE --sample N [DIR] [options]

Runs a candidate policy (and, with --models, candidate models) next to the live one over a seeded sample and
writes a diff report: the items whose decision changes, a confusion table per category (live by candidate),
totals, and the cost per 1,000 items of each. Nothing is written to the verdict store and nothing is acted on.

The sample is drawn from the items with stored verdicts, or with DIR from the files under it (an item without a
stored verdict is scored under the live policy too). Where only thresholds, actions or categories differ, the
candidate decides from the live verdict's stored scores without running a model.

Options:
  --policy FILE        the candidate policy (required)
  --sample N           items to draw (required)
  --seed S             seed of the draw (default 1); the same seed draws the same items
  --models FILE        a model manifest for the candidate's detectors (default: the installed models)
  --live-policy FILE   the live policy (default: $WINNOW_POLICY, else the bundled policy)
  --root DIR           a directory whose files may be read (repeatable; default: DIR, else the current directory)
  --out DIR            where report.md and report.json go (default ./winnow-out/shadow)
  --state-dir DIR      local state (default .winnow, or $WINNOW_STATE_DIR)
  --json               print the JSON report instead of the Markdown one
  -h, --help           this text`;

/** `winnow shadow`: a candidate policy next to the live one over a sample, reported and never acted on. */
export async function shadowCommand(argv: string[], config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      sample: { type: 'string' },
      seed: { type: 'string', default: '1' },
      models: { type: 'string' },
      'live-policy': { type: 'string' },
      root: { type: 'string', multiple: true },
      out: { type: 'string', default: join('winnow-out', 'shadow') },
      'state-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${SHADOW_USAGE}\n`);
    return EXIT.ok;
  }
  if (!values.policy) throw new UsageError('shadow needs --policy (the candidate)');
  if (values.sample === undefined) throw new UsageError('shadow needs --sample N');
  const sampleSize = Number(values.sample);
  if (!Number.isInteger(sampleSize) || sampleSize < 1) {
    throw new UsageError(`--sample must be a positive whole number, got "${values.sample}"`);
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);

  const candidatePolicy = loadPolicy(values.policy);
  const livePolicy = loadPolicy(values['live-policy'] ?? config.policyFile);
  const dir = positionals[0] ? resolve(positionals[0]) : undefined;
  const roots = (values.root ?? [dir ?? process.cwd()]).map((r) => resolve(r));
  const outDir = resolve(values.out);
  const stateDir = values['state-dir'] ? resolve(values['state-dir']) : config.stateDir;
  const state = await openStateDir(stateDir, { exclusive: false });
  try {
    const resolver = new FileUriResolver({ roots });
    const liveEngine = engineFor(livePolicy, createDefaultDetectors(), logger);
    const candidate = engineFor(
      candidatePolicy,
      values.models
        ? createDefaultDetectors(new ModelRegistry({ manifestFile: resolve(values.models), logger }))
        : createDefaultDetectors(),
      logger,
    );
    const report = await runShadow({
      population: dir ? () => listDir(dir, state, [stateDir, outDir]) : () => stored(state),
      sampleSize,
      seed: values.seed,
      livePolicy,
      candidate,
      scoreLive: async (uri) => liveEngine.moderate(await resolver.resolve(uri)),
      resolver,
      costModel: createCostModel(),
      logger,
    });
    const markdown = formatShadowReport(report);
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(outDir, 'report.md'), markdown);
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : markdown);
    return EXIT.ok;
  } finally {
    state.close();
  }
}

/** Scan's two-tier arrangement for one policy, without a content cache: a shadow run writes nothing to the state dir. */
function engineFor(policy: Policy, detectors: readonly Detector[], logger: Logger): ModerationEngine {
  return localEngine({ policy, detectors, logger }).fast;
}

async function* stored(state: StateDir): AsyncGenerator<ShadowCandidate> {
  for await (const live of iterateLatestVerdicts(state.verdicts)) yield { uri: live.item.uri, live };
}

/** The files under a directory with their stored verdicts, leaving out Winnow's own folders. */
async function* listDir(
  dir: string,
  state: StateDir,
  ownDirs: readonly string[],
): AsyncGenerator<ShadowCandidate> {
  const store = new FsObjectStore(dir);
  const own = ownDirs.map((d) => `${resolve(d)}/`);
  let cursor: string | undefined;
  do {
    const page = await store.list({ cursor });
    for (const o of page.items) {
      if (own.some((d) => `${resolve(dir, o.key)}/`.startsWith(d))) continue;
      const uri = store.uriFor(o.key);
      yield { uri, live: await state.verdicts.get(uri) };
    }
    cursor = page.cursor;
  } while (cursor);
}
