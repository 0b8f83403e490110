import type Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors';

/**
 * The state database's migrations, in order; migration `i` brings `PRAGMA user_version` from `i` to `i + 1`.
 * Append only: never edit a migration that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE queue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT
  );
  CREATE INDEX queue_messages_visible ON queue_messages (queue, visible_at, seq);
  CREATE UNIQUE INDEX queue_messages_receipt ON queue_messages (receipt) WHERE receipt IS NOT NULL;

  CREATE TABLE verdicts (
    uri TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    run_id TEXT,
    created_at TEXT NOT NULL,
    written_seq INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (uri, policy_version)
  ) WITHOUT ROWID;
  CREATE INDEX verdicts_decision ON verdicts (decision, uri, policy_version);
  CREATE INDEX verdicts_run ON verdicts (run_id, uri, policy_version);
  CREATE INDEX verdicts_policy ON verdicts (policy_id, uri, policy_version);
  CREATE INDEX verdicts_policy_version ON verdicts (policy_version, uri);
  CREATE INDEX verdicts_written ON verdicts (written_seq);

  CREATE TABLE verdict_categories (
    uri TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    category TEXT NOT NULL,
    decision TEXT NOT NULL,
    PRIMARY KEY (uri, policy_version, category)
  ) WITHOUT ROWID;
  -- Partial: a category query only ever wants flagged rows, and gets them in (uri, policy_version) order.
  CREATE INDEX verdict_categories_flagged ON verdict_categories (category, uri, policy_version)
    WHERE decision IN ('review', 'block');

  CREATE TABLE content_cache (
    key TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE hash_banks (
    name TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    entry_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE hash_bank_entries (
    bank_id TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    label TEXT,
    source TEXT,
    added_at TEXT NOT NULL,
    PRIMARY KEY (bank_id, entry_key)
  ) WITHOUT ROWID;
  `,
  `
  -- The reviewers' audit log: one row per decision, never changed or removed; the latest row per item counts.
  CREATE TABLE review_decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uri TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('allow', 'block')),
    categories TEXT NOT NULL,
    reason TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL
  );
  CREATE INDEX review_decisions_item ON review_decisions (uri, policy_version, seq);
  CREATE TRIGGER review_decisions_no_update BEFORE UPDATE ON review_decisions
    BEGIN SELECT RAISE(ABORT, 'review_decisions is append-only'); END;
  CREATE TRIGGER review_decisions_no_delete BEFORE DELETE ON review_decisions
    BEGIN SELECT RAISE(ABORT, 'review_decisions is append-only'); END;

  -- The review queue, oldest first. Partial: the same WHERE must appear in the queue's query.
  CREATE INDEX verdicts_review_queue ON verdicts (created_at, uri, policy_version) WHERE decision = 'review';
  `,
];

/** The schema version this build writes. */
export const STATE_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings a state database up to {@link STATE_SCHEMA_VERSION}. Idempotent and safe against a concurrent
 * migrator: each step runs in an immediate transaction that re-reads the version first.
 */
export function migrateStateDb(db: Database.Database): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  if (version() === STATE_SCHEMA_VERSION) return;
  for (;;) {
    const done = db
      .transaction((): boolean => {
        const current = version();
        if (current > STATE_SCHEMA_VERSION) {
          throw new ConfigError(
            `state database ${db.name} has schema version ${current}, newer than this Winnow (${STATE_SCHEMA_VERSION}); upgrade Winnow`,
          );
        }
        if (current === STATE_SCHEMA_VERSION) return true;
        db.exec(MIGRATIONS[current] as string);
        db.pragma(`user_version = ${current + 1}`);
        return false;
      })
      .immediate();
    if (done) return;
  }
}
