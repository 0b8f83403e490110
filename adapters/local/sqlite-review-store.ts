import type Database from 'better-sqlite3';
import type { ReviewDecision, ReviewStore } from '../../core/ports/review-store';
import type { VerdictPage } from '../../core/ports/verdict-store';
import type { PendingReviewFilter, PendingReviewSource } from '../../core/review/review-queue';
import type { Verdict } from '../../core/verdict/verdict';
import { withSqlite } from './sqlite-errors';
import { databaseOf, type StateDb } from './state-db';
import { migrateStateDb } from './state-schema';

interface DecisionRow {
  seq: number;
  uri: string;
  policy_version: string;
  decision: 'allow' | 'block';
  categories: string;
  reason: string;
  reviewer: string;
  decided_at: string;
}

interface PendingRow {
  uri: string;
  policy_version: string;
  created_at: string;
  json: string;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

const toDecision = (r: DecisionRow): ReviewDecision => ({
  uri: r.uri,
  policyVersion: r.policy_version,
  decision: r.decision,
  categories: JSON.parse(r.categories) as string[],
  reason: r.reason,
  reviewer: r.reviewer,
  decidedAt: r.decided_at,
});

function encodeCursor(row: PendingRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.uri, row.policy_version]), 'utf8').toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): [string, string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((p) => typeof p === 'string')) {
      return parsed as [string, string, string];
    }
  } catch {
    // Reported below.
  }
  throw new RangeError('invalid review queue cursor');
}

/**
 * A {@link ReviewStore} in the state database: the append-only `review_decisions` table (triggers refuse updates
 * and deletes), beside the verdicts. Because both live in one database it is also the review queue's
 * {@link PendingReviewSource}: the pending verdicts come from one indexed query, oldest first.
 */
export class SqliteReviewStore implements ReviewStore, PendingReviewSource {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement<[string, string, string, string, string, string, string]>;
  private readonly historyStmt: Database.Statement<[], DecisionRow>;
  private readonly historyByUriStmt: Database.Statement<[string], DecisionRow>;
  private readonly latestStmt: Database.Statement<[], DecisionRow>;
  /** Pending-queue statements by SQL text; there are only a few filter shapes. */
  private readonly pendingStmts = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(db: Database.Database | StateDb) {
    this.db = databaseOf(db);
    migrateStateDb(this.db);
    this.insertStmt = this.db.prepare(
      `INSERT INTO review_decisions (uri, policy_version, decision, categories, reason, reviewer, decided_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.historyStmt = this.db.prepare('SELECT * FROM review_decisions ORDER BY seq');
    this.historyByUriStmt = this.db.prepare('SELECT * FROM review_decisions WHERE uri = ? ORDER BY seq');
    this.latestStmt = this.db.prepare(
      `SELECT * FROM review_decisions r
       WHERE r.seq = (SELECT MAX(m.seq) FROM review_decisions m
                      WHERE m.uri = r.uri AND m.policy_version = r.policy_version)
       ORDER BY r.seq`,
    );
  }

  async record(decision: ReviewDecision): Promise<void> {
    const categories = JSON.stringify([...decision.categories]);
    withSqlite('review store: record', () =>
      this.insertStmt.run(
        decision.uri,
        decision.policyVersion,
        decision.decision,
        categories,
        decision.reason,
        decision.reviewer,
        decision.decidedAt,
      ),
    );
  }

  async history(filter: { readonly uri?: string } = {}): Promise<readonly ReviewDecision[]> {
    const rows = withSqlite('review store: history', () =>
      filter.uri === undefined ? this.historyStmt.all() : this.historyByUriStmt.all(filter.uri),
    );
    return rows.map(toDecision);
  }

  async latest(): Promise<readonly ReviewDecision[]> {
    return withSqlite('review store: latest', () => this.latestStmt.all()).map(toDecision);
  }

  async pendingReviews(
    filter: PendingReviewFilter,
    page: { readonly cursor?: string; readonly limit?: number } = {},
  ): Promise<VerdictPage> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(page.limit ?? DEFAULT_PAGE)));
    const { where, params } = this.pendingWhere(filter);
    if (page.cursor !== undefined) {
      where.push('(v.created_at, v.uri, v.policy_version) > (?, ?, ?)');
      params.push(...decodeCursor(page.cursor));
    }
    // Named, so the order comes from the index however few rows the planner thinks there are.
    const sql = `SELECT v.uri, v.policy_version, v.created_at, v.json
      FROM verdicts v INDEXED BY verdicts_review_queue
      WHERE ${where.join(' AND ')}
      ORDER BY v.created_at, v.uri, v.policy_version LIMIT ?`;
    // One row past the page tells whether there is another page.
    const rows = withSqlite(
      'review store: pending',
      () => this.statement(sql).all(...params, limit + 1) as PendingRow[],
    );
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const verdicts = pageRows.map((r) => JSON.parse(r.json) as Verdict);
    const last = pageRows[pageRows.length - 1];
    return more && last ? { verdicts, cursor: encodeCursor(last) } : { verdicts };
  }

  async countPendingReviews(filter: PendingReviewFilter): Promise<number> {
    const { where, params } = this.pendingWhere(filter);
    const sql = `SELECT COUNT(*) AS n FROM verdicts v INDEXED BY verdicts_review_queue WHERE ${where.join(' AND ')}`;
    const row = withSqlite('review store: count pending', () => this.statement(sql).get(...params)) as {
      n: number;
    };
    return row.n;
  }

  private pendingWhere(filter: PendingReviewFilter): { where: string[]; params: unknown[] } {
    // `v.decision = 'review'` word for word: the partial index verdicts_review_queue is only usable with it.
    const where = [
      `v.decision = 'review'`,
      `NOT EXISTS (SELECT 1 FROM review_decisions r WHERE r.uri = v.uri AND r.policy_version = v.policy_version)`,
    ];
    const params: unknown[] = [];
    if (filter.policyVersion !== undefined) {
      where.push('v.policy_version = ?');
      params.push(filter.policyVersion);
    } else {
      where.push('v.written_seq = (SELECT MAX(w.written_seq) FROM verdicts w WHERE w.uri = v.uri)');
    }
    return { where, params };
  }

  private statement(sql: string): Database.Statement<unknown[], unknown> {
    let stmt = this.pendingStmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<unknown[], unknown>(sql);
      this.pendingStmts.set(sql, stmt);
    }
    return stmt;
  }
}
