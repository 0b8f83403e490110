/**
 * `npm run train:text`: trains the `text-classifier` model (logistic regression over hashed character and word
 * n-grams) on the train split of the public sets, chooses features and hyper-parameters on the validation split,
 * calibrates on validation, reports on the test split, and writes the ONNX file, its manifest entry and the
 * figures of its model card. Needs the shared data folder (see core/eval/datasets/shared-data.ts); prints
 * aggregate figures only, never rows.
 *
 * Flags: `--quick` (a smaller search, for a smoke run), `--no-write` (report only).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  type HashedNgramConfig,
  hashedNgrams,
  type SparseFeatures,
} from '../../core/detectors/text/hashed-ngrams';
import {
  TEXT_CLASSIFIER_LABELS,
  TEXT_CLASSIFIER_MODEL_ID,
  textClassifierOptions,
} from '../../core/detectors/text/text-classifier-options';
import { createProfanityDetector } from '../../core/detectors/text/text-profanity';
import { createRulesDetector } from '../../core/detectors/text/text-rules';
import { loadDataset } from '../../core/eval/datasets/load-dataset';
import type { LabelledItem, Split } from '../../core/eval/labelled-item';
import { silentLogger } from '../../core/logging/logger';
import { sha256Hex } from '../../core/models/model-registry';
import { normalizeText } from '../../core/text/normalize';
import { atThreshold, averagePrecision, meanOf } from './ranking-metrics';
import {
  fromFloat16,
  LINEAR_ONNX_NAMES,
  linearModelToOnnx,
  quantizeInt8,
  toFloat16,
  type WeightStorage,
} from './sparse-linear-onnx';
import {
  type LogisticRegressionModel,
  type LogisticRegressionOptions,
  logits,
  plattScaling,
  type TrainingSet,
  trainLogisticRegression,
} from './sparse-logistic-regression';

const DATASETS = ['openai-moderation', 'davidson', 'multilingual-hatecheck'] as const;
type DatasetName = (typeof DATASETS)[number];
const LABELS = TEXT_CLASSIFIER_LABELS;
const C = LABELS.length;
const TARGET = 'openai-moderation';
/** Review and block thresholds of policies/default.yaml, per category. */
const THRESHOLDS: Record<string, [number, number]> = {
  hate: [0.5, 0.85],
  harassment: [0.5, 0.85],
  violence: [0.5, 0.85],
  'self-harm': [0.4, 0.8],
  sexual: [0.5, 0.85],
};
/** The repository's `models/` folder, found upwards from this file (source or build). */
const MODELS_DIR = findModelsDir(__dirname);
const MODEL_FILE = 'text-classifier-v1.onnx';
const CARD = path.join(MODELS_DIR, 'cards', 'text-classifier.md');
const MANIFEST = path.join(MODELS_DIR, 'manifest.json');

interface Example {
  readonly dataset: DatasetName;
  readonly split: Split;
  readonly text: string;
  /** Normalized text, as the detector sees it. */
  readonly normalized: string;
  /** One label per output: 1, 0 or -1 (unknown). */
  readonly labels: Int8Array;
  readonly language?: string;
  /** Davidson class 1 (offensive language, not hate): a hate negative that is vulgar or insulting. */
  readonly offensive: boolean;
}

interface Candidate {
  readonly name: string;
  readonly features: HashedNgramConfig;
  readonly train: LogisticRegressionOptions;
  /** Weight of each dataset's rows (0 leaves the set out). */
  readonly mix: Record<DatasetName, number>;
  /** Multiplier on the weight of Davidson's offensive (class 1) rows, the hate negatives (0 leaves them out). */
  readonly offensiveWeight: number;
  /**
   * How the option competes with the best so far: on OpenAI macro AUPRC (default), or on Davidson hate-vs-offensive
   * AUPRC while its OpenAI macro stays within {@link NOISE} of the option its stage starts from.
   */
  readonly chooseOn?: 'openai' | 'hate-vs-offensive';
}

interface CandidateResult {
  readonly candidate: Candidate;
  readonly openaiMacro: number;
  readonly openaiPerLabel: number[];
  readonly davidsonHate: number;
  /** Hate AUPRC on Davidson's hate (class 0) and offensive (class 1) rows only: the confusion the set tests. */
  readonly davidsonHateVsOffensive: number;
  readonly mhcHate: number;
  readonly seconds: number;
  readonly model: LogisticRegressionModel;
  readonly rows: SparseFeatures[];
}

const log = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

async function loadExamples(): Promise<Example[]> {
  const out: Example[] = [];
  for (const name of DATASETS) {
    const set = await loadDataset(name);
    for (const item of set.items) {
      if (typeof item.text !== 'string') continue;
      out.push({
        dataset: name,
        split: item.split,
        text: item.text,
        normalized: normalizeText(item.text).text,
        labels: labelsOf(item),
        language: item.language,
        offensive: name === 'davidson' && item.labels.hate === 0 && item.labels.profanity === 1,
      });
    }
  }
  return out;
}

function labelsOf(item: LabelledItem): Int8Array {
  const out = new Int8Array(C).fill(-1);
  LABELS.forEach((label, c) => {
    const v = item.labels[label];
    if (v === 0 || v === 1) out[c] = v;
  });
  return out;
}

function featurize(examples: readonly Example[], config: HashedNgramConfig): SparseFeatures[] {
  return examples.map((e) => hashedNgrams(e.normalized, config));
}

function trainingSet(
  examples: readonly Example[],
  rows: readonly SparseFeatures[],
  candidate: Candidate,
): TrainingSet {
  const weightOf = (e: Example): number =>
    candidate.mix[e.dataset] * (e.offensive ? candidate.offensiveWeight : 1);
  const picked: number[] = [];
  examples.forEach((e, i) => {
    if (e.split === 'train' && weightOf(e) > 0) picked.push(i);
  });
  const labels = new Int8Array(picked.length * C);
  const rowWeights = new Float32Array(picked.length);
  picked.forEach((i, r) => {
    const e = examples[i] as Example;
    labels.set(e.labels, r * C);
    rowWeights[r] = weightOf(e);
  });
  return { rows: picked.map((i) => rows[i] as SparseFeatures), labels, rowWeights };
}

/** Scores and labels of output `c` over the rows of `dataset` in `split` whose label is known. */
function scored(
  examples: readonly Example[],
  scoresOf: (i: number) => Float64Array,
  dataset: DatasetName,
  split: Split,
  c: number,
  filter: (e: Example) => boolean = () => true,
): { scores: number[]; labels: (0 | 1)[] } {
  const scores: number[] = [];
  const labels: (0 | 1)[] = [];
  examples.forEach((e, i) => {
    if (e.dataset !== dataset || e.split !== split || !filter(e)) return;
    const y = e.labels[c];
    if (y !== 0 && y !== 1) return;
    scores.push(scoresOf(i)[c] as number);
    labels.push(y);
  });
  return { scores, labels };
}

function evaluateCandidate(
  candidate: Candidate,
  examples: readonly Example[],
  cache: Map<string, SparseFeatures[]>,
) {
  const t0 = performance.now();
  const key = JSON.stringify(candidate.features);
  let rows = cache.get(key);
  if (!rows) {
    rows = featurize(examples, candidate.features);
    cache.set(key, rows);
  }
  const model = trainLogisticRegression(trainingSet(examples, rows, candidate), candidate.train);
  const memo = new Map<number, Float64Array>();
  const scoresOf = (i: number): Float64Array => {
    let s = memo.get(i);
    if (!s) {
      s = logits(model, rows[i] as SparseFeatures);
      memo.set(i, s);
    }
    return s;
  };
  const openaiPerLabel = LABELS.map((_, c) => {
    const { scores, labels } = scored(examples, scoresOf, TARGET, 'validation', c);
    return averagePrecision(scores, labels);
  });
  const hate = LABELS.indexOf('hate');
  const d = scored(examples, scoresOf, 'davidson', 'validation', hate);
  const dho = scored(
    examples,
    scoresOf,
    'davidson',
    'validation',
    hate,
    (e) => e.labels[hate] === 1 || e.offensive,
  );
  const m = scored(examples, scoresOf, 'multilingual-hatecheck', 'validation', hate);
  const result: CandidateResult = {
    candidate,
    openaiMacro: meanOf(openaiPerLabel),
    openaiPerLabel,
    davidsonHate: averagePrecision(d.scores, d.labels),
    davidsonHateVsOffensive: averagePrecision(dho.scores, dho.labels),
    mhcHate: averagePrecision(m.scores, m.labels),
    seconds: (performance.now() - t0) / 1000,
    model,
    rows,
  };
  log(
    `  ${candidate.name.padEnd(44)} val macro AUPRC ${fmt(result.openaiMacro)} ` +
      `[${openaiPerLabel.map((v) => fmt(v, 2)).join(' ')}]  davidson-hate ${fmt(result.davidsonHate)}  ` +
      `hate-vs-offensive ${fmt(result.davidsonHateVsOffensive)}  ` +
      `mhc-hate ${fmt(result.mhcHate)}  (${result.seconds.toFixed(1)} s)`,
  );
  return result;
}

const BASE_FEATURES: HashedNgramConfig = {
  dims: 2 ** 18,
  charNgrams: [2, 5],
  wordNgrams: [1, 2],
  windowChars: 8000,
};
const BASE_TRAIN: Omit<LogisticRegressionOptions, 'dims'> = {
  outputs: C,
  epochs: 8,
  learningRate: 0.2,
  l2: 1e-4,
  positiveWeightPower: 0.5,
  seed: 1,
};
const BASE_MIX: Record<DatasetName, number> = {
  'openai-moderation': 1,
  davidson: 0.25,
  'multilingual-hatecheck': 0.25,
};

function candidate(
  name: string,
  features: Partial<HashedNgramConfig> = {},
  train: Partial<LogisticRegressionOptions> = {},
  mix: Partial<Record<DatasetName, number>> = {},
  rest: Partial<Pick<Candidate, 'offensiveWeight' | 'chooseOn'>> = {},
): Candidate {
  const f = { ...BASE_FEATURES, ...features };
  return {
    name,
    features: f,
    train: { ...BASE_TRAIN, dims: f.dims, ...train },
    mix: { ...BASE_MIX, ...mix },
    offensiveWeight: 1,
    ...rest,
  };
}

/** OpenAI macro AUPRC differences below this are noise (8–50 validation positives per category). */
const NOISE = 0.02;

/** The search, in stages: each stage starts from the best candidate so far. */
function stages(quick: boolean): ((best: Candidate) => Candidate[])[] {
  const with_ = (
    b: Candidate,
    name: string,
    f: Partial<HashedNgramConfig>,
    t: Partial<LogisticRegressionOptions> = {},
    m: Partial<Record<DatasetName, number>> = {},
    r: Partial<Pick<Candidate, 'offensiveWeight' | 'chooseOn'>> = {},
  ) =>
    candidate(
      name,
      { ...b.features, ...f },
      { ...b.train, ...t },
      { ...b.mix, ...m },
      { offensiveWeight: b.offensiveWeight, ...r },
    );
  if (quick) {
    return [
      (b) => [
        with_(b, 'base (char 2-5, word 1-2, 2^18)', {}),
        with_(b, 'char 3-5 only', { wordNgrams: [0, 0], charNgrams: [3, 5] }),
      ],
    ];
  }
  return [
    (b) => [
      with_(b, 'char 2-5 + word 1-2', {}),
      with_(b, 'char 1-4 + word 1-2', { charNgrams: [1, 4] }),
      with_(b, 'char 3-5 + word 1-2', { charNgrams: [3, 5] }),
      with_(b, 'char 2-5 only', { wordNgrams: [0, 0] }),
      with_(b, 'word 1-2 only', { charNgrams: [0, 0] }),
    ],
    (b) => [
      with_(b, 'L2 1e-5', {}, { l2: 1e-5 }),
      with_(b, 'L2 1e-3', {}, { l2: 1e-3 }),
      with_(b, 'learning rate 0.05', {}, { learningRate: 0.05 }),
      with_(b, 'balanced positive weight', {}, { positiveWeightPower: 1 }),
    ],
    (b) => [
      with_(b, 'OpenAI rows only', {}, {}, { davidson: 0, 'multilingual-hatecheck': 0 }),
      with_(b, 'OpenAI + Davidson 0.25', {}, {}, { davidson: 0.25, 'multilingual-hatecheck': 0 }),
      with_(b, 'OpenAI + Davidson 1 + MHC 1', {}, {}, { davidson: 1, 'multilingual-hatecheck': 1 }),
    ],
    // An insult aimed at one person is harassment, not hate (docs/taxonomy.md): Davidson's offensive rows are the
    // hate negatives closest to that line. Chosen on the hate-vs-offensive confusion, within noise on OpenAI.
    (b) =>
      [0, 2, 4, 8].map((w) =>
        with_(
          b,
          w === 0 ? 'Davidson offensive rows left out' : `Davidson offensive rows x${w}`,
          {},
          {},
          {},
          { offensiveWeight: w, chooseOn: 'hate-vs-offensive' },
        ),
      ),
    (b) => [
      with_(b, 'dims 2^16', { dims: 2 ** 16 }, { dims: 2 ** 16 }),
      with_(b, 'dims 2^17', { dims: 2 ** 17 }, { dims: 2 ** 17 }),
      with_(b, 'dims 2^20 (measured only: over the size budget)', { dims: 2 ** 20 }, { dims: 2 ** 20 }),
    ],
  ];
}

/** Bytes of the weight matrix in each storage, to keep the committed file small. */
const BYTES_PER_WEIGHT: Record<WeightStorage, number> = { float32: 4, float16: 2, int8: 1 };
/** Committed model size budget (the weight matrix at one byte per weight at most). */
const MAX_MODEL_BYTES = 2.2e6;

function storageFor(dims: number): WeightStorage {
  for (const s of ['float32', 'float16', 'int8'] as const)
    if (dims * C * BYTES_PER_WEIGHT[s] <= MAX_MODEL_BYTES) return s;
  return 'int8';
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const quick = args.has('--quick');
  const write = !args.has('--no-write');
  const started = performance.now();
  log('loading datasets (aggregate figures only)');
  const examples = await loadExamples();
  const sizes: Record<string, Record<Split, number>> = {};
  for (const e of examples) {
    sizes[e.dataset] ??= { train: 0, validation: 0, test: 0 };
    (sizes[e.dataset] as Record<Split, number>)[e.split]++;
  }
  const positives: Record<string, Record<Split, string>> = {};
  for (const name of DATASETS) {
    for (const [c, label] of LABELS.entries()) {
      const row: Record<Split, string> = { train: '', validation: '', test: '' };
      let known = false;
      for (const split of ['train', 'validation', 'test'] as const) {
        let pos = 0;
        let n = 0;
        for (const e of examples) {
          if (e.dataset !== name || e.split !== split) continue;
          const y = e.labels[c];
          if (y === -1) continue;
          n++;
          pos += y as number;
        }
        if (n > 0) known = true;
        row[split] = `${pos}/${n}`;
      }
      if (known) positives[`${name} ${label}`] = row;
    }
  }
  log('split sizes (rows):');
  for (const [name, s] of Object.entries(sizes))
    log(`  ${name.padEnd(24)} train ${s.train}  validation ${s.validation}  test ${s.test}`);
  log('positives / labelled rows per split:');
  for (const [k, s] of Object.entries(positives))
    log(`  ${k.padEnd(36)} train ${s.train}  validation ${s.validation}  test ${s.test}`);

  log(`\nsearch on the validation split (${TARGET} macro AUPRC over ${LABELS.join(', ')}):`);
  const cache = new Map<string, SparseFeatures[]>();
  const results: CandidateResult[] = [];
  let best: CandidateResult | undefined;
  let base = candidate('base');
  for (const stage of stages(quick)) {
    const start = best;
    for (const cand of stage(base)) {
      const r = evaluateCandidate(cand, examples, cache);
      results.push({ ...r, model: undefined as never, rows: undefined as never });
      const fits = cand.features.dims * C <= MAX_MODEL_BYTES;
      const better =
        !best ||
        (cand.chooseOn === 'hate-vs-offensive'
          ? r.openaiMacro >= (start ?? best).openaiMacro - NOISE &&
            r.davidsonHateVsOffensive > best.davidsonHateVsOffensive + 1e-9
          : r.openaiMacro > best.openaiMacro + 1e-9);
      if (fits && better) best = r;
    }
    base = (best as CandidateResult).candidate;
    // Keep only the best candidate's features in memory.
    for (const key of cache.keys()) if (key !== JSON.stringify(base.features)) cache.delete(key);
  }
  const chosen = best as CandidateResult;
  log(
    `chosen: ${chosen.candidate.name} (${JSON.stringify(chosen.candidate.features)}, ${JSON.stringify(chosen.candidate.train)}, mix ${JSON.stringify(chosen.candidate.mix)}, Davidson offensive x${chosen.candidate.offensiveWeight})`,
  );

  // Calibration on the OpenAI validation rows: one Platt scaling per label, folded into the weights.
  const rows = chosen.rows;
  const raw = chosen.model;
  const rawLogits = (i: number) => logits(raw, rows[i] as SparseFeatures);
  const weights = Float32Array.from(raw.weights);
  const bias = Float32Array.from(raw.bias);
  const platt: { a: number; b: number }[] = [];
  for (let c = 0; c < C; c++) {
    const { scores, labels } = scored(examples, rawLogits, TARGET, 'validation', c);
    const p = plattScaling(scores, labels);
    platt.push(p);
    for (let d = 0; d < raw.dims; d++) weights[d * C + c] = (weights[d * C + c] as number) * p.a;
    bias[c] = (bias[c] as number) * p.a + p.b;
  }
  const storage = storageFor(raw.dims);
  // Scores as the ONNX graph computes them: weights as stored (dequantized), then the sigmoid.
  const stored = storedWeights(weights, storage);
  const calibrated: LogisticRegressionModel = { dims: raw.dims, outputs: C, weights: stored, bias };
  const probOf = (i: number): Float64Array => logits(calibrated, rows[i] as SparseFeatures).map(sigmoid);

  const report = testReport(examples, probOf);
  const rulesReport = await rulesComparison(examples, probOf);
  const bytes = linearModelToOnnx(
    { dims: raw.dims, labels: LABELS, weights, bias },
    {
      storage,
      docString:
        'Winnow text-classifier v1: hashed n-gram logistic regression (models/cards/text-classifier.md)',
    },
  );
  const parity = await onnxParity(bytes, examples, rows, probOf);
  const latency = await measureLatency(bytes, examples, chosen.candidate.features);
  const denseLatency = await measureDenseLatency(raw.dims);
  const sha = sha256Hex(bytes);
  log(
    `\nmodel: ${raw.dims} buckets x ${C} labels, ${storage} weights, ${(bytes.length / 1e6).toFixed(2)} MB, sha256 ${sha}`,
  );
  log(`onnx vs training-code scores: max abs diff ${parity.toExponential(2)}`);
  log(
    `latency per text (featurize + onnxruntime, 1 thread): p50 ${fmt(latency.p50, 3)} ms, p99 ${fmt(latency.p99, 3)} ms over ${latency.n} texts; 5,000-character text ${fmt(latency.long, 2)} ms; dense MatMul form at 2^${Math.log2(raw.dims)} float32: ${fmt(denseLatency, 2)} ms`,
  );
  log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);

  if (!write) return;
  const modelPath = path.join(MODELS_DIR, 'trained', MODEL_FILE);
  writeAtomic(modelPath, bytes);
  updateManifest(sha, chosen.candidate.features);
  updateCard({
    sizes,
    positives,
    results,
    chosen,
    platt,
    storage,
    bytes: bytes.length,
    sha,
    report,
    rulesReport,
    latency,
    denseLatency,
    parity,
  });
  log(
    `wrote ${path.relative(process.cwd(), modelPath)}, models/manifest.json and ${path.relative(process.cwd(), CARD)}`,
  );
}

function findModelsDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'models', 'manifest.json'))) return path.join(dir, 'models');
    if (path.dirname(dir) === dir) throw new Error('cannot find models/manifest.json above this script');
  }
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function storedWeights(weights: Float32Array, storage: WeightStorage): Float32Array {
  if (storage === 'float32') return weights;
  if (storage === 'float16') return fromFloat16(toFloat16(weights));
  const { q, scales } = quantizeInt8(weights, C);
  const out = new Float32Array(weights.length);
  for (let i = 0; i < q.length; i++) out[i] = Math.fround((q[i] as number) * (scales[i % C] as number));
  return out;
}

interface LabelReport {
  readonly label: string;
  readonly positives: number;
  readonly rows: number;
  readonly auprc: number;
  readonly review: ReturnType<typeof atThreshold>;
  readonly block: ReturnType<typeof atThreshold>;
}

interface TestReport {
  readonly openai: LabelReport[];
  readonly openaiMacro: number;
  readonly openaiValidation: number[];
  readonly davidsonHate: LabelReport;
  readonly mhc: {
    language: string;
    rows: number;
    positives: number;
    auprc: number;
    review: ReturnType<typeof atThreshold>;
  }[];
}

function labelReport(label: string, scores: number[], labels: (0 | 1)[]): LabelReport {
  const [review, block] = THRESHOLDS[label] ?? [0.5, 0.85];
  return {
    label,
    positives: labels.filter((y) => y === 1).length,
    rows: labels.length,
    auprc: averagePrecision(scores, labels),
    review: atThreshold(scores, labels, review),
    block: atThreshold(scores, labels, block),
  };
}

function testReport(examples: readonly Example[], probOf: (i: number) => Float64Array): TestReport {
  const openai = LABELS.map((label, c) => {
    const { scores, labels } = scored(examples, probOf, TARGET, 'test', c);
    return labelReport(label, scores, labels);
  });
  const openaiValidation = LABELS.map((_, c) => {
    const { scores, labels } = scored(examples, probOf, TARGET, 'validation', c);
    return averagePrecision(scores, labels);
  });
  const hate = LABELS.indexOf('hate');
  const d = scored(examples, probOf, 'davidson', 'test', hate);
  const languages = [
    ...new Set(
      examples.filter((e) => e.dataset === 'multilingual-hatecheck').map((e) => e.language ?? 'und'),
    ),
  ].sort();
  const mhc = languages.map((language) => {
    const s = scored(
      examples,
      probOf,
      'multilingual-hatecheck',
      'test',
      hate,
      (e) => e.language === language,
    );
    return {
      language,
      rows: s.labels.length,
      positives: s.labels.filter((y) => y === 1).length,
      auprc: averagePrecision(s.scores, s.labels),
      review: atThreshold(s.scores, s.labels, 0.5),
    };
  });
  const r: TestReport = {
    openai,
    openaiMacro: meanOf(openai.map((o) => o.auprc)),
    openaiValidation,
    davidsonHate: labelReport('hate', d.scores, d.labels),
    mhc,
  };
  log(`\ntest split, ${TARGET} (calibrated scores):`);
  for (const o of openai) {
    log(
      `  ${o.label.padEnd(11)} AUPRC ${fmt(o.auprc)}  (${o.positives} positives / ${o.rows})  ` +
        `review@${o.review.threshold}: P ${fmt(o.review.precision, 2)} R ${fmt(o.review.recall, 2)}  ` +
        `block@${o.block.threshold}: P ${fmt(o.block.precision, 2)} R ${fmt(o.block.recall, 2)}`,
    );
  }
  log(`  macro AUPRC ${fmt(r.openaiMacro)} (target 0.75); validation macro ${fmt(meanOf(openaiValidation))}`);
  log(
    `test split, davidson hate: AUPRC ${fmt(r.davidsonHate.auprc)} (${r.davidsonHate.positives} / ${r.davidsonHate.rows})`,
  );
  log('test split, multilingual-hatecheck hate per language:');
  for (const m of mhc)
    log(
      `  ${m.language}  AUPRC ${fmt(m.auprc)}  (${m.positives} / ${m.rows})  R@0.5 ${fmt(m.review.recall, 2)}  P@0.5 ${fmt(m.review.precision, 2)}`,
    );
  return r;
}

interface RulesReport {
  readonly rules: number[];
  readonly combined: number[];
  readonly rulesMacro: number;
  readonly combinedMacro: number;
}

/** AUPRC on the OpenAI test rows of the rule detectors alone and of the rules and the classifier (max score). */
async function rulesComparison(
  examples: readonly Example[],
  probOf: (i: number) => Float64Array,
): Promise<RulesReport> {
  const detectors = [createProfanityDetector(), createRulesDetector()];
  const ctx = { signal: new AbortController().signal, logger: silentLogger };
  const rules: number[] = [];
  const combined: number[] = [];
  const ruleScores = new Map<number, Map<string, number>>();
  for (const [i, e] of examples.entries()) {
    if (e.dataset !== TARGET || e.split !== 'test') continue;
    const byCategory = new Map<string, number>();
    const input = {
      kind: 'text' as const,
      text: e.text,
      normalized: normalizeText(e.text),
      invalidEncoding: false,
    };
    for (const d of detectors) {
      for (const s of await d.detect(input, ctx)) {
        if (s.category) byCategory.set(s.category, Math.max(byCategory.get(s.category) ?? 0, s.score));
      }
    }
    ruleScores.set(i, byCategory);
  }
  for (const c of LABELS.keys()) {
    const r = scored(
      examples,
      (i) => Float64Array.of(...LABELS.map((l) => ruleScores.get(i)?.get(l) ?? 0)),
      TARGET,
      'test',
      c,
    );
    const m = scored(
      examples,
      (i) =>
        Float64Array.of(
          ...LABELS.map((l, k) => Math.max(ruleScores.get(i)?.get(l) ?? 0, probOf(i)[k] as number)),
        ),
      TARGET,
      'test',
      c,
    );
    rules.push(averagePrecision(r.scores, r.labels));
    combined.push(averagePrecision(m.scores, m.labels));
  }
  const out = { rules, combined, rulesMacro: meanOf(rules), combinedMacro: meanOf(combined) };
  log(
    `rules only (text-profanity + text-rules) macro AUPRC ${fmt(out.rulesMacro)} [${rules.map((v) => fmt(v, 2)).join(' ')}]; rules + classifier (max) ${fmt(out.combinedMacro)} [${combined.map((v) => fmt(v, 2)).join(' ')}]`,
  );
  return out;
}

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
}

async function runSparse(s: ort.InferenceSession, f: SparseFeatures): Promise<Float32Array> {
  const indices = new ort.Tensor(
    'int64',
    BigInt64Array.from(f.indices, (v) => BigInt(v)),
    [f.indices.length],
  );
  const values = new ort.Tensor('float32', f.values, [f.values.length]);
  const out = await s.run({ [LINEAR_ONNX_NAMES.indices]: indices, [LINEAR_ONNX_NAMES.values]: values });
  return (out[LINEAR_ONNX_NAMES.scores] as ort.Tensor).data as Float32Array;
}

/** Largest difference between the ONNX graph's scores and the training code's on the test rows. */
async function onnxParity(
  bytes: Uint8Array,
  examples: readonly Example[],
  rows: readonly SparseFeatures[],
  probOf: (i: number) => Float64Array,
): Promise<number> {
  const s = await session(bytes);
  let worst = 0;
  for (const [i, e] of examples.entries()) {
    if (e.split !== 'test' || i % 7 !== 0) continue;
    const got = await runSparse(s, rows[i] as SparseFeatures);
    const want = probOf(i);
    for (let c = 0; c < C; c++) worst = Math.max(worst, Math.abs((got[c] as number) - (want[c] as number)));
  }
  await s.release();
  return worst;
}

interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly n: number;
  readonly long: number;
}

/** Per-text time of normalization + featurization + one onnxruntime call, on the OpenAI test texts. */
async function measureLatency(
  bytes: Uint8Array,
  examples: readonly Example[],
  features: HashedNgramConfig,
): Promise<Latency> {
  const s = await session(bytes);
  const texts = examples.filter((e) => e.dataset === TARGET && e.split === 'test').map((e) => e.text);
  for (const t of texts.slice(0, 50)) await runSparse(s, hashedNgrams(normalizeText(t).text, features));
  const times: number[] = [];
  for (const t of texts) {
    const t0 = performance.now();
    await runSparse(s, hashedNgrams(normalizeText(t).text, features));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const longText = 'the quick brown fox jumps over the lazy dog again and again. '.repeat(84).slice(0, 5000);
  const longTimes: number[] = [];
  for (let k = 0; k < 20; k++) {
    const t0 = performance.now();
    await runSparse(s, hashedNgrams(normalizeText(longText).text, features));
    longTimes.push(performance.now() - t0);
  }
  longTimes.sort((a, b) => a - b);
  await s.release();
  return {
    p50: times[Math.floor(times.length * 0.5)] ?? Number.NaN,
    p99: times[Math.floor(times.length * 0.99)] ?? Number.NaN,
    n: times.length,
    long: longTimes[10] ?? Number.NaN,
  };
}

/** The MatMul form's time per text (random weights of the same size): the alternative to the sparse graph. */
async function measureDenseLatency(dims: number): Promise<number> {
  const weights = new Float32Array(dims * C).map((_, i) => ((i * 2654435761) % 1000) / 1e5);
  const bytes = linearModelToOnnx(
    { dims, labels: LABELS, weights, bias: new Float32Array(C) },
    { storage: 'float32', form: 'dense' },
  );
  const s = await session(bytes);
  const input = new Float32Array(dims);
  for (let i = 0; i < 400; i++) input[(i * 7919) % dims] = 0.05;
  const times: number[] = [];
  for (let k = 0; k < 30; k++) {
    const t0 = performance.now();
    const out = await s.run({ [LINEAR_ONNX_NAMES.dense]: new ort.Tensor('float32', input, [1, dims]) });
    void out;
    times.push(performance.now() - t0);
  }
  await s.release();
  times.sort((a, b) => a - b);
  return times[15] ?? Number.NaN;
}

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, file);
}

/** Rewrites the `text-classifier` entry's hash and feature settings in place, keeping the rest of the file's text. */
function updateManifest(sha: string, features: HashedNgramConfig): void {
  const text = readFileSync(MANIFEST, 'utf8');
  const at = text.indexOf(`"id": "${TEXT_CLASSIFIER_MODEL_ID}"`);
  if (at < 0) throw new Error(`models/manifest.json has no ${TEXT_CLASSIFIER_MODEL_ID} entry`);
  const shaAt = text.indexOf('"sha256": "', at);
  const featuresAt = text.indexOf('"features": {', at);
  const featuresEnd = text.indexOf('}', featuresAt);
  if (shaAt < 0 || featuresAt < 0 || featuresEnd < 0)
    throw new Error('the manifest entry has no sha256 or features');
  const indent = text.slice(text.lastIndexOf('\n', featuresAt) + 1, featuresAt);
  const body = Object.entries(features)
    .map(
      ([k, v]) =>
        `${indent}  ${JSON.stringify(k)}: ${Array.isArray(v) ? `[${v.join(', ')}]` : JSON.stringify(v)}`,
    )
    .join(',\n');
  let out = `${text.slice(0, featuresAt)}"features": {\n${body}\n${indent}}${text.slice(featuresEnd + 1)}`;
  const shaStart = shaAt + '"sha256": "'.length;
  out = out.slice(0, shaStart) + sha + out.slice(shaStart + 64);
  const entry = (JSON.parse(out) as { models: { id: string; options?: unknown }[] }).models.find(
    (m) => m.id === TEXT_CLASSIFIER_MODEL_ID,
  );
  textClassifierOptions(entry?.options);
  writeAtomic(MANIFEST, out);
}

interface CardFigures {
  sizes: Record<string, Record<Split, number>>;
  positives: Record<string, Record<Split, string>>;
  results: CandidateResult[];
  chosen: CandidateResult;
  platt: { a: number; b: number }[];
  storage: WeightStorage;
  bytes: number;
  sha: string;
  report: TestReport;
  rulesReport: RulesReport;
  latency: Latency;
  denseLatency: number;
  parity: number;
}

const START = '<!-- figures:start (written by npm run train:text) -->';
const END = '<!-- figures:end -->';

/** Replaces the generated figures section of the model card. */
function updateCard(f: CardFigures): void {
  const pct = (m: ReturnType<typeof atThreshold>) =>
    `${fmt(m.precision, 2)} / ${fmt(m.recall, 2)} (${m.tp} TP, ${m.fp} FP, ${m.fn} FN)`;
  const lines: string[] = [START, ''];
  lines.push('### Splits', '', '| set | train | validation | test |', '| --- | ---: | ---: | ---: |');
  for (const [name, s] of Object.entries(f.sizes))
    lines.push(`| ${name} | ${s.train} | ${s.validation} | ${s.test} |`);
  lines.push(
    '',
    'Positives / labelled rows per category:',
    '',
    '| set and category | train | validation | test |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const [k, s] of Object.entries(f.positives))
    lines.push(`| ${k} | ${s.train} | ${s.validation} | ${s.test} |`);
  lines.push(
    '',
    '### Options measured (validation split)',
    '',
    'Every option is trained on the train split only and scored on the validation split: macro AUPRC of the OpenAI set ' +
      `over ${LABELS.join(', ')} (per category in that order), and hate AUPRC on Davidson, on Davidson's hate and ` +
      'offensive rows only (hate vs offensive) and on Multilingual HateCheck (all languages). Stages ' +
      'run in order; each starts from the best option so far. With 8–50 validation positives per OpenAI category, ' +
      `differences below about ${NOISE} are noise. Options compete on OpenAI macro, except the Davidson offensive ` +
      'rows (class 1, hate negatives) weights: those compete on hate vs offensive, among options whose OpenAI macro ' +
      `is at most ${NOISE} below the option the stage starts from.`,
    '',
    '| option | OpenAI macro | per category | Davidson hate | hate vs offensive | MHC hate | seconds |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
  );
  for (const r of f.results) {
    lines.push(
      `| ${r.candidate.name}${r.candidate === f.chosen.candidate ? ' **(chosen)**' : ''} | ${fmt(r.openaiMacro)} | ${r.openaiPerLabel.map((v) => fmt(v, 2)).join(' / ')} | ${fmt(r.davidsonHate)} | ${fmt(r.davidsonHateVsOffensive)} | ${fmt(r.mhcHate)} | ${r.seconds.toFixed(0)} |`,
    );
  }
  const ch = f.chosen.candidate;
  lines.push(
    '',
    `Chosen: character n-grams ${ch.features.charNgrams.join('–')}, word n-grams ${ch.features.wordNgrams.join('–')}, ` +
      `2^${Math.log2(ch.features.dims)} buckets; ${ch.train.epochs} epochs of AdaGrad at ${ch.train.learningRate}, L2 ${ch.train.l2}, ` +
      `positive weight (neg/pos)^${ch.train.positiveWeightPower}; rows weighted OpenAI ${ch.mix['openai-moderation']}, ` +
      `Davidson ${ch.mix.davidson} (offensive rows x${ch.offensiveWeight}), MHC ${ch.mix['multilingual-hatecheck']}.`,
    `Calibration (Platt, on the OpenAI validation rows; a, b per category): ${LABELS.map((l, c) => `${l} ${fmt(f.platt[c]?.a ?? Number.NaN, 2)}, ${fmt(f.platt[c]?.b ?? Number.NaN, 2)}`).join('; ')}.`,
    '',
    '### Test split (reported once, after the choice)',
    '',
    `OpenAI moderation set, test split: **macro AUPRC ${fmt(f.report.openaiMacro)}** (target 0.75; validation ${fmt(meanOf(f.report.openaiValidation))}). ` +
      'Precision / recall at the default policy thresholds (review, block):',
    '',
    '| category | positives / rows | AUPRC | P / R at review | P / R at block |',
    '| --- | ---: | ---: | --- | --- |',
  );
  for (const o of f.report.openai) {
    lines.push(
      `| ${o.label} | ${o.positives} / ${o.rows} | ${fmt(o.auprc)} | @${o.review.threshold}: ${pct(o.review)} | @${o.block.threshold}: ${pct(o.block)} |`,
    );
  }
  lines.push(
    '',
    'Against the rule detectors on the same rows (category score = highest signal, as the policy fuses them):',
    '',
    `| | macro AUPRC | ${LABELS.join(' | ')} |`,
    `| --- | ---: |${LABELS.map(() => ' ---: |').join('')}`,
    `| rules only (text-profanity + text-rules) | ${fmt(f.rulesReport.rulesMacro)} | ${f.rulesReport.rules.map((v) => fmt(v)).join(' | ')} |`,
    `| classifier only | ${fmt(f.report.openaiMacro)} | ${f.report.openai.map((o) => fmt(o.auprc)).join(' | ')} |`,
    `| rules + classifier | ${fmt(f.rulesReport.combinedMacro)} | ${f.rulesReport.combined.map((v) => fmt(v)).join(' | ')} |`,
    '',
    `Davidson, test split, hate (class 0) against the rest: AUPRC ${fmt(f.report.davidsonHate.auprc)} ` +
      `(${f.report.davidsonHate.positives} positives / ${f.report.davidsonHate.rows}); at 0.5: ${pct(f.report.davidsonHate.review)}.`,
    '',
    'Multilingual HateCheck, test split (templates never seen in training), hate per language:',
    '',
    '| language | hateful / rows | AUPRC | P / R at 0.5 |',
    '| --- | ---: | ---: | --- |',
  );
  for (const m of f.report.mhc)
    lines.push(`| ${m.language} | ${m.positives} / ${m.rows} | ${fmt(m.auprc)} | ${pct(m.review)} |`);
  lines.push(
    '',
    '### File and speed',
    '',
    `\`models/trained/${MODEL_FILE}\`: ${(f.bytes / 1e6).toFixed(2)} MB, ${f.storage} weights, sha256 \`${f.sha}\`. ` +
      `The ONNX graph's scores match the training code's to ${f.parity.toExponential(1)}.`,
    '',
    `Latency per text on one core (normalization, featurization and one onnxruntime call, 1 thread): p50 ${fmt(f.latency.p50, 2)} ms, ` +
      `p99 ${fmt(f.latency.p99, 2)} ms over the ${f.latency.n} OpenAI test texts; a 5,000-character text ${fmt(f.latency.long, 2)} ms. ` +
      `The dense form (a float32 \`[1, ${f.chosen.candidate.features.dims}]\` input to MatMul) takes ${fmt(f.denseLatency, 2)} ms for the model call alone.`,
    '',
    END,
  );
  const card = readFileSync(CARD, 'utf8');
  const a = card.indexOf(START);
  const b = card.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${CARD} has no figures section (${START} … ${END})`);
  writeAtomic(CARD, card.slice(0, a) + lines.join('\n') + card.slice(b + END.length));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`train:text: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
