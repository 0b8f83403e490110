import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RunStateStore } from '../../core/ports/run-state-store';
import { toStoreError } from './aws-errors';
import { CACHE_TABLE } from './cache-table';
import { packDocument, unpackDocument } from './dynamodb-document';

/** Options for {@link DynamoRunStateStore}. */
export interface DynamoRunStateStoreOptions {
  readonly client: DynamoDBClient;
  /** A table with a string partition key `pk` and no sort key: the cache table, or one of its own. */
  readonly tableName: string;
  /** Prepended to run ids to make the partition key (default `run#`, which no content key starts with). */
  readonly keyPrefix?: string;
}

/**
 * A {@link RunStateStore} in a DynamoDB table keyed by `pk` alone (the cache table's schema, so it can share that
 * table). Each run's state is one item: gzipped JSON in `doc`, and `updatedAt`. Reads are strongly consistent, so
 * a resumed run sees the last state written. A state over 350 KiB gzipped throws `StoreItemTooLargeError`.
 */
export class DynamoRunStateStore implements RunStateStore {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly keyPrefix: string;

  constructor(options: DynamoRunStateStoreOptions) {
    this.tableName = options.tableName;
    this.keyPrefix = options.keyPrefix ?? 'run#';
    this.doc = DynamoDBDocumentClient.from(options.client);
  }

  async getRun<T extends object>(id: string): Promise<T | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [CACHE_TABLE.partitionKey]: this.keyPrefix + id },
          ConsistentRead: true,
        }),
      );
      item = out.Item;
    } catch (err) {
      throw toStoreError(`run table ${this.tableName}: get ${id}`, err);
    }
    return item ? unpackDocument<T>(item[CACHE_TABLE.attributes.document], `run state ${id}`) : undefined;
  }

  async putRun<T extends object>(id: string, state: T): Promise<void> {
    const document = await packDocument(JSON.stringify(state), `the state of run ${id}`);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [CACHE_TABLE.partitionKey]: this.keyPrefix + id,
            [CACHE_TABLE.attributes.document]: document,
            [CACHE_TABLE.attributes.updatedAt]: new Date().toISOString(),
          },
        }),
      );
    } catch (err) {
      throw toStoreError(`run table ${this.tableName}: put ${id}`, err);
    }
  }
}
