import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../adapters/aws/sqs-client';
import { SqsJobQueue } from '../adapters/aws/sqs-job-queue';
import { openStateDir } from '../adapters/local/state-dir';
import type { JobQueue } from '../core/ports/job-queue';
import { runQueueWorker } from '../core/worker/queue-worker';
import { machineLine, median, writeBenchSection } from './bench-utils';

const SQLITE_ITEMS = Number(process.env.BENCH_QUEUE_SQLITE_ITEMS ?? 2000);
const SQS_ITEMS = Number(process.env.BENCH_QUEUE_SQS_ITEMS ?? 600);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LEVELS = [1, 2, 4] as const;

/** A job body the size of a real job message (ids, a URI, a policy and a trace id), never content. */
interface BenchJob {
  readonly v: 1;
  readonly jobId: string;
  readonly itemUri: string;
  readonly policy: { readonly id: string; readonly version: string };
  readonly traceId: string;
}

function jobs(n: number, run: string): BenchJob[] {
  return Array.from({ length: n }, (_, i) => ({
    v: 1,
    jobId: `${run}-${i}`,
    itemUri: `s3://bench-source/incoming/${run}/${String(i).padStart(6, '0')}.jpg`,
    policy: { id: 'default', version: '2026-01-01' },
    traceId: `trace-${run}-${i}`,
  }));
}

/** A backend under test: a fresh, empty queue per run, and how to dispose of it. */
interface Backend {
  readonly label: string;
  readonly items: number;
  fresh(): Promise<{ queue: JobQueue<BenchJob>; dispose(): Promise<void> }>;
}

/** One scenario's drain: milliseconds to receive and delete every message of a pre-filled queue. */
type Drain = (queue: JobQueue<BenchJob>, items: number) => Promise<void>;

/** The baseline: the adapter's own receive / delete loop, no worker (no heartbeat, slots, logging or health). */
function bareLoop(batch: number): Drain {
  return async (queue, items) => {
    let done = 0;
    while (done < items) {
      const got = await queue.receive({ max: batch, visibilityTimeoutSec: 60, waitTimeSec: 0 });
      for (const m of got) await queue.delete(m.receipt);
      done += got.length;
    }
  };
}

/** `workers` QueueWorkers in this process, each with `concurrency` slots and a no-op handler, until all are done. */
function queueWorkers(workers: number, concurrency: number): Drain {
  return async (queue, items) => {
    let completed = 0;
    const results = await Promise.all(
      Array.from({ length: workers }, () =>
        runQueueWorker<BenchJob>({
          queue,
          handler: async () => undefined,
          concurrency,
          visibilityTimeoutSec: 60,
          waitTimeSec: 0,
          onCompleted: () => {
            completed++;
          },
          shouldStop: () => completed >= items,
          // An empty receive while other workers hold the last messages: poll again soon, not in a hot loop.
          idleDelayMs: () => 1,
        }),
      ),
    );
    const processed = results.reduce((n, r) => n + r.processed, 0);
    if (processed !== items) throw new Error(`drained ${processed} of ${items} messages`);
  };
}

/** Median milliseconds of `RUNS` drains (after one warm-up), each over a freshly filled queue. */
async function measure(backend: Backend, drain: Drain): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const { queue, dispose } = await backend.fresh();
    try {
      await queue.sendBatch(jobs(backend.items, `r${run}`));
      const t = performance.now();
      await drain(queue, backend.items);
      if (run > 0) times.push(performance.now() - t);
      const left = await queue.depth();
      if (left.visible + left.inFlight !== 0)
        throw new Error(`${backend.label}: queue not empty after a drain`);
    } finally {
      await dispose();
    }
  }
  return median(times);
}

/** Median milliseconds to send `items` messages (batches of 10 in SQS, one transaction in SQLite). */
async function measureSend(backend: Backend): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const { queue, dispose } = await backend.fresh();
    try {
      const body = jobs(backend.items, `s${run}`);
      const t = performance.now();
      await queue.sendBatch(body);
      if (run > 0) times.push(performance.now() - t);
    } finally {
      await dispose();
    }
  }
  return median(times);
}

function sqliteBackend(root: string): Backend {
  let n = 0;
  return {
    label: 'SQLite (local durable queue)',
    items: SQLITE_ITEMS,
    async fresh() {
      const dir = join(root, `q${n++}`);
      const state = openStateDir(dir);
      return {
        queue: state.queue<BenchJob>('bench', { maxReceives: 5, visibilityTimeoutSec: 60 }),
        async dispose() {
          state.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** fauxqs is ESM-only; this CommonJS build reaches it through a real `import()`, which TypeScript would rewrite. */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{
  startFauxqs(o: { port: number; logger: boolean }): Promise<{ address: string; stop(): Promise<void> }>;
}>;

async function sqsBackend(): Promise<{ backend: Backend; stop(): Promise<void> }> {
  const { startFauxqs } = await importEsm('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  const client = createSqsClient({
    region: 'us-east-1',
    endpoint: server.address,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  let n = 0;
  const backend: Backend = {
    label: 'SQS (fauxqs emulator, loopback)',
    items: SQS_ITEMS,
    async fresh() {
      const name = `bench-${process.pid}-${n++}`;
      const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
      const arn = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const main = await client.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: '60',
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: arn.Attributes?.QueueArn,
              maxReceiveCount: 5,
            }),
          },
        }),
      );
      const queueUrl = main.QueueUrl as string;
      return {
        queue: new SqsJobQueue<BenchJob>({
          client,
          queueUrl,
          deadLetterQueueUrl: dlq.QueueUrl as string,
          visibilityTimeoutSec: 60,
        }),
        async dispose() {
          await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
          await client.send(new DeleteQueueCommand({ QueueUrl: dlq.QueueUrl }));
        },
      };
    },
  };
  return {
    backend,
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}

interface Row {
  readonly backend: string;
  readonly scenario: string;
  readonly items: number;
  readonly ms: number;
  readonly baselineMs: number;
}

async function benchBackend(backend: Backend): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (scenario: string, ms: number, baselineMs: number) => {
    rows.push({ backend: backend.label, scenario, items: backend.items, ms, baselineMs });
    process.stderr.write(`${backend.label}: ${scenario}: ${ms.toFixed(0)} ms\n`);
  };
  const send = await measureSend(backend);
  // Sending is not a drain: it has no baseline of its own, only its rate.
  add('send (sendBatch), for reference', send, Number.NaN);
  const bare1 = await measure(backend, bareLoop(1));
  add('baseline: bare receive(1) + delete loop', bare1, bare1);
  const bare10 = await measure(backend, bareLoop(10));
  add('baseline: bare receive(10) + delete loop', bare10, bare10);
  // Concurrency 1 receives one message at a time, so it is set against the receive(1) loop; more slots
  // receive up to that many at once, so they are set against the batched loop.
  for (const c of LEVELS) {
    add(
      `QueueWorker, concurrency ${c}`,
      await measure(backend, queueWorkers(1, c)),
      c === 1 ? bare1 : bare10,
    );
  }
  for (const w of LEVELS.filter((x) => x > 1)) {
    add(`${w} QueueWorkers × concurrency 1`, await measure(backend, queueWorkers(w, 1)), bare1);
  }
  return rows;
}

/**
 * Queue throughput: messages per second through the local SQLite queue and SQS (fauxqs), drained by the real
 * QueueWorker with a no-op handler at several concurrency levels and worker counts, each against the adapter's
 * bare receive / delete loop measured in the same process. Medians of RUNS runs after a warm-up.
 */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const load = loadavg().map((x) => x.toFixed(2));
  const root = mkdtempSync(join(tmpdir(), 'winnow-bench-queue-'));
  const rows: Row[] = [];
  try {
    rows.push(...(await benchBackend(sqliteBackend(root))));
    const sqs = await sqsBackend();
    try {
      rows.push(...(await benchBackend(sqs.backend)));
    } finally {
      await sqs.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const loadAfter = loadavg().map((x) => x.toFixed(2));

  const table = rows
    .map((r) => {
      const us = (r.ms * 1000) / r.items;
      const baseUs = (r.baselineMs * 1000) / r.items;
      const perSec = Math.round((r.items / r.ms) * 1000).toLocaleString('en-US');
      const isBaseline = r.ms === r.baselineMs || Number.isNaN(r.baselineMs);
      const overhead = isBaseline ? '–' : `${us - baseUs >= 0 ? '+' : ''}${(us - baseUs).toFixed(0)}`;
      const ratio = Number.isNaN(r.baselineMs) ? '–' : `${(r.ms / r.baselineMs).toFixed(2)}×`;
      return `| ${r.backend} | ${r.scenario} | ${r.items.toLocaleString('en-US')} | ${perSec} | ${us.toFixed(0)} | ${overhead} | ${ratio} |`;
    })
    .join('\n');

  const md = `## Queue throughput

Method: \`npm run bench\` (\`bench/queue.ts\`). Each run fills a fresh queue with small job messages (ids, an S3 URI,
a policy version, a trace id; about 170 bytes of JSON) and times draining it: receive, handle, delete. The QueueWorker
rows run the real \`core/worker/queue-worker.ts\` (visibility heartbeat, bounded slots, per-message child logger,
dead-letter handling) with a no-op handler, short polls (\`waitTimeSec: 0\`) and a 1 ms pause after an empty receive;
"N QueueWorkers" runs N workers in this one process over the same queue. Baselines are the adapter's own
receive / delete loop with no worker, measured in the same process: concurrency 1 (one message per receive) is set
against \`receive(1)\`, the other rows against \`receive(10)\`. "Overhead" is the worker's extra time per message over
its baseline. A worker asks for at most as many messages as it has free slots, so at concurrency 2 and 4 it makes
more, smaller receives than the \`receive(10)\` loop: where each request costs the same whatever it returns (as on
the emulator), part of the overhead shown is that request pattern rather than the worker's own work. Each row is
the median of ${RUNS} runs after a warm-up run.

- **SQLite**: \`adapters/local/sqlite-job-queue.ts\` in a fresh state dir (WAL, \`synchronous = NORMAL\`) on the
  local disk; ${SQLITE_ITEMS.toLocaleString('en-US')} messages per run.
- **SQS**: \`adapters/aws/sqs-job-queue.ts\` (AWS SDK v3) against fauxqs 1.9.2 started by the bench in the same
  process on 127.0.0.1, so client and emulator share one event loop; ${SQS_ITEMS.toLocaleString('en-US')} messages
  per run. This measures Winnow's per-message cost, not SQS: real SQS adds a network round trip (typically
  several ms) per receive and per delete, which more concurrency hides.

Machine: ${machineLine()}. Load average (1, 5, 15 min) ${load.join(', ')} at the start and ${loadAfter.join(', ')} at
the end${Math.max(Number(load[0]), Number(loadAfter[0])) > 1.5 ? ': other work shared the machine, so treat the figures as indicative' : ''}. Measured ${new Date().toISOString().slice(0, 10)}.

| queue | drained by | messages | messages/s | µs/message | overhead µs/message | time vs baseline |
|---|---|---:|---:|---:|---:|---:|
${table}`;
  const file = writeBenchSection('queue', md);
  process.stdout.write(`${md}\n\nwritten to ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
