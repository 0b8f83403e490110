import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDir, type StateDir } from '../../../adapters/local';
import { makeVerdict } from '../../contract/contract-helpers';

let base: string;
let state: StateDir;

beforeEach(() => {
  base = fs.mkdtempSync(join(tmpdir(), 'winnow-verdicts-'));
  state = openStateDir(base);
});
afterEach(() => {
  state.close();
  fs.rmSync(base, { recursive: true, force: true });
});

it('get without a version returns the verdict written last, whatever its version', async () => {
  const uri = 'file:///a.txt';
  await state.verdicts.put(makeVerdict({ uri, policyVersion: '2', decision: 'block' }));
  await state.verdicts.put(makeVerdict({ uri, policyVersion: '1', decision: 'allow' }));
  expect((await state.verdicts.get(uri))?.policy.version).toBe('1');
  await state.verdicts.put(makeVerdict({ uri, policyVersion: '2', decision: 'review' }));
  expect(await state.verdicts.get(uri)).toMatchObject({ decision: 'review', policy: { version: '2' } });
});

it('replaces category rows on rewrite', async () => {
  const uri = 'file:///c.txt';
  await state.verdicts.put(makeVerdict({ uri, decision: 'block', categories: { hate: 'block' } }));
  await state.verdicts.put(makeVerdict({ uri, decision: 'allow', categories: { hate: 'allow' } }));
  expect((await state.verdicts.query({ category: 'hate' })).verdicts).toEqual([]);
  const rows = state.db.prepare('SELECT category, decision FROM verdict_categories').all();
  expect(rows).toEqual([{ category: 'hate', decision: 'allow' }]);
});

it('rejects a cursor it did not issue', async () => {
  await expect(state.verdicts.query({}, { cursor: 'not-a-cursor' })).rejects.toThrow(RangeError);
});

it('pages through many verdicts by index, never all at once', async () => {
  for (let i = 0; i < 2000; i++) {
    await state.verdicts.put(
      makeVerdict({ uri: `file:///big/${i}.txt`, decision: i % 10 === 0 ? 'block' : 'allow', runId: 'r' }),
    );
  }
  let cursor: string | undefined;
  let count = 0;
  let pages = 0;
  do {
    const page = await state.verdicts.query({ decision: 'block', runId: 'r' }, { cursor, limit: 50 });
    count += page.verdicts.length;
    pages++;
    cursor = page.cursor;
  } while (cursor);
  expect(count).toBe(200);
  expect(pages).toBe(4);
  const plan = state.db
    .prepare(
      "EXPLAIN QUERY PLAN SELECT uri FROM verdicts v WHERE v.decision = 'block' ORDER BY v.uri, v.policy_version LIMIT 5",
    )
    .all() as { detail: string }[];
  expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX verdicts_decision/);
  expect(plan.map((p) => p.detail).join(' ')).not.toMatch(/TEMP B-TREE/);
});

it('answers category queries from the flagged-category index, in page order', async () => {
  for (let i = 0; i < 50; i++) {
    await state.verdicts.put(
      makeVerdict({ uri: `file:///c/${i}.txt`, categories: { hate: i % 7 === 0 ? 'review' : 'allow' } }),
    );
  }
  const first = await state.verdicts.query({ category: 'hate' }, { limit: 3 });
  const rest = await state.verdicts.query({ category: 'hate' }, { cursor: first.cursor, limit: 100 });
  expect([...first.verdicts, ...rest.verdicts]).toHaveLength(8);
  const plan = state.db
    .prepare(
      `EXPLAIN QUERY PLAN SELECT v.json FROM verdict_categories c JOIN verdicts v
       ON v.uri = c.uri AND v.policy_version = c.policy_version
       WHERE c.category = 'hate' AND c.decision IN ('review', 'block') ORDER BY c.uri, c.policy_version LIMIT 5`,
    )
    .all() as { detail: string }[];
  const detail = plan.map((p) => p.detail).join(' | ');
  expect(detail).toMatch(/verdict_categories_flagged/);
  expect(detail).not.toMatch(/TEMP B-TREE/);
});
