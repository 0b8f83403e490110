import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RescanSweepResult } from '../../../core/sweep/rescan-sweep';
import type { Verdict } from '../../../core/verdict/verdict';
import { parseJsonl, runCli } from '../../helpers/run-cli';

const EXAMPLES = join(__dirname, '../../../examples/text');
const FILES = ['benign-greeting.txt', 'harassment-insult.txt', 'spam-crypto.txt', 'pii-card.txt'];
const DEFAULT_POLICY = readFileSync(join(__dirname, '../../../policies/default.yaml'), 'utf8');

/** The bundled policy under another version, edited. */
function policyVariant(version: string, edit: (yaml: string) => string): string {
  return edit(DEFAULT_POLICY.replace(/^version: .*$/m, `version: "${version}"`));
}

describe('winnow sweep', () => {
  let work: string;
  const state = () => ['--state-dir', join(work, 'state')];
  const verdicts = async (): Promise<Verdict[]> =>
    parseJsonl<Verdict>((await runCli(['verdicts', ...state()])).stdout);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-sweep-'));
    mkdirSync(join(work, 'items'));
    for (const f of FILES) copyFileSync(join(EXAMPLES, f), join(work, 'items', f));
    writeFileSync(
      join(work, 'a.yaml'),
      policyVariant('a', (y) => y),
    );
    // Thresholds only: everything at 0.5/0.85 now reviews at 0.2 and blocks at 0.4.
    writeFileSync(
      join(work, 'b.yaml'),
      policyVariant('b', (y) =>
        y.replaceAll('thresholds: { review: 0.5, block: 0.85 }', 'thresholds: { review: 0.2, block: 0.4 }'),
      ),
    );
    // A detector switched off: the scores themselves change.
    writeFileSync(
      join(work, 'c.yaml'),
      policyVariant('c', (y) => y.replace(/^disabledDetectors: \[\]$/m, 'disabledDetectors: [text-spam]')),
    );
    const scan = await runCli(['scan', 'items', '--policy', 'a.yaml', ...state(), '--quiet'], { cwd: work });
    expect(scan.code).toBe(0);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('re-decides a threshold-only change from stored scores without reading items or running models', async () => {
    // The items are gone: a sweep that needed their bytes or a model could not re-decide them.
    rmSync(join(work, 'items'), { recursive: true });
    const r = await runCli(['sweep', '--policy', 'b.yaml', ...state(), '--out', 'out-b', '--json'], {
      cwd: work,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as RescanSweepResult;
    expect(result).toMatchObject({
      examined: FILES.length,
      redecided: FILES.length,
      rescored: 0,
      failed: 0,
      modelRuns: 0,
      policy: { version: 'b' },
    });
    const all = await verdicts();
    const b = all.filter((v) => v.policy.version === 'b');
    expect(b).toHaveLength(FILES.length);
    for (const v of b) expect(v.redecided).toMatchObject({ fromPolicyVersion: 'a' });
    const a = new Map(all.filter((v) => v.policy.version === 'a').map((v) => [v.item.uri, v.decision]));
    const changed = b.filter((v) => a.get(v.item.uri) !== v.decision).map((v) => v.item.uri);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(FILES.length);
    expect(result.changedDecision).toBe(changed.length);
    const changes = parseJsonl<{ uri: string; before: string; after: string; via: string }>(
      readFileSync(join(work, 'out-b', 'changes.jsonl'), 'utf8'),
    );
    expect(changes.map((c) => c.uri).sort()).toEqual(changed.sort());
    expect(changes.every((c) => c.via === 'redecide' && c.before !== c.after)).toBe(true);

    // Run again: nothing left to do.
    const again = JSON.parse(
      (await runCli(['sweep', '--policy', 'b.yaml', ...state(), '--out', 'out-b', '--json'], { cwd: work }))
        .stdout,
    ) as RescanSweepResult;
    expect(again).toMatchObject({ examined: FILES.length, unchanged: FILES.length, changedDecision: 0 });
    expect(
      readFileSync(join(work, 'out-b', 'changes.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(changed.length);
  });

  it('re-scores the items when a change affects the scores', async () => {
    mkdirSync(join(work, 'items'), { recursive: true });
    for (const f of FILES) copyFileSync(join(EXAMPLES, f), join(work, 'items', f));
    const dry = await runCli(['sweep', '--policy', 'c.yaml', ...state(), '--dry-run', '--json'], {
      cwd: work,
    });
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, rescored: FILES.length, modelRuns: 0 });

    const r = await runCli(['sweep', '--policy', 'c.yaml', ...state(), '--root', 'items', '--out', 'out-c'], {
      cwd: work,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/re-scored +4/);
    expect(r.stdout).toMatch(/model runs +4/);
    const c = (await verdicts()).filter((v) => v.policy.version === 'c');
    expect(c).toHaveLength(FILES.length);
    for (const v of c) {
      expect(v.redecided).toBeUndefined();
      expect(v.detectors.find((d) => d.id === 'text-spam')?.status).toBe('skipped');
    }
    const spam = c.find((v) => v.item.uri.endsWith('spam-crypto.txt'));
    expect(spam?.categories.some((x) => x.id === 'spam')).toBe(false);
  });

  it('chooses a sample that fits a budget and says why', async () => {
    const r = await runCli(
      [
        'sweep',
        '--budget',
        '1',
        '--sample-from',
        'items',
        '--min-sample',
        '2',
        ...state(),
        '--out',
        'out-s',
        '--json',
      ],
      { cwd: work },
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.plan).toMatchObject({ budget: 1, populationSize: FILES.length, chosen: { sampleSize: 4 } });
    expect(result.plan.reason).toMatch(/covers all 4 items/);
    expect(result.scored).toBe(4);
    expect(parseJsonl(readFileSync(join(work, 'out-s', 'sample-verdicts.jsonl'), 'utf8'))).toHaveLength(4);
  });
});
