import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** One stored verdict, as much as the resume checks need. */
export interface StoredVerdictRow {
  readonly uri: string;
  readonly runId: string | null;
  readonly createdAt: string;
  readonly cached: boolean;
  readonly decision: string;
}

/** The verdicts in a state dir's database (none when it does not exist yet or is busy). */
export function readVerdictRows(dbFile: string): StoredVerdictRow[] {
  if (!existsSync(dbFile)) return [];
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT uri, run_id, created_at, json FROM verdicts').all() as {
        uri: string;
        run_id: string | null;
        created_at: string;
        json: string;
      }[];
      return rows.map((r) => {
        const v = JSON.parse(r.json) as { cached: boolean; decision: string };
        return {
          uri: r.uri,
          runId: r.run_id,
          createdAt: r.created_at,
          cached: v.cached,
          decision: v.decision,
        };
      });
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

/** How many verdicts a state dir holds (0 while it cannot be read). */
export function countVerdictRows(dbFile: string): number {
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

/**
 * Items the detectors actually scored, from `item moderated` log lines (JSON, on stderr): those not served from
 * the content cache, by item uri.
 */
export function scoredFromLogs(stderr: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; cached?: boolean; itemId?: string; tier?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.msg !== 'item moderated' || entry.cached !== false || !entry.itemId) continue;
    counts.set(entry.itemId, (counts.get(entry.itemId) ?? 0) + 1);
  }
  return counts;
}

/** Waits until `check` holds or the deadline passes; returns whether it held. */
export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}
