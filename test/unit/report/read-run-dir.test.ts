import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDirError, readRunDir, readVerdictLines } from '../../../core/report/read-run-dir';
import { reportVerdict } from '../../helpers/report-verdict';

describe('readRunDir and readVerdictLines', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-rundir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds verdicts, reads summary.json and eval.json, and names files it could not use', async () => {
    writeFileSync(join(dir, 'verdicts.jsonl'), '');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ runId: 'r1', elapsedMs: 'slow' }));
    writeFileSync(join(dir, 'eval.json'), '{not json');
    const run = await readRunDir(dir);
    expect(run.verdictsFile).toBe(join(dir, 'verdicts.jsonl'));
    expect(run.summary).toEqual({ runId: 'r1' });
    expect(run.evaluation).toBeUndefined();
    expect(run.problems).toEqual(['eval.json could not be read as JSON and was ignored']);
  });

  it('accepts an eval-only directory and refuses one with neither file', async () => {
    writeFileSync(join(dir, 'eval.json'), '{}');
    expect((await readRunDir(dir)).evaluation).toEqual({});
    rmSync(join(dir, 'eval.json'));
    await expect(readRunDir(dir)).rejects.toThrow(RunDirError);
    await expect(readRunDir(join(dir, 'missing'))).rejects.toThrow('is not a directory');
  });

  it('streams verdicts line by line, marking lines that are not valid verdicts', async () => {
    const v = reportVerdict();
    writeFileSync(
      join(dir, 'verdicts.jsonl'),
      `${JSON.stringify(v)}\n\n{"schema":"winnow.verdict/v1"}\nnot json\r\n${JSON.stringify(v)}`,
    );
    const lines = [];
    for await (const l of readVerdictLines(join(dir, 'verdicts.jsonl'))) lines.push([l.kind, l.line]);
    expect(lines).toEqual([
      ['verdict', 1],
      ['invalid', 3],
      ['invalid', 4],
      ['verdict', 5],
    ]);
  });
});
