import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { TransientStoreError } from '../../core/errors';
import type { VerdictPage, VerdictQuery, VerdictStore } from '../../core/ports/verdict-store';
import { CATEGORY_DECISIONS, type Decision, type Verdict } from '../../core/verdict/verdict';
import { awsErrorName, toStoreError } from './aws-errors';
import { packDocument, unpackDocument } from './dynamodb-document';
import { VERDICT_TABLE } from './verdict-table';

/** Options for {@link DynamoVerdictStore}. */
export interface DynamoVerdictStoreOptions {
  readonly client: DynamoDBClient;
  /** A table created as `verdictTableDefinition` describes. */
  readonly tableName: string;
  /** Strongly consistent `get` and table reads (default true). Index queries are always eventually consistent. */
  readonly consistentRead?: boolean;
}

/** A time range for {@link DynamoVerdictStore.queryByDecision} and {@link DynamoVerdictStore.queryByRun}. */
export interface VerdictTimeRange {
  /** Only verdicts created at or after this time. */
  readonly from?: Date | string;
  /** Only verdicts created at or before this time. */
  readonly to?: Date | string;
  /** Newest first (default oldest first). */
  readonly newestFirst?: boolean;
  readonly cursor?: string;
  readonly limit?: number;
}

type Item = Record<string, unknown>;

const A = VERDICT_TABLE.attributes;
const PK = VERDICT_TABLE.partitionKey;
const SK = VERDICT_TABLE.sortKey;
/** DynamoDB's limit on a partition key value. */
const MAX_PARTITION_KEY_BYTES = 2048;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
/** Backend requests one `query` call may make before it returns a short page (with a cursor) instead. */
const MAX_REQUESTS_PER_PAGE = 25;
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX = 100;
/** Rounds of BatchGetItem in a row that return nothing before giving up (throttled). */
const BATCH_GET_STALLS = 5;

const CONDITION =
  `attribute_not_exists(#pk) OR #createdAt < :createdAt ` +
  `OR (#createdAt = :createdAt AND #digest <> :digest)`;

let lastWrittenAt = 0;
/** Microseconds since the epoch, strictly increasing within this process. */
function nextWrittenAt(): number {
  lastWrittenAt = Math.max(Date.now() * 1000, lastWrittenAt + 1);
  return lastWrittenAt;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** The partition key of an item URI: the URI, or `#sha256:<hex>` of one longer than DynamoDB allows. */
export function verdictPartitionKey(uri: string): string {
  return Buffer.byteLength(uri, 'utf8') <= MAX_PARTITION_KEY_BYTES ? uri : `#sha256:${sha256(uri)}`;
}

/** An ISO time as `Date#toISOString` writes it (fixed width, so string order is time order). */
export function normaliseTime(time: Date | string): string {
  const d = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid time ${JSON.stringify(String(time))}`);
  return d.toISOString();
}

/** How a query reads the table: a scan, or an index with a key condition; the rest is a filter. */
interface Plan {
  /** `scan` or the index name; cursors carry it, so one from another plan is refused. */
  readonly path: string;
  readonly indexName?: string;
  readonly keyCondition?: string;
  readonly filter?: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
  readonly forward: boolean;
  /** Attributes of an item that make its `ExclusiveStartKey`. */
  readonly keyAttributes: readonly string[];
  /** The filter, checked again on the full verdict (an index may lag behind the table). */
  readonly matches: (v: Verdict) => boolean;
}

/**
 * A {@link VerdictStore} in a DynamoDB table (schema: `verdict-table.ts`), through the lib-dynamodb document client.
 *
 * Each verdict is one item keyed by item URI (`pk`) and policy version (`sk`). The whole verdict is stored as
 * gzipped JSON in a Binary attribute, beside plain attributes for the filters and the two indexes; a verdict whose
 * gzipped JSON exceeds 350 KiB is refused with `StoreItemTooLargeError` (permanent).
 *
 * Writes are conditional, so at-least-once delivery and out-of-order retries are harmless:
 * - a verdict with a later `createdAt` replaces the stored one; one with an earlier `createdAt` is ignored;
 * - the same verdict again (same `createdAt`, same JSON) is a no-op: nothing is rewritten;
 * - a different verdict with the same `createdAt` replaces the stored one (the last write wins, as the port says).
 *
 * `get` without a policy version returns the verdict stored last (`writtenAt`). `query` uses the `byRun` index when
 * the filter names a run, else `byDecision` when it names a decision (order: `createdAt`, then key), else a table
 * scan (DynamoDB's order); the remaining fields are filter expressions. Pages hold at most `limit` verdicts and may
 * hold fewer (down to none, with a cursor) when a selective filter reads many items. Index queries are eventually
 * consistent: a verdict written a moment ago may be missing from them, but a listed verdict always matches the
 * filter (it is checked on the item itself).
 */
export class DynamoVerdictStore implements VerdictStore {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly consistentRead: boolean;

  constructor(options: DynamoVerdictStoreOptions) {
    this.tableName = options.tableName;
    this.consistentRead = options.consistentRead ?? true;
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  async put(verdict: Verdict): Promise<void> {
    const uri = verdict.item.uri;
    const json = JSON.stringify(verdict);
    const document = await packDocument(json, `the verdict for ${uri}`);
    // The most severe decision per category id (ids should not repeat; if they do, the worst is queryable).
    const worst = new Map<string, number>();
    for (const c of verdict.categories) {
      const rank = CATEGORY_DECISIONS.indexOf(c.decision);
      if (rank > (worst.get(c.id) ?? -1)) worst.set(c.id, rank);
    }
    const flagged = [...worst].filter(([, rank]) => rank >= 1).map(([id]) => id);
    const createdAt = normaliseTime(verdict.createdAt);
    const digest = sha256(json);
    const item: Item = {
      [PK]: verdictPartitionKey(uri),
      [SK]: verdict.policy.version,
      [A.decision]: verdict.decision,
      [A.createdAt]: createdAt,
      [A.policyId]: verdict.policy.id,
      [A.tier]: verdict.tier,
      [A.media]: verdict.item.media,
      [A.sha256]: verdict.item.sha256,
      [A.categories]: Object.fromEntries([...worst].map(([id, rank]) => [id, CATEGORY_DECISIONS[rank]])),
      [A.document]: document,
      [A.digest]: digest,
      [A.writtenAt]: nextWrittenAt(),
      // Index keys may not be empty strings; a verdict without a run is simply absent from `byRun`.
      ...(verdict.runId ? { [A.runId]: verdict.runId } : {}),
      ...(flagged.length > 0 ? { [A.flagged]: new Set(flagged) } : {}),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: CONDITION,
          ExpressionAttributeNames: { '#pk': PK, '#createdAt': A.createdAt, '#digest': A.digest },
          ExpressionAttributeValues: { ':createdAt': createdAt, ':digest': digest },
        }),
      );
    } catch (err) {
      // The stored verdict is newer, or this very one: nothing to do.
      if (awsErrorName(err) === 'ConditionalCheckFailedException') return;
      throw toStoreError(`verdict table ${this.tableName}: put ${uri}`, err);
    }
  }

  async get(uri: string, policyVersion?: string): Promise<Verdict | undefined> {
    const pk = verdictPartitionKey(uri);
    const version = policyVersion ?? (await this.latestVersion(uri, pk));
    if (version === undefined) return undefined;
    const out = await this.call(`get ${uri}`, () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [PK]: pk, [SK]: version },
          ConsistentRead: this.consistentRead,
        }),
      ),
    );
    if (!out.Item) return undefined;
    const verdict = await unpackDocument<Verdict>(out.Item[A.document], `verdict ${uri}`);
    // A hashed key cannot collide in practice; the check makes sure.
    return verdict.item?.uri === uri ? verdict : undefined;
  }

  /** The policy version of the item's verdict written last. */
  private async latestVersion(uri: string, pk: string): Promise<string | undefined> {
    let best: { sk: string; at: number } | undefined;
    let start: Item | undefined;
    do {
      const out = await this.call(`get ${uri}`, () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ProjectionExpression: '#sk, #writtenAt',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#writtenAt': A.writtenAt },
            ExpressionAttributeValues: { ':pk': pk },
            ConsistentRead: this.consistentRead,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        const sk = item[SK];
        const at = Number(item[A.writtenAt] ?? 0);
        if (typeof sk !== 'string') continue;
        if (!best || at > best.at || (at === best.at && sk > best.sk)) best = { sk, at };
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return best?.sk;
  }

  async query(
    filter: VerdictQuery,
    page: { readonly cursor?: string; readonly limit?: number } = {},
  ): Promise<VerdictPage> {
    return this.run(planFor(filter), page);
  }

  /**
   * Verdicts with a decision, by creation time (the `byDecision` index), optionally within a time range (both ends
   * inclusive). Eventually consistent.
   */
  async queryByDecision(decision: Decision, range: VerdictTimeRange = {}): Promise<VerdictPage> {
    const i = VERDICT_TABLE.byDecision;
    return this.run(rangePlan(i.indexName, i.partitionKey, decision, { decision }, range), range);
  }

  /** Verdicts of a run, by creation time (the `byRun` index), optionally within a time range. Eventually consistent. */
  async queryByRun(runId: string, range: VerdictTimeRange = {}): Promise<VerdictPage> {
    const i = VERDICT_TABLE.byRun;
    return this.run(rangePlan(i.indexName, i.partitionKey, runId, { runId }, range), range);
  }

  private async run(
    plan: Plan,
    page: { readonly cursor?: string; readonly limit?: number },
  ): Promise<VerdictPage> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(page.limit ?? DEFAULT_PAGE)));
    let start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, plan.path);
    // One item past the page tells whether there is another page.
    const items: Item[] = [];
    let exhausted = false;
    for (let requests = 0; items.length <= limit && requests < MAX_REQUESTS_PER_PAGE; requests++) {
      const input = {
        TableName: this.tableName,
        ...(plan.filter ? { FilterExpression: plan.filter } : {}),
        ...(Object.keys(plan.names).length > 0 ? { ExpressionAttributeNames: plan.names } : {}),
        ...(Object.keys(plan.values).length > 0 ? { ExpressionAttributeValues: plan.values } : {}),
        ExclusiveStartKey: start,
        // Unfiltered, read just one past the page; filtered, read on (1 MB per request at most either way).
        Limit: plan.filter ? MAX_PAGE : limit + 1 - items.length,
      };
      const out = await this.call(`query ${plan.path}`, () =>
        plan.indexName
          ? this.doc.send(
              new QueryCommand({
                ...input,
                IndexName: plan.indexName,
                KeyConditionExpression: plan.keyCondition,
                ScanIndexForward: plan.forward,
              }),
            )
          : this.doc.send(new ScanCommand({ ...input, ConsistentRead: this.consistentRead })),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
      if (!start) {
        exhausted = true;
        break;
      }
    }
    let cursorKey: Item | undefined;
    let pageItems = items;
    if (items.length > limit) {
      pageItems = items.slice(0, limit);
      cursorKey = keyOf(pageItems[limit - 1] as Item, plan.keyAttributes);
    } else if (!exhausted) {
      // The request budget ran out first: continue where the reading stopped.
      cursorKey = start;
    }
    const verdicts = (await this.documentsOf(pageItems)).filter(plan.matches);
    return cursorKey ? { verdicts, cursor: encodeCursor(plan.path, cursorKey) } : { verdicts };
  }

  /** The verdicts of items in order: decoded from the items (a scan) or fetched by key (an index query). */
  private async documentsOf(items: readonly Item[]): Promise<Verdict[]> {
    const missing = items.filter((i) => !(i[A.document] instanceof Uint8Array));
    const fetched = missing.length > 0 ? await this.batchGet(missing) : new Map<string, Item>();
    const out: Verdict[] = [];
    for (const item of items) {
      const full = item[A.document] instanceof Uint8Array ? item : fetched.get(keyString(item));
      // Gone since the index listed it.
      if (!full) continue;
      out.push(await unpackDocument<Verdict>(full[A.document], `verdict ${String(item[PK])}`));
    }
    return out;
  }

  private async batchGet(items: readonly Item[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    for (let i = 0; i < items.length; i += BATCH_GET_MAX) {
      let keys: Item[] = items.slice(i, i + BATCH_GET_MAX).map((it) => ({ [PK]: it[PK], [SK]: it[SK] }));
      let stalls = 0;
      while (keys.length > 0) {
        const requested = keys;
        const out = await this.call('batch get', () =>
          this.doc.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: requested,
                  ProjectionExpression: '#pk, #sk, #doc',
                  ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#doc': A.document },
                  ConsistentRead: this.consistentRead,
                },
              },
            }),
          ),
        );
        const got = out.Responses?.[this.tableName] ?? [];
        for (const item of got) found.set(keyString(item), item);
        keys = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
        if (keys.length === 0) break;
        // Unprocessed keys come back when the response is full (16 MB) or the table is throttled.
        if (got.length === 0) {
          stalls++;
          if (stalls >= BATCH_GET_STALLS) {
            throw new TransientStoreError(
              `verdict table ${this.tableName}: batch get: ${keys.length} key(s) unprocessed ${stalls} times`,
            );
          }
          await delay(50 * 2 ** stalls);
        }
      }
    }
    return found;
  }

  private async call<R>(what: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(`verdict table ${this.tableName}: ${what}`, err);
    }
  }
}

/** The access path and filter for a {@link VerdictQuery}. */
function planFor(filter: VerdictQuery): Plan {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  let index: typeof VERDICT_TABLE.byRun | typeof VERDICT_TABLE.byDecision | undefined;
  if (filter.runId !== undefined) index = VERDICT_TABLE.byRun;
  else if (filter.decision !== undefined) index = VERDICT_TABLE.byDecision;

  let keyCondition: string | undefined;
  const eq = (attr: string, value: unknown): string => {
    names[`#${attr}`] = attr;
    values[`:${attr}`] = value;
    return `#${attr} = :${attr}`;
  };
  if (index === VERDICT_TABLE.byRun) keyCondition = eq(A.runId, filter.runId);
  else if (index === VERDICT_TABLE.byDecision) keyCondition = eq(A.decision, filter.decision);
  if (filter.decision !== undefined && index !== VERDICT_TABLE.byDecision) {
    conditions.push(eq(A.decision, filter.decision));
  }
  if (filter.policyId !== undefined) conditions.push(eq(A.policyId, filter.policyId));
  if (filter.policyVersion !== undefined) {
    names['#sk'] = SK;
    values[':policyVersion'] = filter.policyVersion;
    conditions.push('#sk = :policyVersion');
  }
  if (filter.category !== undefined) {
    names['#flagged'] = A.flagged;
    values[':category'] = filter.category;
    conditions.push('contains(#flagged, :category)');
  }
  // DynamoDB refuses names and values that no expression uses, so a plain scan sends none.
  return {
    path: index?.indexName ?? 'scan',
    ...(index ? { indexName: index.indexName, keyCondition } : {}),
    ...(conditions.length > 0 ? { filter: conditions.join(' AND ') } : {}),
    names,
    values,
    forward: true,
    keyAttributes: index ? [PK, SK, index.partitionKey, index.sortKey] : [PK, SK],
    matches: (v) => verdictMatches(v, filter),
  };
}

/** A plan over an index: its partition value and an optional `createdAt` range. */
function rangePlan(
  indexName: string,
  partitionAttr: string,
  partitionValue: string,
  filter: VerdictQuery,
  range: VerdictTimeRange,
): Plan {
  const names: Record<string, string> = { '#p': partitionAttr };
  const values: Record<string, unknown> = { ':p': partitionValue };
  let keyCondition = '#p = :p';
  const from = range.from === undefined ? undefined : normaliseTime(range.from);
  const to = range.to === undefined ? undefined : normaliseTime(range.to);
  if (from !== undefined || to !== undefined) names['#t'] = A.createdAt;
  if (from !== undefined) values[':from'] = from;
  if (to !== undefined) values[':to'] = to;
  if (from !== undefined && to !== undefined) keyCondition += ' AND #t BETWEEN :from AND :to';
  else if (from !== undefined) keyCondition += ' AND #t >= :from';
  else if (to !== undefined) keyCondition += ' AND #t <= :to';
  return {
    path: indexName,
    indexName,
    keyCondition,
    names,
    values,
    forward: !range.newestFirst,
    keyAttributes: [PK, SK, partitionAttr, A.createdAt],
    matches: (v) => {
      if (!verdictMatches(v, filter)) return false;
      const at = Date.parse(v.createdAt);
      return (from === undefined || at >= Date.parse(from)) && (to === undefined || at <= Date.parse(to));
    },
  };
}

function verdictMatches(v: Verdict, f: VerdictQuery): boolean {
  return (
    (f.decision === undefined || v.decision === f.decision) &&
    (f.runId === undefined || v.runId === f.runId) &&
    (f.policyId === undefined || v.policy.id === f.policyId) &&
    (f.policyVersion === undefined || v.policy.version === f.policyVersion) &&
    (f.category === undefined ||
      v.categories.some((c) => c.id === f.category && (c.decision === 'review' || c.decision === 'block')))
  );
}

function keyOf(item: Item, attributes: readonly string[]): Item {
  return Object.fromEntries(attributes.map((a) => [a, item[a]]));
}

function keyString(item: Item): string {
  return JSON.stringify([item[PK], item[SK]]);
}

function encodeCursor(path: string, key: Item): string {
  return Buffer.from(JSON.stringify({ p: path, k: key }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, path: string): Item {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { p, k } = parsed as { p?: unknown; k?: unknown };
      if (
        p === path &&
        typeof k === 'object' &&
        k !== null &&
        !Array.isArray(k) &&
        Object.values(k).every((v) => typeof v === 'string')
      ) {
        return k as Item;
      }
    }
  } catch {
    // Reported below.
  }
  throw new RangeError('invalid verdict query cursor');
}
