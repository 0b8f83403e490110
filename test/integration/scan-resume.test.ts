import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Verdict } from '../../core/verdict/verdict';
import { parseJsonl, runCli, WINNOW_BIN } from '../helpers/run-cli';

const ITEMS = 1500;

function countVerdicts(dbFile: string): number {
  if (!existsSync(dbFile)) return 0;
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM verdicts').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('a killed scan resumes and loses nothing', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'winnow-resume-'));
    for (let d = 0; d < 15; d++) {
      mkdirSync(join(work, 'in', `d${d}`), { recursive: true });
      for (let i = 0; i < ITEMS / 15; i++) {
        const n = d * 100 + i;
        const body =
          n % 10 === 0
            ? `order ${n}: call me at +1 415 555 ${String(1000 + n).padStart(4, '0')}`
            : `ordinary message number ${n}`;
        writeFileSync(join(work, 'in', `d${d}`, `m${i}.txt`), body);
      }
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('after SIGKILL mid-run, re-running the same command completes with exactly one verdict per item', async () => {
    const state = join(work, 'state');
    const args = [
      WINNOW_BIN,
      'scan',
      join(work, 'in'),
      '--out',
      join(work, 'out'),
      '--state-dir',
      state,
      '--quiet',
    ];
    const child = spawn(process.execPath, args, {
      cwd: work,
      stdio: 'ignore',
      env: { ...process.env, WINNOW_LOG_LEVEL: 'silent' },
    });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const dbFile = join(state, 'state.sqlite');
    const deadline = Date.now() + 60_000;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = countVerdicts(dbFile);
      if (seen >= 200) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    const atKill = countVerdicts(dbFile);
    expect(seen).toBeGreaterThanOrEqual(200);
    expect(atKill).toBeLessThan(ITEMS);

    const res = await runCli(args.slice(1, -1).concat('--json'), { cwd: work });
    expect(res.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(work, 'out', 'summary.json'), 'utf8'));
    expect(summary.resumed).toBe(true);
    const verdicts = parseJsonl<Verdict>(readFileSync(join(work, 'out', 'verdicts.jsonl'), 'utf8'));
    expect(verdicts).toHaveLength(ITEMS);
    expect(new Set(verdicts.map((v) => v.item.uri)).size).toBe(ITEMS);
    expect(verdicts.filter((v) => v.decision === 'error')).toEqual([]);
    expect(new Set(verdicts.map((v) => v.runId)).size).toBe(1);
    // the resumed process moderated only what was left
    expect(summary.items).toBe(ITEMS);
    expect(summary.processed).toBeLessThanOrEqual(ITEMS - atKill + 10);
  }, 180_000);

  it('stops cleanly on SIGINT with exit 130 and a resume hint, and the re-run completes', async () => {
    const state = join(work, 'state-int');
    const out = join(work, 'out-int');
    const args = [WINNOW_BIN, 'scan', join(work, 'in'), '--out', out, '--state-dir', state, '--quiet'];
    const child = spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && countVerdicts(join(state, 'state.sqlite')) < 100) {
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(stderr).toContain('run the same command again to resume');
    expect(stderr).not.toContain('detector failed');

    const res = await runCli(args.slice(1), { cwd: work });
    expect(res.code).toBe(0);
    const verdicts = parseJsonl<Verdict>(readFileSync(join(out, 'verdicts.jsonl'), 'utf8'));
    expect(new Set(verdicts.map((v) => v.item.uri)).size).toBe(ITEMS);
    expect(verdicts).toHaveLength(ITEMS);
  }, 180_000);
});
