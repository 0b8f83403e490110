import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../../adapters/aws';
import { runCli, WINNOW_BIN } from '../../helpers/run-cli';
import {
  createTestBucket,
  s3Endpoint,
  type TestBucket,
  testAwsClients,
} from '../../setup/aws-test-resources';
import { createTestQueues, TEST_AWS_ENV, type TestQueues, testSqsClient } from '../../setup/sqs-test-queues';
import { countVerdictRows, readVerdictRows, scoredFromLogs, waitFor } from './backfill-helpers';

// As many objects as the local test: listed from the S3 emulator, queued through the SQS emulator.
const ITEMS = 2000;

describe('winnow backfill over emulated S3 with an emulated SQS queue', () => {
  let work: string;
  let clients: AwsClients;
  let bucket: TestBucket;
  let queues: TestQueues;
  const sqs = testSqsClient();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-backfill-s3-'));
    clients = testAwsClients();
    bucket = await createTestBucket(clients.s3, 'backfill');
    queues = await createTestQueues(sqs, { maxReceives: 3, visibilityTimeoutSec: 5, label: 'backfill' });
    const keys = Array.from({ length: ITEMS }, (_, n) => `archive/p${n % 6}/m${n}.txt`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let n = next++; n < ITEMS; n = next++) {
          const body = n % 10 === 0 ? `order ${n}: call +1 415 555 ${1000 + n}` : `ordinary message ${n}`;
          await clients.s3.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: keys[n], Body: body }));
        }
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await bucket?.delete();
    await queues?.delete();
    clients?.destroy();
    sqs.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  const env = () => ({ ...TEST_AWS_ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const args = () => [
    'backfill',
    `s3://${bucket.bucket}/archive/`,
    '--queue-url',
    queues.queueUrl,
    '--dlq-url',
    queues.deadLetterQueueUrl,
    '--endpoint-url',
    s3Endpoint(),
    '--visibility-timeout',
    '5',
    '--state-dir',
    join(work, 'state'),
    '--out',
    join(work, 'out'),
    '--concurrency',
    '8',
    '--quiet',
  ];

  it('killed halfway and restarted, scores every object exactly once; a second run scores nothing new', async () => {
    const dbFile = join(work, 'state', 'state.sqlite');
    const child = spawn(process.execPath, [WINNOW_BIN, ...args()], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env(), WINNOW_LOG_LEVEL: 'info' },
    });
    let firstLog = '';
    child.stderr?.on('data', (d) => {
      firstLog += d;
    });
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const halfway = await waitFor(() => countVerdictRows(dbFile) >= ITEMS / 2, 60_000);
    child.kill('SIGKILL');
    await closed;
    expect(halfway).toBe(true);
    const beforeRestart = new Map(readVerdictRows(dbFile).map((v) => [v.uri, v]));
    expect(beforeRestart.size).toBeLessThan(ITEMS);

    const res = await runCli([...args(), '--json'], {
      cwd: work,
      env: { ...env(), WINNOW_LOG_LEVEL: 'info' },
    });
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    const report = JSON.parse(readFileSync(join(work, 'out', 'backfill-report.json'), 'utf8'));
    expect(report).toMatchObject({ complete: true, resumed: true });
    const after = readVerdictRows(dbFile);
    expect(after).toHaveLength(ITEMS);
    expect(new Set(after.map((v) => v.uri)).size).toBe(ITEMS);
    expect(after.every((v) => v.uri.startsWith(`s3://${bucket.bucket}/archive/`))).toBe(true);
    expect(new Set(after.map((v) => v.runId))).toEqual(new Set([report.runId]));
    expect(after.filter((v) => v.decision === 'error')).toEqual([]);
    for (const v of after) {
      const earlier = beforeRestart.get(v.uri);
      if (earlier) expect(v.createdAt).toBe(earlier.createdAt);
    }
    const scored = scoredFromLogs(firstLog + res.stderr);
    expect([...scored.values()].every((n) => n === 1)).toBe(true);
    expect(scored.size).toBeGreaterThanOrEqual(ITEMS - 16);
    expect(summary.listed).toBe(ITEMS);
    expect(summary.scored + summary.skipped).toBe(ITEMS);
    expect(summary.failed).toBe(0);

    const again = await runCli([...args(), '--json'], {
      cwd: work,
      env: { ...env(), WINNOW_LOG_LEVEL: 'info' },
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      listed: ITEMS,
      scored: 0,
      skipped: ITEMS,
      failed: 0,
      estimatedCost: 0,
    });
    expect(scoredFromLogs(again.stderr).size).toBe(0);
    for (const v of readVerdictRows(dbFile))
      expect(v.createdAt).toBe(beforeRestart.get(v.uri)?.createdAt ?? v.createdAt);
  }, 180_000);

  it('names a missing bucket plainly', async () => {
    const res = await runCli(
      [
        'backfill',
        's3://no-such-bucket-winnow-test/x/',
        '--endpoint-url',
        s3Endpoint(),
        '--state-dir',
        join(work, 'state-missing'),
      ],
      { cwd: work, env: env() },
    );
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('cannot list s3://no-such-bucket-winnow-test/x/: the bucket does not exist');
  }, 60_000);
});
