import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDir, SqliteHashBankStore, type StateDir } from '../../../adapters/local';
import { UnknownBankError } from '../../../core/banks/bank-errors';
import { hashBankStoreContract } from './hash-bank-store-contract';

describe('SqliteHashBankStore', () => {
  let dir: string;
  let state: StateDir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-banks-'));
    state = openStateDir(dir);
  });
  afterEach(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  hashBankStoreContract(() => new SqliteHashBankStore(state));

  it('keeps banks across reopening the state dir', async () => {
    const store = new SqliteHashBankStore(state);
    await store.putBank('kept');
    await store.addEntries('kept', [{ hash: 'd41d8cd98f00b204e9800998ecf8427e', kind: 'md5' }]);
    state.close();
    state = openStateDir(dir);
    const again = new SqliteHashBankStore(state);
    expect((await again.getBank('kept'))?.version).toBe(1);
    await expect(again.addEntries('missing', [])).rejects.toBeInstanceOf(UnknownBankError);
  });
});
