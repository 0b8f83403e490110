import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PermanentError } from '../../core/errors';
import type { JobQueue, QueueDepth, ReceivedMessage, ReceiveOptions } from '../../core/ports/job-queue';
import { withSqlite } from './sqlite-errors';
import { databaseOf, type StateDb } from './state-db';
import { migrateStateDb } from './state-schema';

/** A receipt that no longer names an in-flight receive: the message was deleted or received again since. */
export class StaleReceiptError extends PermanentError {
  readonly code = 'stale-receipt';
}

/** Options for {@link SqliteJobQueue}. */
export interface SqliteJobQueueOptions {
  /**
   * Receives before dead-lettering, as SQS's `maxReceiveCount`: a message already received this many times is
   * moved to `${name}-dlq` instead of being delivered again. `Infinity` disables the dead-letter queue.
   * Default 5.
   */
  readonly maxReceives?: number;
  /** Default seconds a received message stays hidden. Default 30. */
  readonly visibilityTimeoutSec?: number;
  /** Milliseconds between polls while long polling. Default 50. */
  readonly pollIntervalMs?: number;
}

/** Longest visibility timeout, as SQS allows (12 hours). */
const MAX_VISIBILITY_SEC = 12 * 60 * 60;
/** Longest long poll, as SQS allows. */
const MAX_WAIT_SEC = 20;
const MAX_BATCH = 10;

interface Row {
  seq: number;
  id: string;
  body: string;
  receive_count: number;
}

function checkSeconds(what: string, seconds: number, max: number): void {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > max) {
    throw new RangeError(`${what} must be between 0 and ${max} seconds, got ${seconds}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A {@link JobQueue} in a SQLite database (the state dir's `state.sqlite`), safe to share between processes:
 * receiving runs in an immediate (write-locked) transaction, so no message is handed to two consumers at once.
 *
 * SQS semantics throughout: every receive issues a new receipt; `delete` with a stale receipt is ignored,
 * `extendVisibility` with one throws {@link StaleReceiptError}; long polling waits up to `waitTimeSec`.
 * Bodies are stored as JSON. Given a bare `Database`, the caller sets WAL mode and `busy_timeout` (as
 * `openStateDir` does); the schema is migrated here if needed.
 */
export class SqliteJobQueue<T> implements JobQueue<T> {
  readonly name: string;
  readonly maxReceives: number;
  readonly visibilityTimeoutSec: number;
  /** Where messages go after `maxReceives` receives; absent when dead-lettering is disabled. */
  readonly deadLetter?: SqliteJobQueue<T>;

  private readonly db: Database.Database;
  private readonly pollIntervalMs: number;
  private readonly stmts: ReturnType<SqliteJobQueue<T>['prepare']>;

  constructor(db: Database.Database | StateDb, name: string, options: SqliteJobQueueOptions = {}) {
    this.db = databaseOf(db);
    this.name = name;
    this.maxReceives = options.maxReceives ?? 5;
    this.visibilityTimeoutSec = options.visibilityTimeoutSec ?? 30;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    if (!(this.maxReceives >= 1))
      throw new RangeError(`maxReceives must be at least 1, got ${this.maxReceives}`);
    checkSeconds('visibilityTimeoutSec', this.visibilityTimeoutSec, MAX_VISIBILITY_SEC);
    migrateStateDb(this.db);
    this.stmts = this.prepare();
    if (Number.isFinite(this.maxReceives)) {
      this.deadLetter = new SqliteJobQueue<T>(this.db, `${name}-dlq`, {
        maxReceives: Number.POSITIVE_INFINITY,
        visibilityTimeoutSec: this.visibilityTimeoutSec,
        pollIntervalMs: this.pollIntervalMs,
      });
    }
  }

  private prepare() {
    const db = this.db;
    return {
      insert: db.prepare(
        'INSERT INTO queue_messages (queue, id, body, sent_at, visible_at, receive_count) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      visible: db.prepare<[string, number, number], Row>(
        `SELECT seq, id, body, receive_count FROM queue_messages
         WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?`,
      ),
      take: db.prepare(
        'UPDATE queue_messages SET receipt = ?, receive_count = receive_count + 1, visible_at = ? WHERE seq = ?',
      ),
      moveToDlq: db.prepare(
        'UPDATE queue_messages SET queue = ?, receipt = NULL, receive_count = 0, visible_at = ? WHERE seq = ?',
      ),
      extend: db.prepare('UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND receipt = ?'),
      delete: db.prepare('DELETE FROM queue_messages WHERE queue = ? AND receipt = ?'),
      depth: db.prepare<[number, number, string], { visible: number; inFlight: number }>(
        `SELECT COALESCE(SUM(visible_at <= ?), 0) AS visible, COALESCE(SUM(visible_at > ?), 0) AS inFlight
         FROM queue_messages WHERE queue = ?`,
      ),
      release: db.prepare(
        'UPDATE queue_messages SET visible_at = ?, receipt = NULL WHERE queue = ? AND receipt IS NOT NULL AND visible_at > ?',
      ),
    };
  }

  async sendBatch(bodies: readonly T[]): Promise<void> {
    if (bodies.length === 0) return;
    const encoded = bodies.map((b) => {
      const json = JSON.stringify(b);
      if (json === undefined) throw new TypeError('queue message bodies must be JSON-serialisable');
      return json;
    });
    withSqlite(`queue ${this.name}: send`, () =>
      this.db
        .transaction(() => {
          const now = Date.now();
          for (const body of encoded) this.stmts.insert.run(this.name, randomUUID(), body, now, now, 0);
        })
        .immediate(),
    );
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<T>[]> {
    const max = options.max ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH) {
      throw new RangeError(`max must be an integer from 1 to ${MAX_BATCH}, got ${max}`);
    }
    const visibilitySec = options.visibilityTimeoutSec ?? this.visibilityTimeoutSec;
    checkSeconds('visibilityTimeoutSec', visibilitySec, MAX_VISIBILITY_SEC);
    const waitSec = options.waitTimeSec ?? 0;
    checkSeconds('waitTimeSec', waitSec, MAX_WAIT_SEC);

    const deadline = Date.now() + waitSec * 1000;
    for (;;) {
      const got = this.receiveNow(max, visibilitySec);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0) return got;
      await sleep(Math.min(left, this.pollIntervalMs));
    }
  }

  private receiveNow(max: number, visibilitySec: number): ReceivedMessage<T>[] {
    return withSqlite(`queue ${this.name}: receive`, () =>
      this.db
        .transaction((): ReceivedMessage<T>[] => {
          const now = Date.now();
          const out: ReceivedMessage<T>[] = [];
          for (;;) {
            const rows = this.stmts.visible.all(this.name, now, max - out.length);
            if (rows.length === 0) return out;
            for (const row of rows) {
              if (row.receive_count >= this.maxReceives && this.deadLetter) {
                this.stmts.moveToDlq.run(this.deadLetter.name, now, row.seq);
                continue;
              }
              const receipt = `${row.id}.${row.receive_count + 1}.${randomBytes(9).toString('base64url')}`;
              this.stmts.take.run(receipt, now + visibilitySec * 1000, row.seq);
              out.push({
                id: row.id,
                receipt,
                body: JSON.parse(row.body) as T,
                receiveCount: row.receive_count + 1,
              });
            }
            if (out.length >= max) return out;
          }
        })
        .immediate(),
    );
  }

  async extendVisibility(receipt: string, seconds: number): Promise<void> {
    checkSeconds('visibility', seconds, MAX_VISIBILITY_SEC);
    const changed = withSqlite(
      `queue ${this.name}: extend visibility`,
      () => this.stmts.extend.run(Date.now() + seconds * 1000, this.name, receipt).changes,
    );
    if (changed === 0) {
      throw new StaleReceiptError(
        `queue ${this.name}: receipt is stale (message deleted, released or received again)`,
      );
    }
  }

  async delete(receipt: string): Promise<void> {
    // A stale receipt is ignored, as in SQS: the message belongs to whoever received it last.
    withSqlite(`queue ${this.name}: delete`, () => this.stmts.delete.run(this.name, receipt));
  }

  async depth(): Promise<QueueDepth> {
    const now = Date.now();
    const row = withSqlite(`queue ${this.name}: depth`, () => this.stmts.depth.get(now, now, this.name));
    return { visible: row?.visible ?? 0, inFlight: row?.inFlight ?? 0 };
  }

  /**
   * Makes every in-flight message of this queue and of its dead-letter queue visible again, invalidating their
   * receipts; returns how many. For crash recovery only, by a process holding the state dir's exclusive lock,
   * when no other consumer can be working on them (a dead run may have been settling its dead letters too).
   */
  releaseInFlight(): number {
    const now = Date.now();
    return withSqlite(`queue ${this.name}: release`, () =>
      this.db
        .transaction(() => {
          let released = this.stmts.release.run(now, this.name, now).changes;
          if (this.deadLetter) released += this.stmts.release.run(now, this.deadLetter.name, now).changes;
          return released;
        })
        .immediate(),
    );
  }
}
