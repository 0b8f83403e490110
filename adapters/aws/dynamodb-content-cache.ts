import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type ContentCache, type ContentKey, contentKeyString } from '../../core/ports/content-cache';
import type { CachedResult } from '../../core/verdict/verdict';
import { StoreItemTooLargeError, StoreRequestError, toStoreError } from './aws-errors';
import { CACHE_TABLE } from './cache-table';
import { packDocument, unpackDocument } from './dynamodb-document';

/** Options for {@link DynamoContentCache}. */
export interface DynamoContentCacheOptions {
  readonly client: DynamoDBClient;
  /** A table created as `cacheTableDefinition` describes. */
  readonly tableName: string;
  /** Entries expire this many seconds after they are written (`expiresAt`); unset: never. */
  readonly ttlSec?: number;
  /** Strongly consistent reads (default false: a cache can afford to miss a write made a moment ago). */
  readonly consistentRead?: boolean;
  /** Clock for `expiresAt` (tests). */
  readonly now?: () => number;
}

/** Content keys longer than this are hashed into the partition key. */
const MAX_KEY_BYTES = 1024;

const A = CACHE_TABLE.attributes;

/** The partition key of a content key: its string form, or `h:<hex sha256>` of a long one. */
export function cachePartitionKey(key: ContentKey): string {
  const s = contentKeyString(key);
  return Buffer.byteLength(s, 'utf8') <= MAX_KEY_BYTES
    ? s
    : `h:${createHash('sha256').update(s, 'utf8').digest('hex')}`;
}

/**
 * A {@link ContentCache} in a DynamoDB table (schema: `cache-table.ts`). Each result is one item: the gzipped JSON
 * plus the key's parts, which a read checks. A later `put` for a key replaces the entry.
 *
 * It is a cache, so it never fails an item for its own limits: a result too large for a DynamoDB item (over 350 KiB
 * gzipped) is not cached, and an entry that cannot be decoded is a miss. Expired entries (`expiresAt` in the past,
 * with `ttlSec` set) are misses before DynamoDB's TTL sweep deletes them. Throttling and network failures are
 * `TransientStoreError`s; a missing table or denied access is `StoreRequestError`.
 */
export class DynamoContentCache implements ContentCache {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly ttlSec?: number;
  private readonly consistentRead: boolean;
  private readonly now: () => number;

  constructor(options: DynamoContentCacheOptions) {
    this.tableName = options.tableName;
    this.ttlSec = options.ttlSec;
    this.consistentRead = options.consistentRead ?? false;
    this.now = options.now ?? Date.now;
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  async get(key: ContentKey): Promise<CachedResult | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [CACHE_TABLE.partitionKey]: cachePartitionKey(key) },
          ConsistentRead: this.consistentRead,
        }),
      );
      item = out.Item;
    } catch (err) {
      throw toStoreError(`cache table ${this.tableName}: get`, err);
    }
    if (!item) return undefined;
    const expiresAt = item[A.expiresAt];
    if (typeof expiresAt === 'number' && expiresAt * 1000 <= this.now()) return undefined;
    if (
      item[A.sha256] !== key.sha256 ||
      item[A.policyVersion] !== key.policyVersion ||
      item[A.detectorsFingerprint] !== key.detectorsFingerprint
    ) {
      return undefined;
    }
    try {
      return await unpackDocument<CachedResult>(item[A.document], 'cached result');
    } catch (err) {
      if (err instanceof StoreRequestError) return undefined;
      throw err;
    }
  }

  async put(key: ContentKey, result: CachedResult): Promise<void> {
    let document: Buffer;
    try {
      document = await packDocument(JSON.stringify(result), 'the cached result');
    } catch (err) {
      if (err instanceof StoreItemTooLargeError) return;
      throw err;
    }
    const now = this.now();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [CACHE_TABLE.partitionKey]: cachePartitionKey(key),
            [A.document]: document,
            [A.sha256]: key.sha256,
            [A.policyVersion]: key.policyVersion,
            [A.detectorsFingerprint]: key.detectorsFingerprint,
            [A.updatedAt]: new Date(now).toISOString(),
            ...(this.ttlSec === undefined ? {} : { [A.expiresAt]: Math.ceil(now / 1000 + this.ttlSec) }),
          },
        }),
      );
    } catch (err) {
      throw toStoreError(`cache table ${this.tableName}: put`, err);
    }
  }
}
