import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB content-cache table that {@link DynamoContentCache} reads and writes: one item per content key.
 * {@link DynamoRunStateStore} may share it (its keys start with `run#`, content keys with 64 hex digits) or use
 * a table of its own with the same key schema.
 *
 * - `pk` (S, partition, no sort key): the content key `<sha256>:<policy version>:<detectors fingerprint>`, or
 *   `h:<hex sha256 of that string>` when it exceeds 1024 bytes.
 * - `expiresAt` (N): epoch seconds after which the entry is ignored; set the table's TTL attribute to it so
 *   DynamoDB also deletes expired entries (it does so lazily, so reads check it themselves).
 */
export const CACHE_TABLE = {
  partitionKey: 'pk',
  /** The attribute to name as the table's TTL attribute. */
  ttlAttribute: 'expiresAt',
  attributes: {
    /** B: the cached result (or run state) as gzipped JSON. */
    document: 'doc',
    /** S: the content key's parts, checked on read. */
    sha256: 'sha256',
    policyVersion: 'policyVersion',
    detectorsFingerprint: 'detectorsFingerprint',
    /** S: ISO time of the write. */
    updatedAt: 'updatedAt',
    /** N: epoch seconds; see above. */
    expiresAt: 'expiresAt',
  },
} as const;

/** A `CreateTable` request for the cache table (on-demand billing). TTL is a separate `UpdateTimeToLive` call. */
export function cacheTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: CACHE_TABLE.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: CACHE_TABLE.partitionKey, KeyType: 'HASH' }],
  };
}
