import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShadowReport } from '../../../core/shadow/shadow-run';
import { runCli } from '../../helpers/run-cli';

const EXAMPLES = join(__dirname, '../../../examples/text');
const FILES = [
  'benign-greeting.txt',
  'harassment-insult.txt',
  'spam-crypto.txt',
  'pii-card.txt',
  'profanity-mild.txt',
];
const DEFAULT_POLICY = readFileSync(join(__dirname, '../../../policies/default.yaml'), 'utf8');

describe('winnow shadow', () => {
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-shadow-'));
    mkdirSync(join(work, 'items'));
    for (const f of FILES) copyFileSync(join(EXAMPLES, f), join(work, 'items', f));
    writeFileSync(
      join(work, 'new.yaml'),
      DEFAULT_POLICY.replace(/^version: .*$/m, 'version: "candidate"').replaceAll(
        'thresholds: { review: 0.5, block: 0.85 }',
        'thresholds: { review: 0.2, block: 0.4 }',
      ),
    );
    const scan = await runCli(['scan', 'items', '--state-dir', 'state', '--quiet'], { cwd: work });
    expect(scan.code).toBe(0);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints a diff report with a confusion table, writes it, and stores nothing', async () => {
    const before = (await runCli(['verdicts', '--state-dir', 'state'], { cwd: work })).stdout;
    const r = await runCli(
      [
        'shadow',
        '--policy',
        'new.yaml',
        '--sample',
        '10',
        '--seed',
        '3',
        '--state-dir',
        'state',
        '--out',
        'sh',
      ],
      { cwd: work },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Shadow run');
    expect(r.stdout).toContain('## Decisions (rows: live, columns: candidate)');
    expect(r.stdout).toContain('| live \\ candidate | allow | review | block |');
    expect(r.stdout).toContain('## Cost per 1,000 items');
    const report = JSON.parse(readFileSync(join(work, 'sh', 'report.json'), 'utf8')) as ShadowReport;
    expect(report.totals).toMatchObject({
      sampled: FILES.length,
      compared: FILES.length,
      redecided: FILES.length,
    });
    expect(report.totals.changedDecision).toBeGreaterThan(0);
    expect(report.changes.every((c) => c.live !== c.candidate)).toBe(true);
    expect(report.categories.harassment?.review.block).toBe(1);
    expect(readFileSync(join(work, 'sh', 'report.md'), 'utf8')).toBe(r.stdout);
    expect((await runCli(['verdicts', '--state-dir', 'state'], { cwd: work })).stdout).toBe(before);
  });

  it('scores a directory under both policies when nothing is stored', async () => {
    const r = await runCli(
      ['shadow', '--policy', 'new.yaml', '--sample', '2', '--state-dir', 'empty-state', '--json', 'items'],
      { cwd: work },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ShadowReport;
    expect(report.totals).toMatchObject({ sampled: 2, compared: 2 });
    expect(report.populationSize).toBe(FILES.length);
  });
});
