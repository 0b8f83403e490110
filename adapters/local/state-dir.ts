import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { RunStateStore } from '../../core/ports/run-state-store';
import { SqliteContentCache } from './sqlite-content-cache';
import { withSqlite } from './sqlite-errors';
import { SqliteJobQueue, type SqliteJobQueueOptions } from './sqlite-job-queue';
import { SqliteVerdictStore } from './sqlite-verdict-store';
import type { StateDb } from './state-db';
import { acquireLock, type HeldLock } from './state-lock';
import { migrateStateDb } from './state-schema';

/** Options for {@link openStateDir}. */
export interface OpenStateDirOptions {
  /** Take the dir's lock file, so no other process can open it exclusively (a scan must). Default false. */
  readonly exclusive?: boolean;
  /** How long a statement waits for another process's write lock before failing transiently. Default 5000. */
  readonly busyTimeoutMs?: number;
}

/** An open state dir: the local queue, verdicts, content cache and run metadata, in one SQLite file. */
export interface StateDir extends StateDb, RunStateStore {
  /** The absolute directory. */
  readonly dir: string;
  readonly verdicts: SqliteVerdictStore;
  readonly cache: SqliteContentCache;
  /** Whether this process holds the dir's lock. */
  readonly exclusive: boolean;
  /** A named queue in this dir (its dead-letter queue is `${name}-dlq`). */
  queue<T>(name: string, options?: SqliteJobQueueOptions): SqliteJobQueue<T>;
  /** Closes the database and releases the lock. Idempotent. */
  close(): void;
}

/** The database file inside a state dir. */
export const STATE_DB_FILE = 'state.sqlite';
/** The lock file inside a state dir. */
export const STATE_LOCK_FILE = 'lock';

/**
 * Opens (creating as needed) a state dir: `state.sqlite` in WAL mode, migrated to the current schema. With
 * `exclusive`, first takes the `lock` file (pid, host and start time): a lock left by a dead process is taken
 * over, one held by a live process throws `StateDirLockedError` naming its pid and the dir.
 */
export function openStateDir(dir: string, options: OpenStateDirOptions = {}): StateDir {
  const abs = path.resolve(dir);
  fs.mkdirSync(abs, { recursive: true });
  const lock: HeldLock | undefined = options.exclusive
    ? acquireLock(path.join(abs, STATE_LOCK_FILE), abs)
    : undefined;
  let db: Database.Database;
  try {
    db = withSqlite(`state dir ${abs}: open`, () => {
      const d = new Database(path.join(abs, STATE_DB_FILE));
      try {
        d.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
        d.pragma('journal_mode = WAL');
        // In WAL mode NORMAL survives process crashes; a power loss may drop the last commits, but never
        // reorders them, so a listing cursor is never ahead of the jobs it queued.
        d.pragma('synchronous = NORMAL');
        d.pragma('foreign_keys = ON');
        migrateStateDb(d);
        return d;
      } catch (err) {
        d.close();
        throw err;
      }
    });
  } catch (err) {
    lock?.release();
    throw err;
  }

  const getRunStmt = db.prepare<[string], { json: string }>('SELECT json FROM runs WHERE id = ?');
  const putRunStmt = db.prepare<[string, string, string]>(
    `INSERT INTO runs (id, json, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
  );
  let closed = false;

  return {
    dir: abs,
    db,
    exclusive: lock !== undefined,
    verdicts: new SqliteVerdictStore(db),
    cache: new SqliteContentCache(db),
    queue: <T>(name: string, queueOptions?: SqliteJobQueueOptions) =>
      new SqliteJobQueue<T>(db, name, queueOptions),
    async getRun<T extends object>(id: string): Promise<T | undefined> {
      const row = withSqlite('state dir: get run', () => getRunStmt.get(id));
      return row ? (JSON.parse(row.json) as T) : undefined;
    },
    async putRun<T extends object>(id: string, state: T): Promise<void> {
      const json = JSON.stringify(state);
      withSqlite('state dir: put run', () => putRunStmt.run(id, json, new Date().toISOString()));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        db.close();
      } finally {
        lock?.release();
      }
    },
  };
}
