import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  migrateStateDb,
  openStateDir,
  STATE_SCHEMA_VERSION,
  type StateDir,
  StateDirLockedError,
} from '../../../adapters/local';
import { ConfigError } from '../../../core/errors';
import { makeCachedResult, makeVerdict } from '../../contract/contract-helpers';

let dir: string;
const opened: StateDir[] = [];
const open = (options?: Parameters<typeof openStateDir>[1]): StateDir => {
  const s = openStateDir(dir, options);
  opened.push(s);
  return s;
};

beforeEach(() => {
  dir = join(fs.mkdtempSync(join(tmpdir(), 'winnow-state-')), 'nested', 'state');
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  fs.rmSync(join(dir, '..', '..'), { recursive: true, force: true });
});

const lockPath = () => join(dir, 'lock');
const writeLock = (owner: object) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(lockPath(), JSON.stringify(owner));
};
/** A pid that just exited, so no process has it (pids are not reused this quickly). */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (!child.pid) throw new Error('could not spawn');
  return child.pid;
};

describe('opening', () => {
  it('creates the dir and a WAL database at the current schema version', () => {
    const state = open();
    expect(fs.existsSync(join(dir, 'state.sqlite'))).toBe(true);
    expect(state.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(state.db.pragma('user_version', { simple: true })).toBe(STATE_SCHEMA_VERSION);
    expect(Number(state.db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
  });

  it('migrates idempotently', () => {
    open().close();
    const state = open();
    migrateStateDb(state.db);
    migrateStateDb(state.db);
    expect(state.db.pragma('user_version', { simple: true })).toBe(STATE_SCHEMA_VERSION);
    const tables = state.db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['content_cache', 'queue_messages', 'runs', 'verdict_categories', 'verdicts']),
    );
  });

  it('refuses a database from a newer Winnow', () => {
    fs.mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, 'state.sqlite'));
    db.pragma(`user_version = ${STATE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open()).toThrow(ConfigError);
    expect(() => open()).toThrow(/newer/);
  });
});

describe('exclusive lock', () => {
  it('writes pid, host and start time, and removes the lock on close', () => {
    const state = open({ exclusive: true });
    expect(state.exclusive).toBe(true);
    const owner = JSON.parse(fs.readFileSync(lockPath(), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Number.isNaN(Date.parse(owner.startedAt))).toBe(false);
    state.close();
    state.close();
    expect(fs.existsSync(lockPath())).toBe(false);
    open({ exclusive: true });
  });

  it('refuses while a live process holds it, naming the pid and the dir', () => {
    open({ exclusive: true });
    const err = (() => {
      try {
        open({ exclusive: true });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StateDirLockedError);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect((err as Error).message).toContain(dir);
    // Readers need no lock.
    expect(open().exclusive).toBe(false);
  });

  it('refuses a lock held by another live process', () => {
    writeLock({ pid: process.ppid, host: hostname(), startedAt: '2024-01-01T00:00:00.000Z' });
    expect(() => open({ exclusive: true })).toThrow(new RegExp(`pid ${process.ppid}\\b`));
    expect(JSON.parse(fs.readFileSync(lockPath(), 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over a lock left by a dead process', () => {
    const pid = deadPid();
    writeLock({ pid, host: hostname(), startedAt: '2024-01-01T00:00:00.000Z' });
    open({ exclusive: true });
    expect(JSON.parse(fs.readFileSync(lockPath(), 'utf8')).pid).toBe(process.pid);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('lock'))).toEqual(['lock']);
  });

  it('refuses a lock from another host, whose process it cannot check', () => {
    writeLock({ pid: deadPid(), host: `not-${hostname()}`, startedAt: '2024-01-01T00:00:00.000Z' });
    expect(() => open({ exclusive: true })).toThrow(/on host not-/);
  });

  it('takes over an unreadable lock only once it is old', () => {
    writeLock({});
    fs.writeFileSync(lockPath(), 'garbage');
    expect(() => open({ exclusive: true })).toThrow(StateDirLockedError);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockPath(), old, old);
    open({ exclusive: true });
    expect(JSON.parse(fs.readFileSync(lockPath(), 'utf8')).pid).toBe(process.pid);
  });
});

describe('durability', () => {
  it('keeps queued messages across close and reopen, and releases in-flight ones', async () => {
    const first = open({ exclusive: true });
    const q1 = first.queue<{ n: number }>('jobs', { maxReceives: 3 });
    await q1.sendBatch([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const [taken] = await q1.receive({ visibilityTimeoutSec: 600 });
    first.close();

    const second = open({ exclusive: true });
    const q2 = second.queue<{ n: number }>('jobs', { maxReceives: 3 });
    expect(await q2.depth()).toEqual({ visible: 2, inFlight: 1 });
    expect(q2.releaseInFlight()).toBe(1);
    expect(await q2.depth()).toEqual({ visible: 3, inFlight: 0 });
    const all = await q2.receive({ max: 10 });
    expect(all.map((m) => m.body.n).sort()).toEqual([1, 2, 3]);
    expect(all.find((m) => m.id === taken?.id)?.receiveCount).toBe(2);
  });

  it('keeps runs, verdicts and cache entries across reopen', async () => {
    const first = open();
    expect(await first.getRun('scan:1')).toBeUndefined();
    await first.putRun('scan:1', { status: 'listing', cursor: 'a/b' });
    await first.putRun('scan:1', { status: 'scoring', cursor: 'z' });
    const verdict = makeVerdict({ uri: 'file:///x.txt', decision: 'block', categories: { hate: 'block' } });
    await first.verdicts.put(verdict);
    const key = { sha256: 'f'.repeat(64), policyVersion: '1', detectorsFingerprint: 'fp' };
    await first.cache.put(key, makeCachedResult());
    first.close();

    const second = open();
    expect(await second.getRun('scan:1')).toEqual({ status: 'scoring', cursor: 'z' });
    expect(await second.verdicts.get('file:///x.txt')).toEqual(verdict);
    expect(await second.cache.get(key)).toEqual(makeCachedResult());
  });
});
