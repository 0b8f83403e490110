import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CostReport } from '../../core/cost/cost-report';
import { runCli } from '../helpers/run-cli';

const MEASURED = join(__dirname, '../../bench/measured.json');

describe('winnow cost', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'winnow-cost-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints the table with the Rekognition comparison, the prices version and the figures used', async () => {
    const res = await runCli(['cost'], { cwd: work });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/prices aws-us-east-1-\d{4}-\d{2}-\d{2} \(as of \d{4}-\d{2}-\d{2}\)/);
    expect(res.stdout).toMatch(/\$\/1,000 p50 +\$\/1,000 p95/);
    expect(res.stdout).toMatch(
      /image, no text \(OCR on\) +fast: Lambda .*\$1\.00 \(\$1\.00 per 1,000 images\) +\d+× cheaper/,
    );
    expect(res.stdout).toMatch(/video with soundtrack, 60 s +heavy: g4dn\.xlarge spot .*\$0\.100 per minute/);
    expect(res.stdout).toContain('Target: ');
    expect(res.stdout).toMatch(/: met\.\n/);
    expect(res.stdout).toMatch(
      /fast-tier\.image\.no-text\.ocr-on\.p50 = [\d.]+ ms \(measured \d{4}-\d{2}-\d{2} on /,
    );
  });

  it('prints one JSON object with --json, honouring --duration and --lambda-cpu-factor', async () => {
    const res = await runCli(['cost', '--json', '--duration', '120', '--lambda-cpu-factor', '2'], {
      cwd: work,
    });
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as CostReport;
    expect(report.pricesVersion).toMatch(/^aws-us-east-1-/);
    expect(report.options).toMatchObject({ durationSec: 120, lambdaCpuFactor: 2 });
    expect(report.rows.length).toBeGreaterThan(5);
    const video = report.rows.find((r) => r.media === 'video' && r.capacity === 'on-demand');
    expect(video).toMatchObject({ tier: 'heavy', durationSec: 120, rekognition: { per1000: 200 } });
    expect(video?.breakdown.length).toBeGreaterThan(3);
    expect(report.figures.every((f) => /^\d{4}-\d{2}-\d{2}$/.test(f.measured))).toBe(true);
  });

  it('reads --measured and names a missing figure', async () => {
    const measured = JSON.parse(readFileSync(MEASURED, 'utf8'));
    delete measured.figures['heavy-tier.audio.rtf'];
    const file = join(work, 'measured.json');
    writeFileSync(file, JSON.stringify(measured));
    const res = await runCli(['cost', '--measured', file], { cwd: work });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('measured figure "heavy-tier.audio.rtf" is missing');
  });

  it('exits with the usage code on a bad flag or value, and on a missing price list', async () => {
    const bad = await runCli(['cost', '--no-such-flag'], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: winnow cost');
    const value = await runCli(['cost', '--duration', 'soon'], { cwd: work });
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('--duration must be a number above 0');
    const prices = await runCli(['cost', '--prices', join(work, 'none.json')], { cwd: work });
    expect(prices.code).toBe(2);
    expect(prices.stderr).toMatch(/price list .*none\.json: no such file/);
  });
});
