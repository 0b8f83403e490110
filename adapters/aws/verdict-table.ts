import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB verdict table that {@link DynamoVerdictStore} reads and writes: one item per item URI and policy
 * version. The infrastructure creates it from these names (see adapters/aws/README.md), so they cannot drift.
 *
 * - `pk` (S, partition): the item URI (`verdict.item.uri`); a URI over 2048 bytes is stored as `#sha256:<hex of the
 *   URI>` (a URI never starts with `#`).
 * - `sk` (S, sort): the policy version (`verdict.policy.version`).
 * - GSI `byDecision`: partition `decision`, sort `createdAt`: verdicts by decision and time.
 * - GSI `byRun`: partition `runId`, sort `createdAt`: verdicts of a run (sparse: verdicts without a run are absent).
 *
 * Both indexes project only the small filter attributes (`INCLUDE`), never the verdict document, so an index write
 * costs about one write unit whatever the verdict's size.
 */
export const VERDICT_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Names of the item's attributes. */
  attributes: {
    /** S: the decision (`allow`, `review`, `block`, `error`). */
    decision: 'decision',
    /** S: `verdict.createdAt` as `Date#toISOString` (24 characters, so string order is time order). */
    createdAt: 'createdAt',
    /** S, absent when the verdict has none: the run (or job trace) that wrote it. */
    runId: 'runId',
    /** S: `verdict.policy.id`. */
    policyId: 'policyId',
    /** SS, absent when empty: ids of the categories whose own decision is `review` or `block`. */
    flagged: 'flagged',
    /** M: category id → its decision (`allow`, `review`, `block`), for people reading the table. */
    categories: 'categories',
    /** S: `verdict.tier`. */
    tier: 'tier',
    /** S: `verdict.item.media`. */
    media: 'media',
    /** S: `verdict.item.sha256` (empty when the bytes could not be read). */
    sha256: 'sha256',
    /** B: the whole verdict as gzipped JSON (at most 350 KiB; see the README). */
    document: 'doc',
    /** S: hex sha256 of the verdict's JSON; an identical verdict written again is not rewritten. */
    digest: 'digest',
    /** N: microseconds since the epoch when the writer stored it; `get` without a version takes the latest. */
    writtenAt: 'writtenAt',
  },
  byDecision: {
    indexName: 'byDecision',
    partitionKey: 'decision',
    sortKey: 'createdAt',
    nonKeyAttributes: ['runId', 'policyId', 'flagged'],
  },
  byRun: {
    indexName: 'byRun',
    partitionKey: 'runId',
    sortKey: 'createdAt',
    nonKeyAttributes: ['decision', 'policyId', 'flagged'],
  },
} as const;

/**
 * A `CreateTable` request for the verdict table (on-demand billing): what the CDK construct must match, and what
 * tests and local setups create.
 */
export function verdictTableDefinition(tableName: string): CreateTableCommandInput {
  const t = VERDICT_TABLE;
  const index = (i: typeof t.byDecision | typeof t.byRun) => ({
    IndexName: i.indexName,
    KeySchema: [
      { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...i.nonKeyAttributes] },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [t.partitionKey, t.sortKey, 'decision', 'createdAt', 'runId'].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: t.partitionKey, KeyType: 'HASH' },
      { AttributeName: t.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [index(t.byDecision), index(t.byRun)],
  };
}
