import type Database from 'better-sqlite3';
import type { VerdictPage, VerdictQuery, VerdictStore } from '../../core/ports/verdict-store';
import { CATEGORY_DECISIONS, type Verdict } from '../../core/verdict/verdict';
import { withSqlite } from './sqlite-errors';
import { databaseOf, type StateDb } from './state-db';
import { migrateStateDb } from './state-schema';

interface QueryRow {
  uri: string;
  policy_version: string;
  json: string;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

function encodeCursor(uri: string, policyVersion: string): string {
  return Buffer.from(JSON.stringify([uri, policyVersion]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string')) {
      return parsed as [string, string];
    }
  } catch {
    // Reported below.
  }
  throw new RangeError('invalid verdict query cursor');
}

/**
 * A {@link VerdictStore} in the state database. Each verdict is kept whole as JSON, beside indexed columns for
 * the query filters and a side table of its categories' decisions. `query` pages in (uri, policy version)
 * order with an opaque cursor; `get` without a version returns the verdict written last for the item.
 */
export class SqliteVerdictStore implements VerdictStore {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<SqliteVerdictStore['prepare']>;
  private readonly writeTx: Database.Transaction<(verdict: Verdict) => void>;
  /** Query statements by SQL text; there are few distinct filter shapes. */
  private readonly queryStmts = new Map<string, Database.Statement<unknown[], QueryRow>>();

  constructor(db: Database.Database | StateDb) {
    this.db = databaseOf(db);
    migrateStateDb(this.db);
    this.stmts = this.prepare();
    this.writeTx = this.db.transaction((verdict: Verdict) => {
      const { uri } = verdict.item;
      const version = verdict.policy.version;
      this.stmts.upsert.run({
        uri,
        policy_version: version,
        policy_id: verdict.policy.id,
        decision: verdict.decision,
        run_id: verdict.runId ?? null,
        created_at: verdict.createdAt,
        json: JSON.stringify(verdict),
      });
      this.stmts.deleteCategories.run(uri, version);
      // Duplicate ids should not occur; if they do, the most severe decision is the one that is queryable.
      const worst = new Map<string, number>();
      for (const c of verdict.categories) {
        const rank = CATEGORY_DECISIONS.indexOf(c.decision);
        if (rank > (worst.get(c.id) ?? -1)) worst.set(c.id, rank);
      }
      for (const [category, rank] of worst) {
        this.stmts.insertCategory.run(uri, version, category, CATEGORY_DECISIONS[rank]);
      }
    });
  }

  private prepare() {
    const db = this.db;
    return {
      upsert: db.prepare(
        `INSERT INTO verdicts (uri, policy_version, policy_id, decision, run_id, created_at, written_seq, json)
         VALUES (@uri, @policy_version, @policy_id, @decision, @run_id, @created_at,
                 (SELECT COALESCE(MAX(written_seq), 0) + 1 FROM verdicts), @json)
         ON CONFLICT (uri, policy_version) DO UPDATE SET
           policy_id = excluded.policy_id, decision = excluded.decision, run_id = excluded.run_id,
           created_at = excluded.created_at, written_seq = excluded.written_seq, json = excluded.json`,
      ),
      deleteCategories: db.prepare('DELETE FROM verdict_categories WHERE uri = ? AND policy_version = ?'),
      insertCategory: db.prepare(
        'INSERT INTO verdict_categories (uri, policy_version, category, decision) VALUES (?, ?, ?, ?)',
      ),
      getVersion: db.prepare<[string, string], { json: string }>(
        'SELECT json FROM verdicts WHERE uri = ? AND policy_version = ?',
      ),
      getLatest: db.prepare<[string], { json: string }>(
        'SELECT json FROM verdicts WHERE uri = ? ORDER BY written_seq DESC LIMIT 1',
      ),
    };
  }

  async put(verdict: Verdict): Promise<void> {
    withSqlite('verdict store: put', () => this.writeTx.immediate(verdict));
  }

  async get(uri: string, policyVersion?: string): Promise<Verdict | undefined> {
    const row = withSqlite('verdict store: get', () =>
      policyVersion === undefined
        ? this.stmts.getLatest.get(uri)
        : this.stmts.getVersion.get(uri, policyVersion),
    );
    return row ? (JSON.parse(row.json) as Verdict) : undefined;
  }

  async query(
    filter: VerdictQuery,
    page: { readonly cursor?: string; readonly limit?: number } = {},
  ): Promise<VerdictPage> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(page.limit ?? DEFAULT_PAGE)));
    const where: string[] = [];
    const params: unknown[] = [];
    // A category query is driven by the flagged-category index, which yields rows in page order already.
    const from =
      filter.category === undefined
        ? 'verdicts v'
        : `verdict_categories c JOIN verdicts v ON v.uri = c.uri AND v.policy_version = c.policy_version`;
    const order = filter.category === undefined ? 'v.uri, v.policy_version' : 'c.uri, c.policy_version';
    if (filter.category !== undefined) {
      // Must match the partial index's WHERE word for word, or SQLite will not use it.
      where.push(`c.category = ? AND c.decision IN ('review', 'block')`);
      params.push(filter.category);
    }
    if (filter.decision !== undefined) {
      where.push('v.decision = ?');
      params.push(filter.decision);
    }
    if (filter.runId !== undefined) {
      where.push('v.run_id = ?');
      params.push(filter.runId);
    }
    if (filter.policyId !== undefined) {
      where.push('v.policy_id = ?');
      params.push(filter.policyId);
    }
    if (filter.policyVersion !== undefined) {
      where.push('v.policy_version = ?');
      params.push(filter.policyVersion);
    }
    if (page.cursor !== undefined) {
      where.push(`(${order}) > (?, ?)`);
      params.push(...decodeCursor(page.cursor));
    }
    const sql = `SELECT v.uri, v.policy_version, v.json FROM ${from}
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${order} LIMIT ?`;
    // One row past the page tells whether there is another page.
    const rows = withSqlite('verdict store: query', () => {
      let stmt = this.queryStmts.get(sql);
      if (!stmt) {
        stmt = this.db.prepare<unknown[], QueryRow>(sql);
        this.queryStmts.set(sql, stmt);
      }
      return stmt.all(...params, limit + 1);
    });
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const verdicts = pageRows.map((r) => JSON.parse(r.json) as Verdict);
    const last = pageRows[pageRows.length - 1];
    return more && last ? { verdicts, cursor: encodeCursor(last.uri, last.policy_version) } : { verdicts };
  }
}
