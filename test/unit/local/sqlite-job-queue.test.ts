import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import * as ts from 'typescript';
import { openStateDir, SqliteJobQueue, StaleReceiptError, type StateDir } from '../../../adapters/local';
import { TransientStoreError } from '../../../core/errors';

const REPO = join(__dirname, '../../..');
let base: string;
let state: StateDir;

beforeEach(() => {
  base = fs.mkdtempSync(join(tmpdir(), 'winnow-queue-'));
  state = openStateDir(join(base, 'state'));
});
afterEach(() => {
  state.close();
  fs.rmSync(base, { recursive: true, force: true });
});

describe('receipts', () => {
  it('ignores delete with a stale receipt, and the message stays', async () => {
    const q = state.queue<string>('q');
    await q.sendBatch(['m']);
    const [first] = await q.receive({ visibilityTimeoutSec: 60 });
    await q.extendVisibility(first?.receipt as string, 0);
    const [second] = await q.receive({ visibilityTimeoutSec: 60 });
    await q.delete(first?.receipt as string);
    expect(await q.depth()).toEqual({ visible: 0, inFlight: 1 });
    await q.delete(second?.receipt as string);
    expect(await q.depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('throws on extendVisibility with a stale receipt', async () => {
    const q = state.queue<string>('q');
    await q.sendBatch(['m']);
    const [first] = await q.receive({ visibilityTimeoutSec: 60 });
    await q.extendVisibility(first?.receipt as string, 0);
    const [second] = await q.receive({ visibilityTimeoutSec: 60 });
    await expect(q.extendVisibility(first?.receipt as string, 60)).rejects.toBeInstanceOf(StaleReceiptError);
    await q.delete(second?.receipt as string);
    await expect(q.extendVisibility(second?.receipt as string, 60)).rejects.toBeInstanceOf(StaleReceiptError);
    await expect(q.extendVisibility('made-up', 60)).rejects.toBeInstanceOf(StaleReceiptError);
  });

  it('keeps queues of one database apart', async () => {
    const a = state.queue<string>('a');
    const b = state.queue<string>('b');
    await a.sendBatch(['for a']);
    expect(await b.receive()).toEqual([]);
    const [m] = await a.receive({ visibilityTimeoutSec: 60 });
    await b.delete(m?.receipt as string);
    await expect(b.extendVisibility(m?.receipt as string, 1)).rejects.toBeInstanceOf(StaleReceiptError);
    expect(await a.depth()).toEqual({ visible: 0, inFlight: 1 });
  });
});

describe('dead-lettering', () => {
  it('moves a message, id and body intact, on the receive after maxReceives', async () => {
    const q = state.queue<{ k: string }>('jobs', { maxReceives: 1 });
    expect(q.deadLetter?.name).toBe('jobs-dlq');
    expect(q.deadLetter?.deadLetter).toBeUndefined();
    await q.sendBatch([{ k: 'poison' }, { k: 'fine' }]);
    const first = await q.receive({ max: 10, visibilityTimeoutSec: 60 });
    expect(first).toHaveLength(2);
    const poison = first.find((m) => m.body.k === 'poison');
    const fine = first.find((m) => m.body.k === 'fine');
    await q.extendVisibility(poison?.receipt as string, 0);
    expect(await q.receive({ max: 10 })).toEqual([]);
    expect(await q.depth()).toEqual({ visible: 0, inFlight: 1 });
    const dead = await q.deadLetter?.receive();
    expect(dead).toMatchObject([{ id: poison?.id, body: { k: 'poison' }, receiveCount: 1 }]);
    await q.delete(fine?.receipt as string);
  });

  it('can be disabled', async () => {
    const q = state.queue<string>('nodlq', { maxReceives: Number.POSITIVE_INFINITY });
    expect(q.deadLetter).toBeUndefined();
    await q.sendBatch(['x']);
    for (let i = 1; i <= 8; i++) {
      const [m] = await q.receive({ visibilityTimeoutSec: 60 });
      expect(m?.receiveCount).toBe(i);
      await q.extendVisibility(m?.receipt as string, 0);
    }
  });
});

describe('recovery and limits', () => {
  it('releaseInFlight makes in-flight messages visible and invalidates their receipts', async () => {
    const q = state.queue<number>('q');
    await q.sendBatch([1, 2, 3]);
    const got = await q.receive({ max: 2, visibilityTimeoutSec: 600 });
    expect(q.releaseInFlight()).toBe(2);
    expect(await q.depth()).toEqual({ visible: 3, inFlight: 0 });
    await q.delete(got[0]?.receipt as string);
    await expect(q.extendVisibility(got[1]?.receipt as string, 10)).rejects.toBeInstanceOf(StaleReceiptError);
    expect(await q.depth()).toEqual({ visible: 3, inFlight: 0 });
    expect(q.releaseInFlight()).toBe(0);
  });

  it('releaseInFlight also releases the dead-letter queue', async () => {
    const q = state.queue<number>('q', { maxReceives: 1 });
    await q.sendBatch([1]);
    const [m] = await q.receive({ visibilityTimeoutSec: 600 });
    await q.extendVisibility(m?.receipt as string, 0);
    expect(await q.receive()).toEqual([]);
    const dlq = q.deadLetter as SqliteJobQueue<number>;
    expect(await dlq.receive({ visibilityTimeoutSec: 600 })).toHaveLength(1);
    expect(await dlq.depth()).toEqual({ visible: 0, inFlight: 1 });
    expect(q.releaseInFlight()).toBe(1);
    expect(await dlq.depth()).toEqual({ visible: 1, inFlight: 0 });
  });

  it('sends 10,000 messages in one quick transaction', async () => {
    const q = state.queue<{ n: number; key: string }>('bulk');
    const bodies = Array.from({ length: 10_000 }, (_, n) => ({ n, key: `dir/sub/file-${n}.txt` }));
    const started = Date.now();
    await q.sendBatch(bodies);
    const elapsed = Date.now() - started;
    expect(await q.depth()).toEqual({ visible: 10_000, inFlight: 0 });
    expect(elapsed).toBeLessThan(2000);
  });

  it('waits for the whole long poll when nothing arrives, without spinning', async () => {
    const q = new SqliteJobQueue<string>(state, 'idle', { pollIntervalMs: 100 });
    const txSpy = jest.spyOn(state.db, 'transaction');
    const started = Date.now();
    expect(await q.receive({ waitTimeSec: 1 })).toEqual([]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2000);
    expect(txSpy.mock.calls.length).toBeLessThanOrEqual(15);
    txSpy.mockRestore();
  });

  it('validates arguments', async () => {
    const q = state.queue<string>('q');
    await expect(q.receive({ max: 11 })).rejects.toThrow(RangeError);
    await expect(q.receive({ max: 0 })).rejects.toThrow(RangeError);
    await expect(q.receive({ waitTimeSec: 21 })).rejects.toThrow(RangeError);
    await expect(q.extendVisibility('r', -1)).rejects.toThrow(RangeError);
    expect(() => state.queue('bad', { maxReceives: 0 })).toThrow(RangeError);
  });

  it('maps a busy database to TransientStoreError', async () => {
    const other = new Database(join(base, 'state', 'state.sqlite'));
    other.pragma('busy_timeout = 50');
    const q = new SqliteJobQueue<string>(other, 'q');
    state.db.exec('BEGIN IMMEDIATE');
    try {
      await expect(q.sendBatch(['x'])).rejects.toBeInstanceOf(TransientStoreError);
      await expect(q.receive()).rejects.toBeInstanceOf(TransientStoreError);
    } finally {
      state.db.exec('ROLLBACK');
      other.close();
    }
  });
});

describe('several processes on one file', () => {
  /** Compiles the queue and what it imports to plain JS, so child processes can load it. */
  function compileForChildren(outDir: string): string {
    const files = [
      'core/errors.ts',
      'adapters/local/sqlite-job-queue.ts',
      'adapters/local/sqlite-errors.ts',
      'adapters/local/state-db.ts',
      'adapters/local/state-schema.ts',
    ];
    for (const rel of files) {
      const source = fs.readFileSync(join(REPO, rel), 'utf8');
      const out = ts.transpileModule(source, {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
      });
      const dest = join(outDir, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(dirname(dest), { recursive: true });
      fs.writeFileSync(dest, out.outputText);
    }
    return join(outDir, 'adapters/local/sqlite-job-queue.js');
  }

  const consumer = `
    const Database = require('better-sqlite3');
    const { SqliteJobQueue } = require(process.argv[1]);
    const db = new Database(process.argv[2]);
    db.pragma('busy_timeout = 10000');
    const q = new SqliteJobQueue(db, 'shared');
    (async () => {
      const ids = [];
      for (;;) {
        const got = await q.receive({ max: 5, visibilityTimeoutSec: 600 });
        if (got.length === 0) break;
        for (const m of got) { ids.push(m.id); await q.delete(m.receipt); }
      }
      process.stdout.write(JSON.stringify(ids));
    })();
  `;

  it('never hands one message to two consumers', async () => {
    const modulePath = compileForChildren(join(base, 'js'));
    const q = state.queue<number>('shared');
    const total = 3000;
    await q.sendBatch(Array.from({ length: total }, (_, i) => i));
    const dbFile = join(base, 'state', 'state.sqlite');
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', consumer, modulePath, dbFile], {
            env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') },
          });
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => {
            out += d;
          });
          child.stderr.on('data', (d) => {
            err += d;
          });
          child.on('error', reject);
          child.on('close', (code) =>
            code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`consumer failed: ${err}`)),
          );
        }),
    );
    const perChild = await Promise.all(runs);
    const all = perChild.flat();
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    expect(await q.depth()).toEqual({ visible: 0, inFlight: 0 });
  });
});
