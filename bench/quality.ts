import { existsSync } from 'node:fs';
import { localEngine } from '../cli/local-engine';
import { createDefaultDetectors } from '../core/detectors/registry';
import { loadDataset } from '../core/eval/datasets/load-dataset';
import { sharedDataDir, sharedDatasetPath } from '../core/eval/datasets/shared-data';
import type { EvalReport } from '../core/eval/eval-report';
import { runEval } from '../core/eval/run-eval';
import { silentLogger } from '../core/logging/logger';
import { loadPolicy } from '../core/policy/load-policy';
import type { Policy } from '../core/policy/policy';
import { machineLine, writeBenchSection } from './bench-utils';

/** The classifier detector's id; the rules-only configuration disables it. */
const CLASSIFIER_ID = 'text-classifier';
/** The issue's target: macro AUPRC on the OpenAI set's test split, over the categories it labels. */
const TARGET_AUPRC = 0.75;
const DATASETS = ['openai-moderation', 'davidson', 'multilingual-hatecheck'] as const;

interface Run {
  readonly report: EvalReport;
  readonly seconds: number;
}

/** Evaluates one set's test split under a policy through the same engine as `winnow scan` and `winnow eval`. */
async function evaluate(name: string, policy: Policy): Promise<Run> {
  const dataset = await loadDataset(name);
  const { fast } = localEngine({
    policy,
    detectors: createDefaultDetectors(undefined, { allTextScores: true }),
    logger: silentLogger,
  });
  // A few rows first, so the timing leaves out loading the models.
  await runEval(dataset, { engine: fast, policy, split: 'test', limit: 20 });
  const started = performance.now();
  const report = await runEval(dataset, { engine: fast, policy, split: 'test', concurrency: 8 });
  return { report, seconds: (performance.now() - started) / 1000 };
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

function table(rules: EvalReport, both: EvalReport): string {
  const lines = [
    '| category | support | negatives | rules P | rules R | rules F1 | rules AUPRC | + classifier P | + classifier R | + classifier F1 | + classifier AUPRC |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [id, r] of Object.entries(rules.categories)) {
    const b = both.categories[id];
    lines.push(
      `| ${id} | ${r.support} | ${r.negatives} | ${f3(r.precision)} | ${f3(r.recall)} | ${f3(r.f1)} | ${f3(r.auprc)} | ${f3(b?.precision)} | ${f3(b?.recall)} | ${f3(b?.f1)} | ${f3(b?.auprc)} |`,
    );
  }
  const m = rules.macro;
  const n = both.macro;
  lines.push(
    `| **macro** (${m.categories}) | | | ${f3(m.precision)} | ${f3(m.recall)} | ${f3(m.f1)} | **${f3(m.auprc)}** | ${f3(n.precision)} | ${f3(n.recall)} | ${f3(n.f1)} | **${f3(n.auprc)}** |`,
  );
  return lines.join('\n');
}

/**
 * Quality on the held-out test splits of the three shared sets: the rule-based text detectors alone (the policy
 * with `text-classifier` disabled) against the default detectors (rules plus the classifier). Skips with a notice
 * when the shared data is absent.
 */
async function main(): Promise<void> {
  const dataDir = sharedDataDir();
  const missing = DATASETS.filter((d) => !existsSync(sharedDatasetPath(d, dataDir) as string));
  if (missing.length > 0) {
    process.stdout.write(`quality bench skipped: ${missing.join(', ')} not found under ${dataDir}\n`);
    return;
  }
  const withClassifier = loadPolicy();
  const rulesOnly: Policy = {
    ...withClassifier,
    disabledDetectors: [...new Set([...withClassifier.disabledDetectors, CLASSIFIER_ID])],
  };
  const classifierPresent = createDefaultDetectors().some((d) => d.id === CLASSIFIER_ID);
  const sections: string[] = [];
  let openAi: { rules: EvalReport; both: EvalReport } | undefined;
  const timings: string[] = [];
  for (const name of DATASETS) {
    const rules = await evaluate(name, rulesOnly);
    const both = await evaluate(name, withClassifier);
    if (name === 'openai-moderation') openAi = { rules: rules.report, both: both.report };
    const errors = rules.report.errors.count + both.report.errors.count;
    sections.push(
      `### ${name} (test split, ${rules.report.rows.toLocaleString('en-US')} rows${errors > 0 ? `, ${errors} error verdicts left out` : ''})\n\n${table(rules.report, both.report)}`,
    );
    timings.push(
      `${name}: ${(rules.report.rows / rules.seconds).toFixed(0)} rows/s rules only, ${(both.report.rows / both.seconds).toFixed(0)} rows/s with the classifier`,
    );
    process.stdout.write(`${name}: done\n`);
  }
  const target = openAi?.both.macro.auprc ?? 0;
  const verdict =
    target >= TARGET_AUPRC
      ? `**met**: ${f3(target)} ≥ ${TARGET_AUPRC}`
      : `**not met**: ${f3(target)} against ${TARGET_AUPRC} (rules only: ${f3(openAi?.rules.macro.auprc)})`;
  const md = `## Text quality: rules only against rules plus the classifier

Method: \`npm run bench\` (\`bench/quality.ts\`) runs \`winnow eval\`'s code (\`core/eval/run-eval.ts\`) on the
held-out **test** split (15%, \`core/eval/split.ts\`) of each shared set, through the same fast-tier engine and
default policy as \`winnow scan\`. "Rules" is the default policy with \`disabledDetectors: [${CLASSIFIER_ID}]\`;
"+ classifier" is the default policy as shipped${classifierPresent ? '' : ' (no `text-classifier` detector is registered yet, so both columns are the same)'}.
P, R and F1 are at the policy's review threshold; AUPRC is average precision (\`docs/evaluation.md\`). Macro means are
over the categories with positives. Label mappings and caveats are in \`docs/evaluation.md\`: the OpenAI set's
missing labels are left out per category, Davidson's labels carry a documented dialect bias, and Multilingual
HateCheck is a functional diagnostic, not a sample of traffic. Positive counts on the OpenAI test split are small
(see support), so its rates move by several points with a few rows.

Target: macro AUPRC ≥ ${TARGET_AUPRC} on the OpenAI moderation test split, rules plus the classifier: ${verdict}.

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}. Throughput (one process, 8 rows in
flight, models loaded): ${timings.join('; ')}.

${sections.join('\n\n')}`;
  const file = writeBenchSection('quality', md);
  process.stdout.write(`${md}\n\nwritten to ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
