import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDir, SqliteHashBankStore, type StateDir } from '../../../adapters/local';
import { BankMatcher } from '../../../core/banks/bank-matcher';

const A = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const B = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

function flip(hex: string, bits: number): string {
  const digits = hex.split('').map((d) => Number.parseInt(d, 16));
  for (let b = 0; b < bits; b++) digits[b >> 2] = (digits[b >> 2] as number) ^ (8 >> (b & 3));
  return digits.map((d) => d.toString(16)).join('');
}

describe('BankMatcher', () => {
  let dir: string;
  let state: StateDir;
  let store: SqliteHashBankStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-matcher-'));
    state = openStateDir(dir);
    store = new SqliteHashBankStore(state);
    await store.putBank('known');
    await store.addEntries('known', [
      { hash: A, kind: 'pdq', label: 'csam', source: 'ncmec' },
      { hash: MD5, kind: 'md5', label: 'spam' },
    ]);
  });
  afterEach(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('matches PDQ within the radius and exact kinds exactly', async () => {
    const matcher = new BankMatcher(store);
    const near = flip(A, 20);
    expect(await matcher.match('pdq', near)).toEqual([
      {
        bankId: (await store.getBank('known'))?.id,
        bankName: 'known',
        kind: 'pdq',
        matchedHash: A,
        distance: 20,
        label: 'csam',
        source: 'ncmec',
      },
    ]);
    expect(await matcher.match('pdq', near, 19)).toEqual([]);
    expect(await matcher.match('pdq', flip(A, 32))).toEqual([]);
    expect((await matcher.match('md5', MD5.toUpperCase()))[0]).toMatchObject({ label: 'spam', distance: 0 });
    expect(await matcher.match('sha256', `${MD5}${MD5}`)).toEqual([]);
    await expect(matcher.match('pdq', 'abc')).rejects.toBeInstanceOf(RangeError);
  });

  it('an added hash matches, and a removed one stops matching, after one refresh', async () => {
    let now = 0;
    const matcher = new BankMatcher(store, { refreshIntervalMs: 1000, now: () => now });
    expect(await matcher.match('pdq', B)).toEqual([]);

    await store.putBank('second');
    await store.addEntries('second', [{ hash: B, kind: 'pdq', label: 'new' }]);
    await store.removeEntries('known', [{ hash: A, kind: 'pdq' }]);
    // Within the interval the old snapshot answers.
    now = 500;
    expect(await matcher.match('pdq', B)).toEqual([]);
    expect(await matcher.match('pdq', A)).toHaveLength(1);
    // The next refresh picks both changes up.
    now = 1000;
    expect((await matcher.match('pdq', B)).map((m) => [m.bankName, m.label])).toEqual([['second', 'new']]);
    expect(await matcher.match('pdq', A)).toEqual([]);
    expect(await matcher.refresh()).toBe(false);
    await store.addEntries('known', [{ hash: A, kind: 'pdq' }]);
    expect(await matcher.refresh()).toBe(true);
    expect(await matcher.match('pdq', A)).toHaveLength(1);
  });

  it('returns a hash held by several banks once per bank, nearest first', async () => {
    await store.putBank('other');
    await store.addEntries('other', [
      { hash: A, kind: 'pdq', label: 'dup' },
      { hash: flip(A, 3), kind: 'pdq' },
    ]);
    const matcher = new BankMatcher(store, { refreshIntervalMs: 0 });
    const matches = await matcher.match('pdq', A);
    expect(matches.map((m) => [m.bankName, m.distance])).toEqual([
      ['known', 0],
      ['other', 0],
      ['other', 3],
    ]);
    expect(matcher.current?.counts).toEqual({ pdq: 3, md5: 1, sha256: 0, vpdq: 0 });
  });
});
