import { InvalidBankNameError, UnknownBankError } from '../../../core/banks/bank-errors';
import type { BankEntry } from '../../../core/banks/hash-bank';
import type { HashBankStore } from '../../../core/ports/hash-bank-store';

const hex = (i: number, digits: number) => i.toString(16).padStart(digits, '0');

/** Behaviour every HashBankStore must have; called inside a describe block with a fresh store per test. */
export function hashBankStoreContract(makeStore: () => HashBankStore): void {
  it('creates banks at version 0, idempotently', async () => {
    const store = makeStore();
    const a = await store.putBank('alpha');
    expect(a).toMatchObject({ name: 'alpha', version: 0, entryCount: 0 });
    expect(await store.putBank('alpha')).toEqual(a);
    await store.putBank('beta');
    expect((await store.listBanks()).map((b) => b.name)).toEqual(['alpha', 'beta']);
    expect(await store.getBank('gamma')).toBeUndefined();
    await expect(store.putBank('bad name!')).rejects.toBeInstanceOf(InvalidBankNameError);
  });

  it('bumps the version once per change, and not for a no-op', async () => {
    const store = makeStore();
    await store.putBank('b');
    const pdq = hex(1, 64);
    const md5 = hex(2, 32);
    let change = await store.addEntries('b', [
      { hash: pdq, kind: 'pdq', label: 'l1' },
      { hash: md5, kind: 'md5' },
    ]);
    expect(change).toMatchObject({ changed: 2, updated: 0, bank: { version: 1, entryCount: 2 } });
    change = await store.addEntries('b', [{ hash: pdq, kind: 'pdq', label: 'l1' }]);
    expect(change).toMatchObject({ changed: 0, updated: 0, bank: { version: 1 } });
    change = await store.addEntries('b', [{ hash: pdq, kind: 'pdq', label: 'l2', source: 's' }]);
    expect(change).toMatchObject({ changed: 0, updated: 1, bank: { version: 2, entryCount: 2 } });
    // The same hex as a different kind is a different entry.
    change = await store.addEntries('b', [{ hash: pdq, kind: 'sha256' }]);
    expect(change).toMatchObject({ changed: 1, bank: { version: 3, entryCount: 3 } });
    change = await store.removeEntries('b', [
      { hash: pdq, kind: 'pdq' },
      { hash: hex(9, 32), kind: 'md5' },
    ]);
    expect(change).toMatchObject({ changed: 1, bank: { version: 4, entryCount: 2 } });
    change = await store.removeEntries('b', [{ hash: pdq, kind: 'pdq' }]);
    expect(change).toMatchObject({ changed: 0, bank: { version: 4 } });
    await expect(store.addEntries('nope', [])).rejects.toBeInstanceOf(UnknownBankError);
    await expect(store.removeEntries('nope', [])).rejects.toBeInstanceOf(UnknownBankError);
  });

  it('lists entries in pages, in kind:hash order', async () => {
    const store = makeStore();
    await store.putBank('paged');
    await store.addEntries(
      'paged',
      Array.from({ length: 25 }, (_, i) => ({
        hash: hex(i * 7919, 64),
        kind: 'pdq' as const,
        label: `l${i}`,
      })),
    );
    await store.addEntries('paged', [{ hash: hex(5, 32), kind: 'md5', source: 'src' }]);
    const seen: BankEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listEntries('paged', { limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.entries.length).toBeLessThanOrEqual(7);
      seen.push(...page.entries);
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toHaveLength(26);
    expect(seen[0]).toMatchObject({ kind: 'md5', hash: hex(5, 32), source: 'src' });
    expect(seen[0]?.label).toBeUndefined();
    const keys = seen.map((e) => `${e.kind}:${e.hash}`);
    expect([...keys].sort()).toEqual(keys);
    expect(typeof seen[1]?.addedAt).toBe('string');
  });
}
