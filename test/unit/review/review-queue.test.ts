import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDir, SqliteReviewStore, type StateDir } from '../../../adapters/local';
import { InvalidReviewRequestError } from '../../../core/review/review-errors';
import { decodeReviewItemId, encodeReviewItemId } from '../../../core/review/review-item-id';
import { itemName, ReviewQueue } from '../../../core/review/review-queue';
import { makeVerdict } from '../../contract/contract-helpers';
import { makeDecision } from '../../contract/review-store.contract';

let base: string;
let state: StateDir;
let reviews: SqliteReviewStore;

beforeEach(() => {
  base = fs.mkdtempSync(join(tmpdir(), 'winnow-review-queue-'));
  state = openStateDir(base);
  reviews = new SqliteReviewStore(state);
});
afterEach(() => {
  state.close();
  fs.rmSync(base, { recursive: true, force: true });
});

const at = (minute: number): string => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString();

async function putReview(uri: string, minute: number, policyVersion = '2024-01'): Promise<void> {
  await state.verdicts.put(
    makeVerdict({
      uri,
      decision: 'review',
      categories: { hate: 'review', spam: 'allow' },
      policyVersion,
      createdAt: at(minute),
    }),
  );
}

it('lists review verdicts without a decision, oldest first, and counts what is left', async () => {
  await putReview('file:///z-old.txt', 1);
  await putReview('file:///a-new.txt', 3);
  await putReview('file:///m-mid.txt', 2);
  await state.verdicts.put(
    makeVerdict({ uri: 'file:///blocked.txt', decision: 'block', categories: { hate: 'block' } }),
  );
  await state.verdicts.put(makeVerdict({ uri: 'file:///fine.txt', decision: 'allow' }));
  const queue = new ReviewQueue(reviews);

  const page = await queue.page();
  expect(page.entries.map((e) => e.name)).toEqual(['z-old.txt', 'm-mid.txt', 'a-new.txt']);
  expect(page.remaining).toBe(3);
  expect(page.cursor).toBeUndefined();
  expect(page.entries[0]).toMatchObject({
    uri: 'file:///z-old.txt',
    media: 'text',
    policyVersion: '2024-01',
    flagged: [{ id: 'hate', decision: 'review' }],
    createdAt: at(1),
  });
  expect(decodeReviewItemId(page.entries[0]?.id ?? '')).toEqual({
    uri: 'file:///z-old.txt',
    policyVersion: '2024-01',
  });

  await reviews.record(makeDecision({ uri: 'file:///m-mid.txt', policyVersion: '2024-01' }));
  const after = await queue.page();
  expect(after.entries.map((e) => e.name)).toEqual(['z-old.txt', 'a-new.txt']);
  expect(after.remaining).toBe(2);
});

it('pages with a cursor, never repeating or skipping an item', async () => {
  for (let i = 0; i < 25; i++) await putReview(`file:///item-${String(i).padStart(2, '0')}.txt`, i % 5);
  const queue = new ReviewQueue(reviews);
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await queue.page({ cursor, limit: 7 });
    expect(page.remaining).toBe(25);
    seen.push(...page.entries.map((e) => e.uri));
    cursor = page.cursor;
    pages++;
  } while (cursor);
  expect(pages).toBe(4);
  expect(new Set(seen).size).toBe(25);
  const created = seen.map((uri) => Number(/item-(\d+)/.exec(uri)?.[1]) % 5);
  expect(created).toEqual([...created].sort((a, b) => a - b));
});

it('a decision under one policy version does not clear the item under another', async () => {
  await putReview('file:///a.txt', 1, 'v1');
  await putReview('file:///a.txt', 2, 'v2');
  await reviews.record(makeDecision({ uri: 'file:///a.txt', policyVersion: 'v1' }));
  expect((await new ReviewQueue(reviews, { policyVersion: 'v1' }).page()).entries).toEqual([]);
  expect(
    (await new ReviewQueue(reviews, { policyVersion: 'v2' }).page()).entries.map((e) => e.policyVersion),
  ).toEqual(['v2']);
});

it("without a policy version, holds only each item's current verdict", async () => {
  await putReview('file:///a.txt', 1, 'v1');
  await putReview('file:///b.txt', 1, 'v1');
  // A sweep re-decided b under v2: its v1 verdict is no longer current.
  await state.verdicts.put(makeVerdict({ uri: 'file:///b.txt', decision: 'allow', policyVersion: 'v2' }));
  const page = await new ReviewQueue(reviews).page();
  expect(page.entries.map((e) => e.uri)).toEqual(['file:///a.txt']);
  expect(page.remaining).toBe(1);
  expect((await new ReviewQueue(reviews, { policyVersion: 'v1' }).page()).remaining).toBe(2);
});

it('refuses a cursor it did not issue', async () => {
  await expect(new ReviewQueue(reviews).page({ cursor: 'bogus' })).rejects.toThrow(InvalidReviewRequestError);
});

it('reads the queue in order from the partial index, without sorting', () => {
  const plan = state.db
    .prepare(
      `EXPLAIN QUERY PLAN SELECT uri FROM verdicts v INDEXED BY verdicts_review_queue
       WHERE v.decision = 'review' ORDER BY v.created_at, v.uri, v.policy_version LIMIT 5`,
    )
    .all() as { detail: string }[];
  const text = plan.map((p) => p.detail).join(' ');
  expect(text).toMatch(/verdicts_review_queue/);
  expect(text).not.toMatch(/TEMP B-TREE/);
});

describe('item ids and names', () => {
  it('round-trips any URI and refuses what is not an id', () => {
    const key = { uri: 'file:///tmp/%22%3E%3Cimg%3E.txt?x#y', policyVersion: '2026-11-26.3' };
    const id = encodeReviewItemId(key);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeReviewItemId(id)).toEqual(key);
    for (const bad of [
      '',
      'not json',
      '../../etc',
      Buffer.from('[1,2]').toString('base64url'),
      'x'.repeat(20_000),
    ]) {
      expect(decodeReviewItemId(bad)).toBeUndefined();
    }
  });

  it('names an item by its decoded last path segment', () => {
    expect(itemName('file:///data/in/%22%3E%3Cimg%20src%3Dx%3E.txt')).toBe('"><img src=x>.txt');
    expect(itemName('s3://bucket/a/b/photo.jpg')).toBe('photo.jpg');
    expect(itemName('file:///bad/%E0%A4%A.txt')).toBe('%E0%A4%A.txt');
  });
});
