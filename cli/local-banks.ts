import { SqliteHashBankStore, type StateDir } from '../adapters/local';
import { BankMatcher } from '../core/banks/bank-matcher';

/**
 * Seconds between checks of the local banks' versions during a run: one cheap SQLite query, so a hash imported while
 * a long scan runs is matched within seconds.
 */
const LOCAL_REFRESH_MS = 10_000;

/**
 * A matcher over the hash banks of a state dir (`winnow bank import`). With no banks there, the `hash-match`
 * detectors find nothing, at the cost of one query per refresh.
 */
export function localBankMatcher(state: StateDir): BankMatcher {
  return new BankMatcher(new SqliteHashBankStore(state), { refreshIntervalMs: LOCAL_REFRESH_MS });
}
