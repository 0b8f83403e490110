import type { VerdictQuery, VerdictStore } from '../../core/ports/verdict-store';
import type { Decision, Verdict } from '../../core/verdict/verdict';
import { makeVerdict } from './contract-helpers';

/** One fresh, empty verdict store under test. */
export interface VerdictStoreFixture {
  readonly store: VerdictStore;
  cleanup(): Promise<void>;
}

/** Runs a query to the end, page by page; checks page sizes and that no verdict repeats. */
async function queryAll(store: VerdictStore, filter: VerdictQuery, limit: number): Promise<Verdict[]> {
  const out: Verdict[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.query(filter, { cursor, limit });
    expect(page.verdicts.length).toBeLessThanOrEqual(limit);
    out.push(...page.verdicts);
    if (page.cursor === undefined) break;
    cursor = page.cursor;
  }
  const keys = out.map((v) => `${v.item.uri}\u0000${v.policy.version}`);
  expect(new Set(keys).size).toBe(keys.length);
  return out;
}

const uris = (vs: readonly Verdict[]): string[] => vs.map((v) => v.item.uri).sort();

/** The {@link VerdictStore} contract, using only the port. */
export function describeVerdictStoreContract(
  name: string,
  factory: () => Promise<VerdictStoreFixture>,
): void {
  describe(`VerdictStore contract: ${name}`, () => {
    let fx: VerdictStoreFixture | undefined;
    const open = async (): Promise<VerdictStore> => {
      // A test may open more than one; only the latest is cleaned up after it, so clean up the previous now.
      await fx?.cleanup();
      fx = await factory();
      return fx.store;
    };
    afterEach(async () => {
      await fx?.cleanup();
      fx = undefined;
    });

    it('gets nothing for an unknown item', async () => {
      const store = await open();
      expect(await store.get('file:///nope.txt')).toBeUndefined();
      expect(await store.get('file:///nope.txt', '2024-01')).toBeUndefined();
      expect((await store.query({})).verdicts).toEqual([]);
    });

    it('puts and gets a verdict, with or without the policy version', async () => {
      const store = await open();
      const v = makeVerdict({
        uri: 'file:///data/a.txt',
        decision: 'review',
        categories: { spam: 'review' },
      });
      await store.put(v);
      expect(await store.get(v.item.uri, v.policy.version)).toEqual(v);
      expect(await store.get(v.item.uri)).toEqual(v);
      expect(await store.get(v.item.uri, 'other-version')).toBeUndefined();
    });

    it('is idempotent: the same item and policy version again replaces the verdict', async () => {
      const store = await open();
      const uri = 'file:///data/twice.txt';
      await store.put(makeVerdict({ uri, decision: 'allow', runId: 'r1' }));
      await store.put(makeVerdict({ uri, decision: 'allow', runId: 'r1' }));
      const second = makeVerdict({ uri, decision: 'block', categories: { hate: 'block' }, runId: 'r2' });
      await store.put(second);
      expect(await store.get(uri, second.policy.version)).toEqual(second);
      const all = await queryAll(store, {}, 10);
      expect(all).toEqual([second]);
      expect(await queryAll(store, { runId: 'r1' }, 10)).toEqual([]);
      expect(await queryAll(store, { decision: 'allow' }, 10)).toEqual([]);
    });

    it('keeps one verdict per policy version; without a version, get returns the later one', async () => {
      const store = await open();
      const uri = 'file:///data/versions.txt';
      const v1 = makeVerdict({ uri, policyVersion: '2024-01', decision: 'allow' });
      const v2 = makeVerdict({ uri, policyVersion: '2024-02', decision: 'block' });
      await store.put(v1);
      await store.put(v2);
      expect(await store.get(uri, '2024-01')).toEqual(v1);
      expect(await store.get(uri, '2024-02')).toEqual(v2);
      expect(await store.get(uri)).toEqual(v2);
      expect(await queryAll(store, {}, 10)).toHaveLength(2);
    });

    describe('queries', () => {
      const decisions: Decision[] = ['allow', 'review', 'block', 'error'];
      const seed: Verdict[] = Array.from({ length: 23 }, (_, i) =>
        makeVerdict({
          uri: `file:///corpus/${i % 3 === 0 ? 'ünï/' : ''}item-${String(i).padStart(2, '0')}.txt`,
          decision: decisions[i % 4] as Decision,
          runId: i % 2 === 0 ? 'run-even' : 'run-odd',
          policyId: i < 20 ? 'default' : 'strict',
          policyVersion: i % 5 === 0 ? '2024-02' : '2024-01',
          categories:
            i % 4 === 3
              ? {}
              : {
                  hate: i % 3 === 0 ? 'block' : i % 3 === 1 ? 'review' : 'allow',
                  spam: i % 2 === 0 ? 'review' : 'allow',
                },
        }),
      );
      const expectQuery = async (filter: VerdictQuery, predicate: (v: Verdict) => boolean) => {
        const store = await open();
        for (const v of seed) await store.put(v);
        const want = seed.filter(predicate);
        const got = await queryAll(store, filter, 4);
        expect(uris(got)).toEqual(uris(want));
        // The order is stable: a second pass with another page size sees the same sequence.
        expect((await queryAll(store, filter, 7)).map((v) => v.item.uri)).toEqual(got.map((v) => v.item.uri));
        return got;
      };
      const flagged = (v: Verdict, category: string) =>
        v.categories.some((c) => c.id === category && (c.decision === 'review' || c.decision === 'block'));

      it('pages through everything', async () => {
        const got = await expectQuery({}, () => true);
        expect(got).toHaveLength(23);
        expect(got.find((v) => v.item.uri === seed[5]?.item.uri)).toEqual(seed[5]);
      });

      it('filters by decision', async () => {
        expect(await expectQuery({ decision: 'block' }, (v) => v.decision === 'block')).toHaveLength(6);
        await expectQuery({ decision: 'error' }, (v) => v.decision === 'error');
      });

      it('filters by category: its own decision must be review or block', async () => {
        await expectQuery({ category: 'hate' }, (v) => flagged(v, 'hate'));
        await expectQuery({ category: 'spam' }, (v) => flagged(v, 'spam'));
        expect(await expectQuery({ category: 'nothing' }, () => false)).toEqual([]);
      });

      it('filters by run, policy id and policy version', async () => {
        await expectQuery({ runId: 'run-odd' }, (v) => v.runId === 'run-odd');
        await expectQuery({ policyId: 'strict' }, (v) => v.policy.id === 'strict');
        await expectQuery({ policyVersion: '2024-02' }, (v) => v.policy.version === '2024-02');
      });

      it('combines filters', async () => {
        await expectQuery(
          { runId: 'run-even', category: 'hate', decision: 'allow' },
          (v) => v.runId === 'run-even' && flagged(v, 'hate') && v.decision === 'allow',
        );
      });
    });
  });
}
