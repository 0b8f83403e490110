import { cacheTableDefinition } from '../../../adapters/aws';
import type { CostItem, CostModel } from '../../../core/cost/cost-model';
import { silentLogger } from '../../../core/logging/logger';
import {
  type BackfillBatchDeps,
  CostCeilingReachedError,
  type CostLedger,
  InvalidBackfillBatchError,
  runBackfillBatch,
} from '../../../core/serverless/backfill-batch';
import type { Verdict } from '../../../core/verdict/verdict';
import { type JobMessage, parseJobMessage } from '../../../core/worker/job-message';
import { type BackfillRuntime, createBackfillBatchHandler } from '../../../functions/backfill-batch-handler';
import { DynamoCostLedger } from '../../../functions/dynamodb-cost-ledger';
import { noTelemetry } from '../../../functions/observability';
import { createTestTable, testAwsClients } from '../../setup/aws-test-resources';

const POLICY = { id: 'default', version: '7' };

/** A cost model pricing every item at a fixed amount per tier. */
const costModel: CostModel = {
  pricesVersion: 'test-prices',
  itemCost: (item: CostItem) => (item.tier === 'heavy' ? 0.01 : 0.001),
  itemBreakdown: () => [],
};

/** A ledger in memory, with the same contract as the DynamoDB one. */
function memoryLedger(): CostLedger & { totals: Map<string, number> } {
  const totals = new Map<string, number>();
  const stopped = new Set<string>();
  return {
    totals,
    async reserve(runId, costs, ceiling) {
      if (stopped.has(runId)) return { accepted: 0, total: totals.get(runId) ?? 0 };
      let total = totals.get(runId) ?? 0;
      let accepted = 0;
      for (const c of costs) {
        if (total + c > ceiling) break;
        total += c;
        accepted++;
      }
      totals.set(runId, total);
      if (accepted < costs.length) stopped.add(runId);
      return { accepted, total };
    },
  };
}

function fakes(scored: Record<string, { etag?: string }> = {}) {
  const fast: JobMessage[] = [];
  const heavy: JobMessage[] = [];
  const reads: string[] = [];
  const ledger = memoryLedger();
  const deps: BackfillBatchDeps = {
    verdicts: {
      async get(uri, version) {
        reads.push(`${uri}@${version}`);
        const hit = scored[uri];
        if (!hit || version !== POLICY.version) return undefined;
        return { item: { uri, etag: hit.etag } } as unknown as Verdict;
      },
    },
    fastQueue: { sendBatch: async (b) => void fast.push(...b) },
    heavyQueue: { sendBatch: async (b) => void heavy.push(...b) },
    policy: POLICY,
    costModel,
    ledger,
    logger: silentLogger,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
  };
  return { deps, fast, heavy, reads, ledger };
}

const item = (Key: string, extra: Record<string, unknown> = {}) => ({
  Key,
  Size: 1000,
  LastModified: '2025-06-01T00:00:00.000Z',
  Etag: '"abc"',
  ...extra,
});

const batch = (Items: unknown[], input: Record<string, unknown> = {}) => ({
  Items,
  BatchInput: { bucket: 'ugc', runId: 'run-1', filter: {}, maxCost: null, reason: 'backfill', ...input },
});

describe('runBackfillBatch', () => {
  it('routes text, images and unknown kinds to the fast queue and audio and video to the heavy queue', async () => {
    const { deps, fast, heavy } = fakes();
    const result = await runBackfillBatch(
      batch([item('a.txt'), item('b/c.JPG'), item('d.mp4'), item('e.mp3'), item('f.bin')]),
      deps,
    );
    expect(fast.map((j) => j.item.uri)).toEqual(['s3://ugc/a.txt', 's3://ugc/b/c.JPG', 's3://ugc/f.bin']);
    expect(heavy.map((j) => j.item.uri)).toEqual(['s3://ugc/d.mp4', 's3://ugc/e.mp3']);
    expect(result).toMatchObject({ listed: 5, filtered: 0, skipped: 0, enqueued: 5, fast: 3, heavy: 2 });
    expect(result.estimatedCost).toBeCloseTo(0.023, 9);
    expect(result.pricesVersion).toBe('test-prices');
    expect(result.stopped).toBeUndefined();
    for (const job of [...fast, ...heavy]) {
      expect(parseJobMessage(job).ok).toBe(true);
      expect(job).toMatchObject({
        reason: 'backfill',
        traceId: 'run-1',
        policy: POLICY,
        enqueuedAt: '2026-01-02T03:04:05.000Z',
        item: { size: 1000 },
      });
    }
  });

  it('applies the filter (prefix, suffix, size, dates, media) and drops folder markers', async () => {
    const { deps, fast, heavy } = fakes();
    const result = await runBackfillBatch(
      batch(
        [
          item('in/a.png'),
          item('in/'),
          item('out/b.png'),
          item('in/c.txt'),
          item('in/d.png', { Size: 10 }),
          item('in/e.png', { LastModified: '2024-01-01T00:00:00.000Z' }),
          item('in/f.mp4'),
          // ListObjectsV2 gives epoch seconds; inventory rows give strings.
          item('in/g.png', { LastModified: 1750000000, Size: '2000' }),
        ],
        {
          filter: {
            prefix: 'in/',
            suffixes: ['.png', '.mp4'],
            minBytes: 100,
            modifiedAfter: '2025-01-01T00:00:00Z',
            media: ['image'],
          },
        },
      ),
      deps,
    );
    expect(fast.map((j) => j.item.uri)).toEqual(['s3://ugc/in/a.png', 's3://ugc/in/g.png']);
    expect(heavy).toEqual([]);
    expect(result).toMatchObject({ listed: 8, filtered: 6, enqueued: 2 });
  });

  it('skips items already scored under the current policy version, unless their ETag changed', async () => {
    const { deps, fast, reads } = fakes({
      's3://ugc/same.png': { etag: 'abc' },
      's3://ugc/changed.png': { etag: 'old' },
      's3://ugc/no-etag.png': {},
    });
    const result = await runBackfillBatch(
      batch([item('same.png'), item('changed.png'), item('no-etag.png'), item('new.png')]),
      deps,
    );
    expect(fast.map((j) => j.item.uri)).toEqual(['s3://ugc/changed.png', 's3://ugc/new.png']);
    expect(result).toMatchObject({ skipped: 2, enqueued: 2 });
    expect(reads.every((r) => r.endsWith('@7'))).toBe(true);
  });

  it('stops at the cost ceiling: sends what fits, reports stopped, and later batches send nothing', async () => {
    const { deps, fast, heavy, ledger } = fakes();
    const input = { maxCost: 0.0125 };
    const first = await runBackfillBatch(batch([item('a.mp4'), item('b.txt'), item('c.mp4')], input), deps);
    expect(first).toMatchObject({ enqueued: 2, stopped: true, reason: 'max-cost' });
    expect(heavy.map((j) => j.item.uri)).toEqual(['s3://ugc/a.mp4']);
    expect(fast.map((j) => j.item.uri)).toEqual(['s3://ugc/b.txt']);
    expect(ledger.totals.get('run-1')).toBeCloseTo(0.011, 9);

    const second = await runBackfillBatch(batch([item('d.txt')], input), deps);
    expect(second).toMatchObject({ enqueued: 0, stopped: true });
    expect(fast).toHaveLength(1);
  });

  it('marks sweep jobs and decodes URL-encoded inventory keys, taking each row’s bucket', async () => {
    const { deps, fast } = fakes();
    await runBackfillBatch(
      batch(
        [
          {
            Bucket: 'other',
            Key: 'caf%C3%A9+menu.txt',
            Size: '12',
            LastModifiedDate: '2025-01-01T00:00:00Z',
          },
        ],
        {
          reason: 'sweep',
          keyEncoding: 'url',
        },
      ),
      deps,
    );
    expect(fast).toEqual([
      expect.objectContaining({ reason: 'sweep', item: { uri: 's3://other/café menu.txt', size: 12 } }),
    ]);
  });

  it('rejects a batch of the wrong shape without touching stores or queues', async () => {
    const { deps, fast, reads } = fakes();
    await expect(runBackfillBatch({ Items: [{ Key: 'a.txt' }] }, deps)).rejects.toThrow(
      InvalidBackfillBatchError,
    );
    await expect(
      runBackfillBatch(batch([item('a.txt')], { filter: { colour: 'red' } }), deps),
    ).rejects.toThrow(/filter/);
    await expect(runBackfillBatch(batch([item('a.txt')], { bucket: undefined }), deps)).rejects.toThrow(
      /bucket/,
    );
    expect(fast).toEqual([]);
    expect(reads).toEqual([]);
  });
});

describe('backfill-batch handler', () => {
  const handlerWith = (deps: BackfillBatchDeps) =>
    createBackfillBatchHandler(async (): Promise<BackfillRuntime> => ({ deps, telemetry: noTelemetry }));

  it('returns the counts', async () => {
    const { deps } = fakes();
    await expect(handlerWith(deps)(batch([item('a.txt')]))).resolves.toMatchObject({
      listed: 1,
      enqueued: 1,
    });
  });

  it('throws CostCeilingReached (the name the state machine sees) when the ceiling stopped the batch', async () => {
    const { deps } = fakes();
    const error = await handlerWith(deps)(batch([item('a.mp4')], { maxCost: 0.001 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CostCeilingReachedError);
    expect((error as Error).name).toBe('CostCeilingReached');
    expect((error as Error).message).not.toContain('a.mp4');
  });
});

describe('DynamoCostLedger (dynalite)', () => {
  const clients = testAwsClients();
  afterAll(() => clients.destroy());

  it('reserves atomically up to the ceiling, then marks the run stopped', async () => {
    const table = await createTestTable(clients.dynamo, cacheTableDefinition, 'ledger');
    try {
      const ledger = new DynamoCostLedger({ client: clients.dynamo, tableName: table.tableName });
      // Concurrent batches of the same run never pass the ceiling together.
      const results = await Promise.all(
        Array.from({ length: 6 }, () => ledger.reserve('run-a', [0.25, 0.25], 1.3)),
      );
      const accepted = results.reduce((n, r) => n + r.accepted, 0);
      expect(accepted).toBe(5);
      expect(Math.max(...results.map((r) => r.total))).toBeCloseTo(1.25, 9);
      expect((await ledger.reserve('run-a', [0.01], 1.3)).accepted).toBe(0);
      // Another run has its own total.
      expect(await ledger.reserve('run-b', [1, 1, 1], 2.5)).toEqual({ accepted: 2, total: 2 });
      expect((await ledger.reserve('run-b', [0.1], 2.5)).accepted).toBe(0);
    } finally {
      await table.delete();
    }
  });
});
