import type Database from 'better-sqlite3';
import { type ContentCache, type ContentKey, contentKeyString } from '../../core/ports/content-cache';
import type { CachedResult } from '../../core/verdict/verdict';
import { withSqlite } from './sqlite-errors';
import { databaseOf, type StateDb } from './state-db';
import { migrateStateDb } from './state-schema';

/** A {@link ContentCache} in the state database, keyed by {@link contentKeyString}; results kept as JSON. */
export class SqliteContentCache implements ContentCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { json: string }>;
  private readonly putStmt: Database.Statement<[string, string, number]>;

  constructor(db: Database.Database | StateDb) {
    this.db = databaseOf(db);
    migrateStateDb(this.db);
    this.getStmt = this.db.prepare<[string], { json: string }>(
      'SELECT json FROM content_cache WHERE key = ?',
    );
    this.putStmt = this.db.prepare<[string, string, number]>(
      `INSERT INTO content_cache (key, json, created_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET json = excluded.json, created_at = excluded.created_at`,
    );
  }

  async get(key: ContentKey): Promise<CachedResult | undefined> {
    const row = withSqlite('content cache: get', () => this.getStmt.get(contentKeyString(key)));
    return row ? (JSON.parse(row.json) as CachedResult) : undefined;
  }

  async put(key: ContentKey, result: CachedResult): Promise<void> {
    withSqlite('content cache: put', () =>
      this.putStmt.run(contentKeyString(key), JSON.stringify(result), Date.now()),
    );
  }
}
