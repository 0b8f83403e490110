import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadPolicy } from '../../core/policy/load-policy';
import type { Verdict } from '../../core/verdict/verdict';
import { parseJsonl, runCli } from '../helpers/run-cli';

const SCAM = join(__dirname, '../../examples/images/scam-text.png');

describe('the ocr.fastTier policy switch', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'winnow-ocr-policy-'));
    mkdirSync(join(work, 'in'));
    copyFileSync(SCAM, join(work, 'in', 'scam-text.png'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function scanWith(fastTier: boolean, name: string): Promise<Verdict> {
    const policy = { ...loadPolicy(), id: `ocr-${name}`, ocr: { fastTier } };
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, stringify(policy));
    const out = join(work, `out-${name}`);
    const res = await runCli(
      ['scan', join(work, 'in'), '--policy', file, '--out', out, '--state-dir', join(work, `state-${name}`)],
      { cwd: work },
    );
    // Only progress lines (printed on long scans) may reach stderr.
    expect(res.stderr.split('\n').filter((l) => l && !/^winnow: \d+\/\d+ /.test(l))).toEqual([]);
    const [verdict] = parseJsonl<Verdict>(readFileSync(join(out, 'verdicts.jsonl'), 'utf8'));
    return verdict as Verdict;
  }

  it('reads text in images by default, and skips OCR in the fast tier, with the reason, when switched off', async () => {
    const on = await scanWith(true, 'on');
    expect(on.decision).toBe('block');
    expect(on.detectors.find((d) => d.id === 'image-ocr')?.status).toBe('ok');

    const off = await scanWith(false, 'off');
    expect(off.decision).toBe('allow');
    expect(off.detectors.find((d) => d.id === 'image-ocr')).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('ocr.fastTier: false'),
    });
    expect(off.signals.some((s) => s.detector === 'image-ocr')).toBe(false);
  });
});
