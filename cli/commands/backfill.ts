import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  awsErrorName,
  createS3Client,
  createSqsClient,
  regionOfQueueUrl,
  S3ObjectStore,
  SqsJobQueue,
} from '../../adapters/aws';
import { openStateDir } from '../../adapters/local';
import type { BackfillFilter } from '../../core/backfill/backfill-filter';
import { inventoryLister } from '../../core/backfill/inventory-lister';
import { type InventoryManifest, parseInventoryManifest } from '../../core/backfill/inventory-manifest';
import { RateLimiter } from '../../core/backfill/rate-limiter';
import {
  type BackfillReport,
  backfillRunKey,
  COST_CEILING,
  runBackfill,
} from '../../core/backfill/run-backfill';
import { ENV } from '../../core/config/env-names';
import { createCostModel } from '../../core/cost/measured-cost-model';
import { createDefaultDetectors } from '../../core/detectors/registry';
import type { Logger } from '../../core/logging/logger';
import type { MediaKind } from '../../core/media/media-type';
import type { ScanJob, ScanSource } from '../../core/pipeline/batch-scan';
import { loadPolicy } from '../../core/policy/load-policy';
import type { JobQueue } from '../../core/ports/job-queue';
import { backfillProgressView } from '../backfill-progress';
import type { CliConfig } from '../cli-config';
import { localBankMatcher } from '../local-banks';
import { localEngine } from '../local-engine';
import { ProgressBar } from '../progress';
import { resolveSources } from '../resolve-sources';
import { EXIT, UsageError } from '../usage-error';

export const BACKFILL_USAGE = `Usage: winnow backfill <dir | s3://bucket/prefix> [options]

Moderates an archive: every object under a directory or an S3 prefix gets one verdict in the state dir. A killed
backfill resumes where it stopped when the same command is run again; objects already scored under the same
policy and model versions (same etag, or identical bytes) are skipped.

Listing:
  --inventory MANIFEST     read an S3 Inventory manifest.json (a path or s3:// URI; CSV or Parquet) instead of
                           listing the source
  --prefix P               only keys starting with P (relative to the source)
  --suffix S               only keys ending with S (repeatable, or a comma list: .jpg,.png)
  --min-size BYTES         only objects of at least BYTES
  --max-size BYTES         only objects of at most BYTES
  --modified-after DATE    only objects last modified at or after DATE (ISO 8601)
  --modified-before DATE   only objects last modified before DATE
  --media KINDS            only these media kinds, from the extension: text,image,audio,video

Pace and budget:
  --rate N                 start at most N items per second
  --max-cost DOLLARS       stop before the estimated cost would pass DOLLARS (exit 4; rerun with a larger
                           ceiling to go on)
  --concurrency N          items moderated at once (default 4)

Where things go:
  --policy FILE            policy file (default: the bundled policy, or $WINNOW_POLICY)
  --state-dir DIR          local state: queue, verdicts, cache, run state (default .winnow, or $WINNOW_STATE_DIR)
  --out DIR                where backfill-report.json goes (default ./winnow-out)
  --queue-url URL          an SQS queue for the jobs instead of the local queue (one queue per backfill)
  --dlq-url URL            that queue's dead-letter queue, so items that keep failing still get a verdict
  --endpoint-url URL       S3 and SQS endpoint (emulators); default $WINNOW_S3_ENDPOINT / $WINNOW_SQS_ENDPOINT
  --visibility-timeout SEC seconds a received job stays hidden (default 120)

Output:
  --json                   print {listed, scored, skipped, failed, estimatedCost} as JSON
  --quiet                  no progress and no summary
  -h, --help               this text

AWS region and credentials come from the environment (AWS_REGION, AWS_PROFILE, ...).`;

const MAX_RECEIVES = 3;
/** Exit code of a backfill stopped at its --max-cost ceiling; rerun with a larger ceiling to go on. */
export const EXIT_COST_CEILING = 4;
const MEDIA_KINDS: readonly MediaKind[] = ['text', 'image', 'audio', 'video'];

/** `winnow backfill`: parses flags, wires local or AWS adapters to the core backfill, writes the report. */
export async function backfillCommand(argv: string[], config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      inventory: { type: 'string' },
      prefix: { type: 'string' },
      suffix: { type: 'string', multiple: true },
      'min-size': { type: 'string' },
      'max-size': { type: 'string' },
      'modified-after': { type: 'string' },
      'modified-before': { type: 'string' },
      media: { type: 'string' },
      rate: { type: 'string' },
      'max-cost': { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      policy: { type: 'string' },
      'state-dir': { type: 'string' },
      out: { type: 'string', default: 'winnow-out' },
      'queue-url': { type: 'string' },
      'dlq-url': { type: 'string' },
      'endpoint-url': { type: 'string' },
      'visibility-timeout': { type: 'string', default: '120' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${BACKFILL_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new UsageError('backfill takes one source: a directory or s3://bucket/prefix');
  }
  const target = positionals[0] as string;
  const filter = parseFilter(values);
  const concurrency = wholeNumber('--concurrency', values.concurrency, 1, 256) as number;
  const visibilityTimeoutSec = wholeNumber('--visibility-timeout', values['visibility-timeout'], 1, 43_200);
  const rate = positiveNumber('--rate', values.rate);
  const maxCost = values['max-cost'] === undefined ? undefined : dollars(values['max-cost']);
  const isS3 = /^s3:\/\//i.test(target);
  if (!isS3 && (values['queue-url'] || values['dlq-url'])) {
    throw new UsageError('--queue-url and --dlq-url are for s3:// sources');
  }
  if (values['dlq-url'] && !values['queue-url']) throw new UsageError('--dlq-url needs --queue-url');

  const policy = loadPolicy(values.policy ?? config.policyFile);
  const costModel = createCostModel();
  const stateDir = values['state-dir'] ? resolve(values['state-dir']) : config.stateDir;
  const outDir = resolve(values.out);
  const region = process.env[ENV.awsRegion] || 'us-east-1';
  const s3Endpoint = values['endpoint-url'] ?? process.env[ENV.s3Endpoint];
  const sqsEndpoint = values['endpoint-url'] ?? process.env[ENV.sqsEndpoint];
  const s3 = isS3 ? createS3Client({ region, ...(s3Endpoint ? { endpoint: s3Endpoint } : {}) }) : undefined;
  const s3ForInventory = () =>
    s3 ?? createS3Client({ region, ...(s3Endpoint ? { endpoint: s3Endpoint } : {}) });

  const source = isS3
    ? await s3Source(target, s3 as NonNullable<typeof s3>, values.inventory === undefined)
    : await dirSource(target, [stateDir, outDir]);
  const sources: ScanSource[] = [
    values.inventory === undefined
      ? source.scan
      : await withInventory(source, values.inventory, s3ForInventory),
  ];

  const state = await openStateDir(stateDir, { exclusive: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = new ProgressBar(backfillProgressView);
  try {
    const detectors = createDefaultDetectors(undefined, { banks: localBankMatcher(state) });
    // An object whose extension hid audio or video still reaches the heavy tier's detectors.
    const { fast, heavy } = localEngine({ policy, detectors, cache: state.cache, logger });
    let queue: JobQueue<ScanJob>;
    const queueUrl = values['queue-url'];
    if (queueUrl) {
      const client = createSqsClient({
        region: regionOfQueueUrl(queueUrl) ?? region,
        ...(sqsEndpoint ? { endpoint: sqsEndpoint } : {}),
      });
      queue = new SqsJobQueue<ScanJob>({
        client,
        queueUrl,
        visibilityTimeoutSec,
        ...(values['dlq-url'] ? { deadLetterQueueUrl: values['dlq-url'] } : {}),
      });
    } else {
      const local = state.queue<ScanJob>(`backfill-${backfillRunKey(sources, fast, heavy, filter)}`, {
        maxReceives: MAX_RECEIVES,
      });
      // This process holds the state dir exclusively, so anything in flight belongs to a run that died.
      const released = local.releaseInFlight();
      if (released > 0) logger.warn('released jobs of an interrupted run', { jobs: released });
      queue = local;
    }
    // As in scan: the heavy tier's models load on first use, so an archive without audio or video never pays.
    await fast.warmUp();

    const report = await runBackfill({
      sources,
      fast,
      heavy,
      queue,
      verdicts: state.verdicts,
      runs: state,
      costModel,
      filter,
      ...(maxCost !== undefined ? { maxCost } : {}),
      ...(rate !== undefined ? { limiter: new RateLimiter({ perSecond: rate }) } : {}),
      concurrency,
      maxReceives: MAX_RECEIVES,
      visibilityTimeoutSec,
      logger,
      signal: abort.signal,
      onProgress: values.quiet ? undefined : (p) => bar.update(p),
    });
    bar.finish();
    const reportFile = join(outDir, 'backfill-report.json');
    await mkdir(outDir, { recursive: true });
    await writeFile(reportFile, `${JSON.stringify({ source: target, ...report }, null, 2)}\n`);

    if (!report.complete && report.stopReason !== COST_CEILING) {
      process.stderr.write(
        `winnow: backfill stopped; run the same command again to resume run ${report.runId}.\n`,
      );
      return EXIT.interrupted;
    }
    const { listed, scored, skipped, failed, estimatedCost } = report;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ listed, scored, skipped, failed, estimatedCost })}\n`);
    } else if (!values.quiet) {
      process.stdout.write(`${formatReport(report, reportFile)}\n`);
    }
    if (!report.complete) {
      process.stderr.write(
        `winnow: backfill stopped at the cost ceiling ($${maxCost}); run it again with a larger --max-cost to go on.\n`,
      );
      return EXIT_COST_CEILING;
    }
    return EXIT.ok;
  } finally {
    bar.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    state.close();
  }
}

/** A resolved source: how to read its objects, and where an inventory's rows fit in it. */
interface ResolvedSource {
  readonly scan: ScanSource;
  /** The bucket of an S3 source (inventory rows of other buckets are left out). */
  readonly bucket?: string;
  /** The key prefix of an S3 source, stripped from inventory keys. */
  readonly keyPrefix?: string;
}

async function dirSource(path: string, ownDirs: readonly string[]): Promise<ResolvedSource> {
  const [scan] = await resolveSources([path], ownDirs);
  if (!scan || scan.keys)
    throw new UsageError(`backfill needs a directory or s3://bucket/prefix, got ${path}`);
  return { scan };
}

async function s3Source(
  uri: string,
  client: NonNullable<ReturnType<typeof createS3Client>>,
  probe: boolean,
): Promise<ResolvedSource> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  const bucket = m?.[1];
  if (!bucket || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(bucket)) {
    throw new UsageError(`not an S3 location: ${uri} (expected s3://bucket/prefix)`);
  }
  const keyPrefix = m?.[2] ?? '';
  const store = new S3ObjectStore({ client, bucket, prefix: keyPrefix });
  if (probe) {
    try {
      await store.list({ limit: 1 });
    } catch (err) {
      throw new Error(describeS3Failure(`s3://${bucket}/${keyPrefix}`, err));
    }
  }
  return { scan: { id: `s3://${bucket}/${keyPrefix}`, store }, bucket, keyPrefix };
}

/** A readable line for a bucket that is missing or closed to us. */
function describeS3Failure(location: string, err: unknown): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const name = awsErrorName(cause);
  if (name === 'NoSuchBucket') return `cannot list ${location}: the bucket does not exist`;
  if (name === 'AccessDenied') return `cannot list ${location}: access denied`;
  return err instanceof Error ? err.message : String(err);
}

/** The source listed through an S3 Inventory manifest instead of its own listing. */
async function withInventory(
  source: ResolvedSource,
  location: string,
  s3: () => ReturnType<typeof createS3Client>,
): Promise<ScanSource> {
  let manifest: InventoryManifest;
  let readData: (key: string) => Promise<Buffer>;
  if (/^s3:\/\//i.test(location)) {
    const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(location);
    if (!m) throw new UsageError(`--inventory: not an S3 object: ${location}`);
    const client = s3();
    const manifestStore = new S3ObjectStore({ client, bucket: m[1] as string });
    manifest = parseInventoryManifest(
      (await streamToBuffer(await manifestStore.get(m[2] as string))).toString('utf8'),
    );
    const dataStore = new S3ObjectStore({ client, bucket: manifest.destinationBucket ?? (m[1] as string) });
    readData = async (key) => streamToBuffer(await dataStore.get(key));
  } else {
    const path = resolve(location);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new UsageError(`--inventory: cannot read ${location}`);
    }
    manifest = parseInventoryManifest(text);
    readData = (key) => readFile(localDataFile(dirname(path), key));
  }
  if (source.bucket !== undefined && manifest.sourceBucket !== source.bucket) {
    throw new UsageError(
      `the inventory lists bucket ${manifest.sourceBucket}, not the source bucket ${source.bucket}`,
    );
  }
  return {
    ...source.scan,
    id: `${source.scan.id}#inventory=${location}`,
    list: inventoryLister({
      manifest,
      readFile: readData,
      ...(source.bucket !== undefined ? { bucket: source.bucket } : {}),
      ...(source.keyPrefix ? { keyPrefix: source.keyPrefix } : {}),
    }),
  };
}

/**
 * Where a data file of a downloaded inventory is: its key under the manifest's folder or one of its parents (a
 * synced copy of the destination bucket), or its file name beside the manifest.
 */
function localDataFile(manifestDir: string, key: string): string {
  for (let dir = manifestDir; ; dir = dirname(dir)) {
    const candidate = join(dir, key);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  return join(manifestDir, basename(key));
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

type FlagValues = Record<string, string | string[] | boolean | undefined>;

function parseFilter(values: FlagValues): BackfillFilter {
  const suffixes = ((values.suffix as string[] | undefined) ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const media = (values.media as string | undefined)
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const m of media ?? []) {
    if (!MEDIA_KINDS.includes(m as MediaKind)) {
      throw new UsageError(`--media takes ${MEDIA_KINDS.join(', ')}; got "${m}"`);
    }
  }
  const minBytes = wholeNumber('--min-size', values['min-size'] as string | undefined, 0);
  const maxBytes = wholeNumber('--max-size', values['max-size'] as string | undefined, 0);
  if (minBytes !== undefined && maxBytes !== undefined && minBytes > maxBytes) {
    throw new UsageError('--min-size is larger than --max-size');
  }
  const modifiedAfter = isoDate('--modified-after', values['modified-after'] as string | undefined);
  const modifiedBefore = isoDate('--modified-before', values['modified-before'] as string | undefined);
  const prefix = values.prefix as string | undefined;
  return {
    ...(prefix ? { prefix } : {}),
    ...(suffixes.length > 0 ? { suffixes } : {}),
    ...(minBytes !== undefined ? { minBytes } : {}),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(modifiedAfter ? { modifiedAfter } : {}),
    ...(modifiedBefore ? { modifiedBefore } : {}),
    ...(media && media.length > 0 ? { media: media as MediaKind[] } : {}),
  };
}

function wholeNumber(flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  }
  return n;
}

function dollars(value: string): number {
  const n = Number(value.replace(/^\$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--max-cost must be an amount of dollars (0 or more), got "${value}"`);
  }
  return n;
}

function isoDate(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new UsageError(`${flag} must be an ISO 8601 date such as 2024-01-31 or 2024-01-31T12:00:00Z`);
  }
  return d;
}

function formatReport(r: BackfillReport, reportFile: string): string {
  const lines = [
    `backfill ${r.complete ? 'complete' : `stopped (${r.stopReason})`} · run ${r.runId}${r.resumed ? ' (resumed)' : ''}`,
    `  listed   ${r.listed}`,
    `  scored   ${r.scored}`,
    `  skipped  ${r.skipped} (unchanged ${r.skippedUnchanged}, identical bytes ${r.skippedCached})`,
    `  failed   ${r.failed}`,
    `  cost     $${formatDollars(r.estimatedCost)} estimated (${r.pricesVersion})${r.maxCost !== undefined ? ` of $${r.maxCost}` : ''}`,
    `  report   ${reportFile}`,
  ];
  return lines.join('\n');
}

/** Dollars readable at any size: sub-cent sums keep their significant digits. */
function formatDollars(d: number): string {
  return d >= 0.01 || d === 0 ? d.toFixed(2) : d.toPrecision(2);
}
