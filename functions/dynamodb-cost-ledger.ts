import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CACHE_TABLE, toStoreError } from '../adapters/aws';
import { TransientStoreError } from '../core/errors';
import { backfillCostKey, type CostLedger } from '../core/serverless/backfill-batch';

/** Attributes of a ledger item (beside the key and the table's TTL attribute). */
export const COST_LEDGER_ATTRIBUTES = {
  /** N: estimated dollars reserved so far. */
  spent: 'spent',
  /** S: ISO time the ceiling was reached; absent while the run may go on. */
  stoppedAt: 'stoppedAt',
  /** S: why it stopped (`max-cost`). */
  stopReason: 'stopReason',
} as const;

/** Tries of a reservation that lost a race with another batch of the same run. */
const RESERVE_TRIES = 10;
/** Ledger items outlive their run by this long, then the table's TTL removes them. */
const RETENTION_SEC = 30 * 24 * 60 * 60;

/**
 * A {@link CostLedger} in a DynamoDB table keyed by `pk` alone (the cache table): one item per run, with a
 * conditional `ADD`, so concurrent batches cannot pass the ceiling together.
 */
export class DynamoCostLedger implements CostLedger {
  private readonly doc: DynamoDBDocumentClient;

  constructor(private readonly options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.doc = DynamoDBDocumentClient.from(options.client);
  }

  async reserve(
    runId: string,
    costs: readonly number[],
    ceiling: number,
  ): Promise<{ accepted: number; total: number }> {
    if (costs.length === 0) return { accepted: 0, total: (await this.read(runId)).spent };
    const sums = prefixSums(costs);
    // A new run's item does not exist yet (its condition passes whatever the amount), so start with what fits at all.
    let take = fitting(sums, ceiling);
    for (let attempt = 1; attempt <= RESERVE_TRIES && take > 0; attempt++) {
      const total = await this.tryAdd(runId, sums[take] as number, ceiling);
      if (total !== undefined) {
        if (take < costs.length) await this.markStopped(runId);
        return { accepted: take, total };
      }
      const state = await this.read(runId);
      if (state.stopped) return { accepted: 0, total: state.spent };
      take = fitting(sums, ceiling - state.spent);
    }
    if (take > 0) {
      throw new TransientStoreError(
        `cost ledger ${this.options.tableName}: run ${runId}: lost ${RESERVE_TRIES} races to other batches`,
      );
    }
    await this.markStopped(runId);
    return { accepted: 0, total: (await this.read(runId)).spent };
  }

  /** Adds `amount` unless the run stopped or the total would pass the ceiling; the new total, or undefined. */
  private async tryAdd(runId: string, amount: number, ceiling: number): Promise<number | undefined> {
    const a = COST_LEDGER_ATTRIBUTES;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [CACHE_TABLE.partitionKey]: backfillCostKey(runId) },
          UpdateExpression:
            'ADD #spent :amount SET #expires = if_not_exists(#expires, :expires), #updated = :now',
          ConditionExpression:
            'attribute_not_exists(#stopped) AND (attribute_not_exists(#spent) OR #spent <= :room)',
          ExpressionAttributeNames: {
            '#spent': a.spent,
            '#stopped': a.stoppedAt,
            '#expires': CACHE_TABLE.ttlAttribute,
            '#updated': CACHE_TABLE.attributes.updatedAt,
          },
          ExpressionAttributeValues: {
            ':amount': amount,
            ':room': ceiling - amount,
            ':expires': Math.floor(Date.now() / 1000) + RETENTION_SEC,
            ':now': new Date().toISOString(),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.[a.spent] ?? amount);
    } catch (err) {
      if (
        err instanceof ConditionalCheckFailedException ||
        (err as Error).name === 'ConditionalCheckFailedException'
      )
        return undefined;
      throw toStoreError(`cost ledger ${this.options.tableName}: reserve for run ${runId}`, err);
    }
  }

  private async read(runId: string): Promise<{ spent: number; stopped: boolean }> {
    try {
      const out = await this.doc.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: { [CACHE_TABLE.partitionKey]: backfillCostKey(runId) },
          ConsistentRead: true,
        }),
      );
      return {
        spent: Number(out.Item?.[COST_LEDGER_ATTRIBUTES.spent] ?? 0),
        stopped: out.Item?.[COST_LEDGER_ATTRIBUTES.stoppedAt] !== undefined,
      };
    } catch (err) {
      throw toStoreError(`cost ledger ${this.options.tableName}: read run ${runId}`, err);
    }
  }

  private async markStopped(runId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [CACHE_TABLE.partitionKey]: backfillCostKey(runId) },
          UpdateExpression:
            'SET #stopped = if_not_exists(#stopped, :now), #reason = :reason, #expires = if_not_exists(#expires, :expires)',
          ExpressionAttributeNames: {
            '#stopped': COST_LEDGER_ATTRIBUTES.stoppedAt,
            '#reason': COST_LEDGER_ATTRIBUTES.stopReason,
            '#expires': CACHE_TABLE.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':now': new Date().toISOString(),
            ':reason': 'max-cost',
            ':expires': Math.floor(Date.now() / 1000) + RETENTION_SEC,
          },
        }),
      );
    } catch (err) {
      throw toStoreError(`cost ledger ${this.options.tableName}: stop run ${runId}`, err);
    }
  }
}

/** How many leading costs fit in `room`. */
function fitting(sums: readonly number[], room: number): number {
  let take = 0;
  while (take < sums.length - 1 && (sums[take + 1] as number) <= room) take++;
  return take;
}

function prefixSums(costs: readonly number[]): number[] {
  const sums = [0];
  for (const c of costs) sums.push((sums[sums.length - 1] as number) + c);
  return sums;
}
