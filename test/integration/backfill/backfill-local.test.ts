import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runCli, WINNOW_BIN } from '../../helpers/run-cli';
import { countVerdictRows, readVerdictRows, scoredFromLogs, waitFor } from './backfill-helpers';

const ITEMS = 2000;
const DIRS = 20;

describe('winnow backfill over a local directory', () => {
  let work: string;
  let input: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'winnow-backfill-'));
    input = join(work, 'in');
    for (let d = 0; d < DIRS; d++) {
      mkdirSync(join(input, `d${d}`), { recursive: true });
      for (let i = 0; i < ITEMS / DIRS; i++) {
        const n = d * (ITEMS / DIRS) + i;
        const body =
          n % 10 === 0
            ? `order ${n}: call me at +1 415 555 ${String(1000 + n).padStart(4, '0')}`
            : `ordinary message number ${n}`;
        writeFileSync(join(input, `d${d}`, `m${i}.txt`), body);
      }
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const state = () => join(work, 'state');
  const baseArgs = () => [
    'backfill',
    input,
    '--state-dir',
    state(),
    '--out',
    join(work, 'out'),
    '--concurrency',
    '8',
    '--quiet',
  ];

  it('killed halfway and restarted, scores every object exactly once', async () => {
    const dbFile = join(state(), 'state.sqlite');
    const child = spawn(process.execPath, [WINNOW_BIN, ...baseArgs()], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, WINNOW_LOG_LEVEL: 'info' },
    });
    let firstLog = '';
    child.stderr?.on('data', (d) => {
      firstLog += d;
    });
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const halfway = await waitFor(() => countVerdictRows(dbFile) >= ITEMS / 2, 60_000);
    child.kill('SIGKILL');
    await closed;
    expect(halfway).toBe(true);
    const beforeRestart = new Map(readVerdictRows(dbFile).map((v) => [v.uri, v]));
    expect(beforeRestart.size).toBeGreaterThanOrEqual(ITEMS / 2);
    expect(beforeRestart.size).toBeLessThan(ITEMS);

    const res = await runCli([...baseArgs(), '--json'], { cwd: work, env: { WINNOW_LOG_LEVEL: 'info' } });
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    const report = JSON.parse(readFileSync(join(work, 'out', 'backfill-report.json'), 'utf8'));
    expect(report).toMatchObject({ complete: true, resumed: true });

    // Exactly one verdict per object, all of the one run, none failed.
    const after = readVerdictRows(dbFile);
    expect(after).toHaveLength(ITEMS);
    expect(new Set(after.map((v) => v.uri)).size).toBe(ITEMS);
    expect(new Set(after.map((v) => v.runId))).toEqual(new Set([report.runId]));
    expect(after.filter((v) => v.decision === 'error')).toEqual([]);
    // What was written before the kill was not written again after it.
    for (const v of after) {
      const earlier = beforeRestart.get(v.uri);
      if (earlier) expect(v.createdAt).toBe(earlier.createdAt);
    }
    // Across both processes, the detectors ran at most once per object (an item in flight at the kill may have
    // been scored and cached without its verdict: the restart then reads it from the cache).
    const scored = scoredFromLogs(firstLog + res.stderr);
    expect([...scored.values()].every((n) => n === 1)).toBe(true);
    expect(scored.size).toBeGreaterThanOrEqual(ITEMS - 16);
    expect(summary).toEqual({
      listed: ITEMS,
      scored: expect.any(Number),
      skipped: expect.any(Number),
      failed: 0,
      estimatedCost: expect.any(Number),
    });
    expect(summary.scored + summary.skipped).toBe(ITEMS);
    expect(summary.skipped).toBeLessThanOrEqual(16);
    expect(summary.estimatedCost).toBeGreaterThan(0);
  }, 180_000);

  it('a second backfill over the same objects scores nothing new, and --json prints only the summary', async () => {
    const dbFile = join(state(), 'state.sqlite');
    const before = new Map(readVerdictRows(dbFile).map((v) => [v.uri, v.createdAt]));
    const res = await runCli([...baseArgs(), '--json'], { cwd: work, env: { WINNOW_LOG_LEVEL: 'info' } });
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(Object.keys(summary).sort()).toEqual(['estimatedCost', 'failed', 'listed', 'scored', 'skipped']);
    expect(summary).toEqual({ listed: ITEMS, scored: 0, skipped: ITEMS, failed: 0, estimatedCost: 0 });
    expect(scoredFromLogs(res.stderr).size).toBe(0);
    const after = readVerdictRows(dbFile);
    expect(after).toHaveLength(ITEMS);
    for (const v of after) expect(v.createdAt).toBe(before.get(v.uri));
  }, 120_000);

  it('--max-cost stops early (exit 4) and a rerun with a larger ceiling finishes', async () => {
    const args = [
      'backfill',
      join(input, 'd3'),
      '--state-dir',
      join(work, 'state-cost'),
      '--out',
      join(work, 'out-cost'),
      '--json',
    ];
    const stopped = await runCli([...args, '--max-cost', '0.0001'], { cwd: work });
    expect(stopped.code).toBe(4);
    expect(stopped.stderr).toContain('cost ceiling');
    const partial = JSON.parse(stopped.stdout);
    expect(partial.scored).toBeGreaterThan(0);
    expect(partial.scored).toBeLessThan(100);
    expect(partial.estimatedCost).toBeLessThanOrEqual(0.0001);
    const report = JSON.parse(readFileSync(join(work, 'out-cost', 'backfill-report.json'), 'utf8'));
    expect(report).toMatchObject({ complete: false, stopReason: 'cost-ceiling', maxCost: 0.0001 });

    const finished = await runCli([...args, '--max-cost', '5'], { cwd: work });
    expect(finished.code).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ listed: 100, scored: 100, skipped: 0, failed: 0 });
    const rows = readVerdictRows(join(work, 'state-cost', 'state.sqlite'));
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.runId)).size).toBe(1);
  }, 120_000);

  it('reads an S3 Inventory CSV manifest instead of listing, with filters', async () => {
    const inv = join(work, 'inventory');
    mkdirSync(join(inv, 'data'), { recursive: true });
    const keys = Array.from({ length: 40 }, (_, i) => `d5/m${i}.txt`);
    const line = (k: string) => `"photos","${k}","30","2024-05-01T00:00:00.000Z","etag-${k}","STANDARD"`;
    // Two data files; a key that is not in the directory gets an error verdict, like a deleted object.
    writeFileSync(join(inv, 'data', 'a.csv.gz'), gzipSync(`${keys.slice(0, 25).map(line).join('\n')}\n`));
    writeFileSync(
      join(inv, 'data', 'b.csv.gz'),
      gzipSync(`${[...keys.slice(25), 'd5/m99.jpg', 'gone.txt'].map(line).join('\n')}\n`),
    );
    writeFileSync(
      join(inv, 'manifest.json'),
      JSON.stringify({
        sourceBucket: 'photos',
        destinationBucket: 'arn:aws:s3:::inv',
        fileFormat: 'CSV',
        fileSchema: 'Bucket, Key, Size, LastModifiedDate, ETag, StorageClass',
        files: [{ key: 'data/a.csv.gz' }, { key: 'data/b.csv.gz' }],
      }),
    );
    const args = [
      'backfill',
      input,
      '--inventory',
      join(inv, 'manifest.json'),
      '--suffix',
      '.txt',
      '--state-dir',
      join(work, 'state-inv'),
      '--out',
      join(work, 'out-inv'),
      '--json',
    ];
    const res = await runCli(args, { cwd: work });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      listed: 41,
      scored: 40,
      skipped: 0,
      failed: 1,
      estimatedCost: expect.any(Number),
    });
    const rows = readVerdictRows(join(work, 'state-inv', 'state.sqlite'));
    const byUri = new Map(rows.map((r) => [r.uri, r]));
    for (const k of keys) expect(byUri.get(pathToFileURL(join(input, k)).href)?.decision).not.toBe('error');
    expect(byUri.get(pathToFileURL(join(input, 'gone.txt')).href)?.decision).toBe('error');

    const again = await runCli(args, { cwd: work });
    expect(JSON.parse(again.stdout)).toMatchObject({ listed: 41, scored: 0, skipped: 40, failed: 1 });
  }, 120_000);

  it('refuses bad flags with a usage error', async () => {
    for (const bad of [
      ['--rate', '0'],
      ['--media', 'pictures'],
      ['--modified-after', 'yesterday'],
    ]) {
      const res = await runCli(['backfill', input, '--state-dir', join(work, 'state-bad'), ...bad], {
        cwd: work,
      });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('Usage: winnow backfill');
    }
  }, 60_000);
});
