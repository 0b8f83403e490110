import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDir, SqliteReviewStore, type StateDir } from '../../../adapters/local';
import { describeReviewStoreContract, makeDecision } from '../../contract/review-store.contract';

describeReviewStoreContract('SqliteReviewStore', async () => {
  const base = fs.mkdtempSync(join(tmpdir(), 'winnow-reviews-'));
  const state = openStateDir(base);
  return {
    store: new SqliteReviewStore(state),
    async cleanup() {
      state.close();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
});

describe('SqliteReviewStore', () => {
  let base: string;
  let state: StateDir;
  beforeEach(() => {
    base = fs.mkdtempSync(join(tmpdir(), 'winnow-reviews-'));
    state = openStateDir(base);
  });
  afterEach(() => {
    state.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('is append-only: the database refuses updates and deletes of the audit log', async () => {
    const store = new SqliteReviewStore(state);
    await store.record(makeDecision({ uri: 'file:///a.txt' }));
    expect(() => state.db.prepare("UPDATE review_decisions SET reason = 'changed'").run()).toThrow(
      /append-only/,
    );
    expect(() => state.db.prepare('DELETE FROM review_decisions').run()).toThrow(/append-only/);
    expect((await store.history())[0]?.reason).toBe('abusive');
  });

  it('refuses a decision other than allow or block', async () => {
    const store = new SqliteReviewStore(state);
    const bad = { ...makeDecision({ uri: 'file:///a.txt' }), decision: 'maybe' as 'allow' };
    // Matched by code: better-sqlite3's error class may come from another test file's module registry.
    await expect(store.record(bad)).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_CHECK' });
  });

  it('survives a reopen of the state dir', async () => {
    await new SqliteReviewStore(state).record(makeDecision({ uri: 'file:///a.txt' }));
    state.close();
    state = openStateDir(base);
    expect(await new SqliteReviewStore(state).latest()).toHaveLength(1);
  });

  it('finds the latest decisions through the item index', () => {
    new SqliteReviewStore(state);
    const plan = state.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT MAX(seq) FROM review_decisions WHERE uri = 'x' AND policy_version = 'y'`,
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/review_decisions_item/);
  });
});
