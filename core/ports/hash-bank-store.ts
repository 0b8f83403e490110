import type { BankEntry, BankEntryKey, HashBank, NewBankEntry } from '../banks/hash-bank';

/** A page of a bank's entries, in `kind:hash` order. */
export interface BankEntryPage {
  readonly entries: readonly BankEntry[];
  /** Pass back to get the next page; absent on the last page. */
  readonly cursor?: string;
}

/** The result of changing a bank's entries. */
export interface BankChange {
  /** The bank after the change. */
  readonly bank: HashBank;
  /** Entries that were not in the bank (for `addEntries`) or were removed (for `removeEntries`). */
  readonly changed: number;
  /** Entries already present whose label or source was replaced (`addEntries` only). */
  readonly updated: number;
}

/**
 * Versioned hash banks: named lists of known hashes with labels. Every call that changes a bank's entries raises
 * its version by one (a call that changes nothing leaves it), so a matcher can tell from the bank list alone
 * whether its index is current. Entries are unique per bank by `(kind, hash)`; adding an existing one replaces its
 * label and source.
 */
export interface HashBankStore {
  /** The bank named `name`, created empty (version 0) when there is none. */
  putBank(name: string): Promise<HashBank>;
  getBank(name: string): Promise<HashBank | undefined>;
  /** Every bank, by name. */
  listBanks(): Promise<HashBank[]>;
  /**
   * Adds or updates entries (normalised hashes expected), as one change.
   *
   * @throws an `UnknownBankError` when there is no such bank
   */
  addEntries(name: string, entries: readonly NewBankEntry[]): Promise<BankChange>;
  /** Removes entries, as one change; keys not in the bank are ignored. */
  removeEntries(name: string, keys: readonly BankEntryKey[]): Promise<BankChange>;
  /** A page of the bank's entries (default 1,000, at most 10,000). */
  listEntries(
    name: string,
    options?: { readonly cursor?: string; readonly limit?: number },
  ): Promise<BankEntryPage>;
}
