import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InvalidBankNameError, UnknownBankError } from '../../core/banks/bank-errors';
import {
  type BankEntry,
  type BankEntryKey,
  entryKey,
  type HashBank,
  type HashKind,
  isValidBankName,
  type NewBankEntry,
} from '../../core/banks/hash-bank';
import type { BankChange, BankEntryPage, HashBankStore } from '../../core/ports/hash-bank-store';
import { withSqlite } from './sqlite-errors';
import { databaseOf, type StateDb } from './state-db';
import { migrateStateDb } from './state-schema';

interface BankRow {
  name: string;
  id: string;
  version: number;
  entry_count: number;
  created_at: string;
  updated_at: string;
}

interface EntryRow {
  entry_key: string;
  kind: string;
  hash: string;
  label: string | null;
  source: string | null;
  added_at: string;
}

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

const toBank = (r: BankRow): HashBank => ({
  id: r.id,
  name: r.name,
  version: r.version,
  entryCount: r.entry_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toEntry = (r: EntryRow): BankEntry => ({
  hash: r.hash,
  kind: r.kind as HashKind,
  ...(r.label === null ? {} : { label: r.label }),
  ...(r.source === null ? {} : { source: r.source }),
  addedAt: r.added_at,
});

/**
 * A {@link HashBankStore} in the state database (tables `hash_banks` and `hash_bank_entries`). Each change runs in
 * one immediate transaction, so the version and the entries move together even with several processes on the
 * same state dir.
 */
export class SqliteHashBankStore implements HashBankStore {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], BankRow>;
  private readonly listStmt: Database.Statement<[], BankRow>;
  private readonly insertBankStmt: Database.Statement<[string, string, string, string]>;
  private readonly getEntryStmt: Database.Statement<[string, string], EntryRow>;
  private readonly upsertEntryStmt: Database.Statement<
    [string, string, string, string, string | null, string | null, string]
  >;
  private readonly deleteEntryStmt: Database.Statement<[string, string]>;
  private readonly bumpStmt: Database.Statement<[number, string, string]>;
  private readonly pageStmt: Database.Statement<[string, string, number], EntryRow>;

  constructor(db: Database.Database | StateDb) {
    this.db = databaseOf(db);
    migrateStateDb(this.db);
    this.getStmt = this.db.prepare('SELECT * FROM hash_banks WHERE name = ?');
    this.listStmt = this.db.prepare('SELECT * FROM hash_banks ORDER BY name');
    this.insertBankStmt = this.db.prepare(
      `INSERT INTO hash_banks (name, id, version, entry_count, created_at, updated_at)
       VALUES (?, ?, 0, 0, ?, ?) ON CONFLICT (name) DO NOTHING`,
    );
    this.getEntryStmt = this.db.prepare(
      'SELECT * FROM hash_bank_entries WHERE bank_id = ? AND entry_key = ?',
    );
    this.upsertEntryStmt = this.db.prepare(
      `INSERT INTO hash_bank_entries (bank_id, entry_key, kind, hash, label, source, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (bank_id, entry_key) DO UPDATE SET
         label = excluded.label, source = excluded.source, added_at = excluded.added_at`,
    );
    this.deleteEntryStmt = this.db.prepare(
      'DELETE FROM hash_bank_entries WHERE bank_id = ? AND entry_key = ?',
    );
    this.bumpStmt = this.db.prepare(
      `UPDATE hash_banks SET version = version + 1, entry_count = entry_count + ?, updated_at = ?
       WHERE name = ?`,
    );
    this.pageStmt = this.db.prepare(
      `SELECT * FROM hash_bank_entries WHERE bank_id = ? AND entry_key > ? ORDER BY entry_key LIMIT ?`,
    );
  }

  async putBank(name: string): Promise<HashBank> {
    if (!isValidBankName(name)) {
      throw new InvalidBankNameError(
        `bank name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit: "${name}"`,
      );
    }
    return withSqlite('hash banks: put', () =>
      this.db
        .transaction(() => {
          const now = new Date().toISOString();
          this.insertBankStmt.run(name, randomUUID(), now, now);
          return toBank(this.getStmt.get(name) as BankRow);
        })
        .immediate(),
    );
  }

  async getBank(name: string): Promise<HashBank | undefined> {
    const row = withSqlite('hash banks: get', () => this.getStmt.get(name));
    return row ? toBank(row) : undefined;
  }

  async listBanks(): Promise<HashBank[]> {
    return withSqlite('hash banks: list', () => this.listStmt.all()).map(toBank);
  }

  async addEntries(name: string, entries: readonly NewBankEntry[]): Promise<BankChange> {
    return this.change(name, 'add', (bank, now) => {
      let added = 0;
      let updated = 0;
      for (const e of entries) {
        const key = entryKey(e);
        const old = this.getEntryStmt.get(bank.id, key);
        if (old && (old.label ?? undefined) === e.label && (old.source ?? undefined) === e.source) continue;
        this.upsertEntryStmt.run(bank.id, key, e.kind, e.hash, e.label ?? null, e.source ?? null, now);
        if (old) updated++;
        else added++;
      }
      return { changed: added, updated, delta: added };
    });
  }

  async removeEntries(name: string, keys: readonly BankEntryKey[]): Promise<BankChange> {
    return this.change(name, 'remove', (bank) => {
      let removed = 0;
      for (const k of keys) removed += this.deleteEntryStmt.run(bank.id, entryKey(k)).changes;
      return { changed: removed, updated: 0, delta: -removed };
    });
  }

  async listEntries(
    name: string,
    options: { readonly cursor?: string; readonly limit?: number } = {},
  ): Promise<BankEntryPage> {
    const bank = await this.requireBank(name);
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.limit ?? DEFAULT_PAGE)));
    const rows = withSqlite('hash banks: list entries', () =>
      this.pageStmt.all(bank.id, options.cursor ?? '', limit + 1),
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      entries: page.map(toEntry),
      ...(more ? { cursor: (page[page.length - 1] as EntryRow).entry_key } : {}),
    };
  }

  private async requireBank(name: string): Promise<HashBank> {
    const bank = await this.getBank(name);
    if (!bank) throw new UnknownBankError(`no hash bank named "${name}"`);
    return bank;
  }

  private async change(
    name: string,
    what: string,
    apply: (bank: BankRow, now: string) => { changed: number; updated: number; delta: number },
  ): Promise<BankChange> {
    return withSqlite(`hash banks: ${what}`, () =>
      this.db
        .transaction((): BankChange => {
          const bank = this.getStmt.get(name);
          if (!bank) throw new UnknownBankError(`no hash bank named "${name}"`);
          const now = new Date().toISOString();
          const { changed, updated, delta } = apply(bank, now);
          if (changed + updated > 0) this.bumpStmt.run(delta, now, name);
          return { bank: toBank(this.getStmt.get(name) as BankRow), changed, updated };
        })
        .immediate(),
    );
  }
}
