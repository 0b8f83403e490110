import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidBankNameError, UnknownBankError } from '../../core/banks/bank-errors';
import {
  type BankEntry,
  type BankEntryKey,
  entryKey,
  type HashBank,
  isValidBankName,
  type NewBankEntry,
} from '../../core/banks/hash-bank';
import { TransientStoreError } from '../../core/errors';
import type { BankChange, BankEntryPage, HashBankStore } from '../../core/ports/hash-bank-store';
import { awsErrorName, toStoreError } from './aws-errors';
import { CACHE_TABLE } from './cache-table';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Options for {@link S3DynamoHashBankStore}. */
export interface S3DynamoHashBankStoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix of the entry snapshots (default `hash-banks/`). */
  readonly prefix?: string;
  readonly dynamo: DynamoDBClient;
  /** A table keyed by a string `pk` alone (the cache table's schema, so the cache table can hold it). */
  readonly tableName: string;
  /** Partition key of the bank registry item (default `hash-banks`, which no content key equals). */
  readonly registryKey?: string;
  /** Tries of an add or remove that lost a race with another writer. Default 5. */
  readonly maxAttempts?: number;
}

/** One bank in the registry item. */
interface BankRecord {
  id: string;
  version: number;
  entryCount: number;
  createdAt: string;
  updatedAt: string;
  /** S3 key of the current entry snapshot; absent while the bank was never changed. */
  snapshot?: string;
  /** The snapshot before it, kept so a reader that fetched the registry just before a change can still read. */
  previous?: string;
}

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

/**
 * A {@link HashBankStore} on AWS: bank metadata in DynamoDB, entries in S3.
 *
 * - DynamoDB holds one registry item (`pk` = `hash-banks`) whose `banks` map has each bank's id, version, entry
 *   count and the S3 key of its current snapshot, so listing the banks (what a matcher does on each refresh) is
 *   one strongly consistent `GetItem`.
 * - S3 holds each bank version's entries as one gzipped JSON-lines object, sorted by `kind:hash`:
 *   `<prefix><bank id>/v<version>-<random>.jsonl.gz`.
 *
 * A change reads the current snapshot, writes the next one, then moves the registry to it with a conditional
 * update on the version it read; a writer that lost the race deletes its object and tries again. Every change
 * rewrites the whole snapshot, so batch additions (one `addEntries` call per import). The snapshot two versions
 * back is deleted after each change.
 */
export class S3DynamoHashBankStore implements HashBankStore {
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly registryKey: string;
  private readonly maxAttempts: number;
  /** The last snapshot read per bank id, keyed by its S3 key. */
  private readonly cache = new Map<string, { key: string; entries: BankEntry[] }>();

  constructor(options: S3DynamoHashBankStoreOptions) {
    this.s3 = options.s3;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? 'hash-banks/';
    this.doc = DynamoDBDocumentClient.from(options.dynamo);
    this.tableName = options.tableName;
    this.registryKey = options.registryKey ?? 'hash-banks';
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  async putBank(name: string): Promise<HashBank> {
    if (!isValidBankName(name)) {
      throw new InvalidBankNameError(
        `bank name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit: "${name}"`,
      );
    }
    const now = new Date().toISOString();
    const record: BankRecord = {
      id: randomUUID(),
      version: 0,
      entryCount: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.update(`put bank ${name}`, {
      UpdateExpression: 'SET banks = if_not_exists(banks, :empty)',
      ExpressionAttributeValues: { ':empty': {} },
    });
    await this.update(`put bank ${name}`, {
      UpdateExpression: 'SET banks.#n = if_not_exists(banks.#n, :bank)',
      ExpressionAttributeNames: { '#n': name },
      ExpressionAttributeValues: { ':bank': record },
    });
    return (await this.getBank(name)) as HashBank;
  }

  async getBank(name: string): Promise<HashBank | undefined> {
    const record = (await this.registry())[name];
    return record ? toBank(name, record) : undefined;
  }

  async listBanks(): Promise<HashBank[]> {
    return Object.entries(await this.registry())
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, r]) => toBank(name, r));
  }

  async addEntries(name: string, entries: readonly NewBankEntry[]): Promise<BankChange> {
    return this.change(name, (current, now) => {
      let added = 0;
      let updated = 0;
      for (const e of entries) {
        const key = entryKey(e);
        const old = current.get(key);
        if (old && old.label === e.label && old.source === e.source) continue;
        current.set(key, {
          hash: e.hash,
          kind: e.kind,
          ...(e.label ? { label: e.label } : {}),
          ...(e.source ? { source: e.source } : {}),
          addedAt: now,
        });
        if (old) updated++;
        else added++;
      }
      return { changed: added, updated };
    });
  }

  async removeEntries(name: string, keys: readonly BankEntryKey[]): Promise<BankChange> {
    return this.change(name, (current) => {
      let removed = 0;
      for (const k of keys) if (current.delete(entryKey(k))) removed++;
      return { changed: removed, updated: 0 };
    });
  }

  async listEntries(
    name: string,
    options: { readonly cursor?: string; readonly limit?: number } = {},
  ): Promise<BankEntryPage> {
    const record = (await this.registry())[name];
    if (!record) throw new UnknownBankError(`no hash bank named "${name}"`);
    const entries = await this.readSnapshot(record);
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.limit ?? DEFAULT_PAGE)));
    let lo = 0;
    if (options.cursor !== undefined) {
      let hi = entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (entryKey(entries[mid] as BankEntry) <= options.cursor) lo = mid + 1;
        else hi = mid;
      }
    }
    const page = entries.slice(lo, lo + limit);
    const more = lo + limit < entries.length;
    return { entries: page, ...(more ? { cursor: entryKey(page[page.length - 1] as BankEntry) } : {}) };
  }

  private async change(
    name: string,
    apply: (current: Map<string, BankEntry>, now: string) => { changed: number; updated: number },
  ): Promise<BankChange> {
    for (let attempt = 1; ; attempt++) {
      const record = (await this.registry())[name];
      if (!record) throw new UnknownBankError(`no hash bank named "${name}"`);
      const current = new Map((await this.readSnapshot(record)).map((e) => [entryKey(e), e]));
      const now = new Date().toISOString();
      const { changed, updated } = apply(current, now);
      if (changed + updated === 0) return { bank: toBank(name, record), changed, updated };

      const entries = [...current.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, e]) => e);
      const version = record.version + 1;
      const key = `${this.prefix}${record.id}/v${version}-${randomBytes(4).toString('hex')}.jsonl.gz`;
      const body = await gzipAsync(
        Buffer.from(entries.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8'),
      );
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentType: 'application/gzip',
          }),
        );
      } catch (err) {
        throw toStoreError(`hash bank ${name}: write s3://${this.bucket}/${key}`, err);
      }
      const next: BankRecord = {
        ...record,
        version,
        entryCount: entries.length,
        updatedAt: now,
        snapshot: key,
        ...(record.snapshot ? { previous: record.snapshot } : {}),
      };
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [CACHE_TABLE.partitionKey]: this.registryKey },
            UpdateExpression: 'SET banks.#n = :next',
            ConditionExpression: 'banks.#n.version = :version',
            ExpressionAttributeNames: { '#n': name },
            ExpressionAttributeValues: { ':next': next, ':version': record.version },
          }),
        );
      } catch (err) {
        await this.deleteObject(key);
        if (awsErrorName(err) !== 'ConditionalCheckFailedException') {
          throw toStoreError(`hash bank ${name}: update the registry`, err);
        }
        if (attempt >= this.maxAttempts) {
          throw new TransientStoreError(`hash bank ${name}: ${attempt} writers raced; try again`, {
            cause: err,
          });
        }
        continue;
      }
      this.cache.set(record.id, { key, entries });
      if (record.previous) await this.deleteObject(record.previous);
      return { bank: toBank(name, next), changed, updated };
    }
  }

  private async registry(): Promise<Record<string, BankRecord>> {
    try {
      const out = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [CACHE_TABLE.partitionKey]: this.registryKey },
          ConsistentRead: true,
        }),
      );
      return (out.Item?.banks as Record<string, BankRecord> | undefined) ?? {};
    } catch (err) {
      throw toStoreError(`hash bank registry in ${this.tableName}: get`, err);
    }
  }

  private async readSnapshot(record: BankRecord): Promise<BankEntry[]> {
    if (!record.snapshot) return [];
    const cached = this.cache.get(record.id);
    if (cached?.key === record.snapshot) return cached.entries;
    let bytes: Uint8Array;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: record.snapshot }));
      bytes = await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    } catch (err) {
      throw toStoreError(`hash bank ${record.id}: read s3://${this.bucket}/${record.snapshot}`, err);
    }
    const text = (await gunzipAsync(bytes)).toString('utf8');
    const entries = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as BankEntry);
    this.cache.set(record.id, { key: record.snapshot, entries });
    return entries;
  }

  private async deleteObject(key: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch {
      // Best effort: an orphaned snapshot costs storage only; an S3 lifecycle rule on the prefix can sweep them.
    }
  }

  private async update(
    what: string,
    input: {
      UpdateExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [CACHE_TABLE.partitionKey]: this.registryKey },
          ...input,
        }),
      );
    } catch (err) {
      throw toStoreError(`hash bank registry in ${this.tableName}: ${what}`, err);
    }
  }
}

function toBank(name: string, r: BankRecord): HashBank {
  return {
    id: r.id,
    name,
    version: r.version,
    entryCount: r.entryCount,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
