import type { HashBankStore } from '../ports/hash-bank-store';
import { type BankMatch, BankSnapshot } from './bank-snapshot';
import type { BankEntry, HashBank, HashKind } from './hash-bank';
import { normaliseHash } from './hash-bank';

/** The PDQ match radius Meta recommends, and the default. */
export const DEFAULT_PDQ_RADIUS = 31;

/** Options for {@link BankMatcher}. */
export interface BankMatcherOptions {
  /**
   * How often {@link BankMatcher.match} checks the bank versions (one `listBanks` call) and rebuilds the index
   * when any changed. Default 60,000 ms; 0 checks before every match.
   */
  readonly refreshIntervalMs?: number;
  /** Entries per `listEntries` page while loading. Default 5,000. */
  readonly pageSize?: number;
  /** Chunk count of the PDQ index (default: chosen by size). */
  readonly indexChunks?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** The version set a snapshot was built from: `id@version` of every bank, sorted. */
export function bankVersionKey(banks: readonly HashBank[]): string {
  return banks
    .map((b) => `${b.id}@${b.version}`)
    .sort()
    .join(',');
}

/**
 * Matches hashes against every bank in a {@link HashBankStore}. It holds one {@link BankSnapshot} (a PDQ
 * multi-index plus exact maps) built from the banks' current versions, and rebuilds it when a refresh finds that
 * any bank's version changed or a bank appeared: an added or removed hash takes effect for items matched after
 * the next refresh. Rebuilds are whole (every bank reloaded; the index alone takes about a second per million PDQ hashes);
 * matches keep using the old snapshot until the new one is ready.
 */
export class BankMatcher {
  private readonly store: HashBankStore;
  private readonly intervalMs: number;
  private readonly pageSize: number;
  private readonly indexChunks: number | undefined;
  private readonly now: () => number;
  private snapshot: BankSnapshot | undefined;
  private loadedKey: string | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<boolean> | undefined;

  constructor(store: HashBankStore, options: BankMatcherOptions = {}) {
    this.store = store;
    this.intervalMs = options.refreshIntervalMs ?? 60_000;
    this.pageSize = options.pageSize ?? 5000;
    this.indexChunks = options.indexChunks;
    this.now = options.now ?? Date.now;
  }

  /**
   * Checks the bank versions now and rebuilds the snapshot if they changed. Resolves to whether it rebuilt.
   * Concurrent calls share one check.
   */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Bank entries matching `hash` (hex of `kind`): PDQ within `radius` bits (default 31), nearest first; MD5 and
   * SHA-256 exactly. Refreshes first when the refresh interval has passed.
   *
   * @throws RangeError when `hash` is not hex of the kind's length
   */
  async match(kind: HashKind, hash: string, radius = DEFAULT_PDQ_RADIUS): Promise<BankMatch[]> {
    const normal = normaliseHash(kind, hash);
    if (!normal) throw new RangeError(`not a ${kind} hex hash: ${hash.slice(0, 80)}`);
    return (await this.ensureFresh()).match(kind, normal, radius);
  }

  /**
   * The snapshot to match against now: refreshed first when there is none yet or the refresh interval has passed.
   * Matching several hashes of one item against it directly keeps the item on one set of bank versions.
   */
  async ensureFresh(): Promise<BankSnapshot> {
    if (!this.snapshot || this.now() - this.lastCheck >= this.intervalMs) await this.refresh();
    return this.snapshot as BankSnapshot;
  }

  /** The snapshot in use (after the first refresh). */
  get current(): BankSnapshot | undefined {
    return this.snapshot;
  }

  private async doRefresh(): Promise<boolean> {
    this.lastCheck = this.now();
    const banks = await this.store.listBanks();
    const key = bankVersionKey(banks);
    if (this.snapshot && key === this.loadedKey) return false;
    // A change made while loading yields a mixed snapshot tagged with the older key, so the next refresh
    // rebuilds again.
    this.snapshot = await BankSnapshot.build(banks, (bank) => this.entriesOf(bank), this.indexChunks);
    this.loadedKey = key;
    return true;
  }

  private async *entriesOf(bank: HashBank): AsyncIterable<BankEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.store.listEntries(bank.name, {
        limit: this.pageSize,
        ...(cursor === undefined ? {} : { cursor }),
      });
      yield* page.entries;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
}
