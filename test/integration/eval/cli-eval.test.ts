import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDir, SqliteReviewStore } from '../../../adapters/local';
import { loadPolicyFile } from '../../../core/policy/load-policy';
import type { Verdict } from '../../../core/verdict/verdict';
import { parseJsonl, runCli } from '../../helpers/run-cli';
import { describeWith, sharedDir } from '../../helpers/shared-vectors';

// Needs `npm run build` (runs the built CLI). Prints aggregate figures only: the shared sets hold offensive text.
// The two large sets are sampled (--limit) to keep the file within about a minute on two cores.

const FIXTURE = join(__dirname, '../../fixtures/eval/sample.jsonl');

/** The shared text sets' folder when present, else `undefined` after a notice. */
function sharedTextDir(suite: string): string | undefined {
  const dir = join(sharedDir(), 'data', 'text');
  if (existsSync(dir)) return dir;
  console.warn(`${suite}: skipped, the shared data sets were not found at ${dir} (set WINNOW_SHARED_DIR)`);
  return undefined;
}

interface EvalJson {
  dataset: string;
  split: string;
  policy: { id: string; version: string };
  rows: number;
  errors: { count: number };
  categories: Record<
    string,
    { support: number; precision: number; recall: number; f1: number; auprc: number; curve?: unknown[] }
  >;
  macro: { precision: number; recall: number; f1: number; auprc: number };
  languages?: Record<string, unknown>;
  functionalities?: Record<string, unknown>;
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'winnow-eval-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const env = () => ({
  WINNOW_SHARED_DIR: sharedDir(),
  WINNOW_STATE_DIR: join(work, 'state'),
  WINNOW_LOG_LEVEL: 'error',
});

describe('winnow eval on a JSONL file', () => {
  it('prints one JSON object with per-category metrics, and writes eval.json and a run dir with --out', async () => {
    const out = join(work, 'fixture-run');
    const r = await runCli(['eval', FIXTURE, '--json', '--out', out], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EvalJson;
    expect(report).toMatchObject({ dataset: 'sample', split: 'test', rows: 5, errors: { count: 0 } });
    expect(Object.keys(report.categories)).toEqual(['spam', 'pii']);
    expect(report.categories.spam).toMatchObject({ support: 2, precision: 1, recall: 1 });
    expect(report.categories.spam?.curve).toBeUndefined();
    expect(report.macro.auprc).toBeGreaterThan(0);
    const file = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as EvalJson;
    expect(file.categories.spam?.curve?.length).toBeGreaterThan(0);
    expect(parseJsonl(readFileSync(join(out, 'verdicts.jsonl'), 'utf8'))).toHaveLength(5);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).items).toBe(5);
  });

  it('prints tables, with a per-language one', async () => {
    const r = await runCli(['eval', FIXTURE, '--split', 'all'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Eval of sample, all splits: 11 rows/);
    expect(r.stdout).toMatch(/\nspam +4 +7 +0 /);
    expect(r.stdout).toContain('Per language');
  });

  it('refuses bad arguments with exit code 2', async () => {
    expect((await runCli(['eval'], { env: env() })).code).toBe(2);
    expect((await runCli(['eval', FIXTURE, '--split', 'dev'], { env: env() })).code).toBe(2);
    expect((await runCli(['calibrate', FIXTURE], { env: env() })).code).toBe(2);
  });

  it('calibrates on the validation rows and writes a new policy version', async () => {
    const policyFile = join(work, 'fixture-policy.yaml');
    const r = await runCli(
      [
        'calibrate',
        FIXTURE,
        '--target-precision',
        '0.9',
        '--min-positives',
        '1',
        '--out',
        policyFile,
        '--json',
      ],
      { env: env() },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ fitSplit: 'validation', heldSplit: 'test', rows: { fit: 6, held: 5 } });
    const policy = loadPolicyFile(policyFile);
    expect(policy.version).toMatch(/\+cal\.\d{8}\.\d{4}$/);
    expect(policy.version).toBe(report.calibratedPolicy.version);
    expect(readFileSync(policyFile, 'utf8')).toMatch(/^# Calibrated by `winnow calibrate`/);
  });
});

describe('winnow calibrate --reviews', () => {
  it('takes labels from the review decisions and scores from the stored verdicts', async () => {
    const dir = join(work, 'reviewed');
    const state = join(work, 'review-state');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 40; i++) {
      writeFileSync(
        join(dir, `promo-${i}.txt`),
        `WINNER! Claim your FREE prize ${i} now at bit.ly/prize-${i}\n`,
      );
      writeFileSync(join(dir, `note-${i}.txt`), `The reading group meets on day ${i} of the month.\n`);
    }
    const out = join(work, 'reviewed-out');
    const scan = await runCli(['scan', dir, '--out', out, '--quiet', '--state-dir', state], { env: env() });
    expect(scan.code).toBe(0);
    const s = openStateDir(state);
    try {
      const store = new SqliteReviewStore(s);
      for (const v of parseJsonl<Verdict>(readFileSync(join(out, 'verdicts.jsonl'), 'utf8'))) {
        await store.record({
          uri: v.item.uri,
          policyVersion: v.policy.version,
          decision: v.item.uri.includes('promo-') ? 'block' : 'allow',
          categories: ['spam'],
          reason: 'test',
          reviewer: 'tester',
          decidedAt: new Date().toISOString(),
        });
      }
    } finally {
      s.close();
    }
    const r = await runCli(
      [
        'calibrate',
        '--reviews',
        '--state-dir',
        state,
        '--target-precision',
        '0.9',
        '--out',
        join(work, 'rv.yaml'),
        '--json',
      ],
      { env: env() },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ dataset: 'reviews', fitSplit: 'train+validation', heldSplit: 'test' });
    expect(report.rows.fit + report.rows.held).toBe(80);
    expect(report.categories.map((c: { id: string }) => c.id)).toEqual(['spam']);
  });
});

const text = sharedTextDir('winnow eval on the shared sets');

describeWith(text)('winnow eval on the shared sets (test split)', () => {
  const evalJson = async (args: string[]): Promise<EvalJson> => {
    const r = await runCli(['eval', ...args, '--json'], { env: env() });
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as EvalJson;
  };

  it('OpenAI moderation: the five categories it labels, unknown labels left out', async () => {
    const report = await evalJson(['openai-moderation']);
    expect(report.dataset).toBe('openai-moderation');
    expect(report.rows).toBeGreaterThan(150);
    expect(report.errors.count).toBe(0);
    expect(Object.keys(report.categories).sort()).toEqual([
      'harassment',
      'hate',
      'self-harm',
      'sexual',
      'violence',
    ]);
    for (const c of Object.values(report.categories)) {
      expect(c.support).toBeGreaterThan(0);
      expect(c.auprc).toBeGreaterThan(0);
      expect(c.auprc).toBeLessThanOrEqual(1);
    }
    console.log(
      `openai-moderation test split: ${report.rows} rows, macro AUPRC ${report.macro.auprc.toFixed(3)}`,
    );
  });

  it('Davidson: hate and profanity', async () => {
    const report = await evalJson(['davidson', '--limit', '1500']);
    expect(report.rows).toBe(1500);
    expect(Object.keys(report.categories)).toEqual(['hate', 'profanity']);
    expect(report.categories.profanity?.support).toBeGreaterThan(report.categories.hate?.support ?? 0);
  });

  it('Multilingual HateCheck: per-language and per-functionality breakdowns', async () => {
    const report = await evalJson(['multilingual-hatecheck', '--limit', '1500']);
    expect(report.rows).toBe(1500);
    expect(Object.keys(report.categories)).toEqual(['hate']);
    expect(Object.keys(report.languages ?? {})).toHaveLength(10);
    expect(Object.keys(report.functionalities ?? {}).length).toBeGreaterThan(20);
  });

  it('calibrate on the OpenAI set fits on validation and reports on test', async () => {
    const policyFile = join(work, 'openai-policy.yaml');
    const r = await runCli(
      ['calibrate', 'openai-moderation', '--target-precision', '0.8', '--out', policyFile, '--json'],
      {
        env: env(),
      },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ dataset: 'openai-moderation', fitSplit: 'validation', heldSplit: 'test' });
    expect(report.categories).toHaveLength(5);
    expect(loadPolicyFile(policyFile).version).toBe(report.calibratedPolicy.version);
  });
});
