import type { Tier } from '../detectors/detector';
import { ConfigError } from '../errors';
import type { MediaKind } from '../media/media-type';
import type { CostItem, CostLine, CostModel } from './cost-model';
import {
  loadMeasuredFigures,
  type MeasuredFigure,
  type MeasuredFigures,
  MeasuredFiguresSchema,
  requireFigure,
} from './measured-figures';
import { loadPriceList, type PriceList, PriceListSchema } from './price-list';
import { parseConfig } from './read-json-config';

/**
 * Which latency statistic prices a fast-tier item: `p50` for the expected cost, `p95` for a bound (ceilings). For
 * real-time factors, `p95` takes the slowest measured run; figures measured only as a median serve both.
 */
export type LatencyStatistic = 'p50' | 'p95';

/** The measured image an image is priced as: no text (OCR finds none), four lines of text, or OCR off. */
export type ImageProfile = 'no-text' | 'with-text' | 'ocr-off';

/** How the GPU instances are bought. */
export type Capacity = 'on-demand' | 'spot';

/** Options of {@link createCostModel}. */
export interface CostModelOptions {
  /** A price list, or the path of one; default the committed `core/cost/aws-prices.json`. */
  readonly prices?: PriceList | string;
  /** Measured figures, or the path of them; default the committed `bench/measured.json`. */
  readonly measured?: MeasuredFigures | string;
  /**
   * Lambda compute time = time measured on the bench machine × this factor. 1 (default) takes one Lambda vCPU as
   * fast as one core of the bench machine: the models run on one thread, and 2048 MiB gives about 1.16 vCPU.
   * Raise it when Lambda proves slower. Not applied to the GPU instances.
   */
  readonly lambdaCpuFactor?: number;
  /** Default `p50`. */
  readonly statistic?: LatencyStatistic;
  /** Default `no-text`: the default policy runs OCR in the fast tier, and most images carry no text. */
  readonly imageProfile?: ImageProfile;
  /** Default `on-demand`. */
  readonly capacity?: Capacity;
  /** Price video with its soundtrack (speech recognition: the slow stage); default true. */
  readonly videoSoundtrack?: boolean;
  /** Length of audio and video items that give none; default the price list's typical duration (60 s). */
  readonly durationSec?: number;
}

/** Options after defaults. */
export interface ResolvedCostOptions {
  readonly lambdaCpuFactor: number;
  readonly statistic: LatencyStatistic;
  readonly imageProfile: ImageProfile;
  readonly capacity: Capacity;
  readonly videoSoundtrack: boolean;
  readonly durationSec: number;
}

const IMAGE_FIGURE: Readonly<Record<ImageProfile, string>> = {
  'no-text': 'fast-tier.image.no-text.ocr-on',
  'with-text': 'fast-tier.image.with-text.ocr-on',
  'ocr-off': 'fast-tier.image.no-text.ocr-off',
};

/** The fast tier reads this much of an item it only routes (the sniffing window). */
const SNIFF_BYTES = 4096;
const MB = 1e6;
const GIB_PER_KIB = 1 / 1024 ** 2;

/** Storage and queue operations of one pass over an item. */
interface Operations {
  readonly s3Gets: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly sqsRequests: number;
  readonly what: {
    readonly s3: string;
    readonly reads: string;
    readonly writes: string;
    readonly sqs: string;
  };
}

/**
 * The cost model: dollars per item on AWS from the measured latencies in `bench/measured.json` and the dated price
 * list in `core/cost/aws-prices.json`. See docs/cost.md for the method.
 *
 * - `fast` tier (text, images, unknown bytes): the Lambda function's billed time (measured compute × the CPU
 *   factor, plus the wait for each S3 and DynamoDB call and for reading the bytes) × memory, amortised cold starts,
 *   invocations and SQS requests per batch, S3 GETs, the verdict and cache reads and writes, and log ingestion.
 *   An unknown item costs a request that ends in an `error` verdict.
 * - `heavy` tier: seconds of GPU instance time (a job's seconds ÷ jobs per instance ÷ utilisation) × the instance's
 *   hourly price (on-demand or spot, plus its root volume), and the heavy queue's requests, S3 and DynamoDB.
 *   Audio and video always go this way, so they are priced here whatever tier the item names, including the fast
 *   tier's step that sniffs and queues them; an image or text on the heavy tier is the heavy pass alone (an
 *   escalated image costs its fast pass as well).
 */
export class MeasuredCostModel implements CostModel {
  readonly pricesVersion: string;
  readonly prices: PriceList;
  readonly measured: MeasuredFigures;
  readonly options: ResolvedCostOptions;
  private readonly used = new Map<string, MeasuredFigure>();

  constructor(prices: PriceList, measured: MeasuredFigures, options: CostModelOptions = {}) {
    this.prices = prices;
    this.measured = measured;
    this.pricesVersion = prices.version;
    const lambdaCpuFactor = options.lambdaCpuFactor ?? 1;
    if (!Number.isFinite(lambdaCpuFactor) || lambdaCpuFactor <= 0) {
      throw new ConfigError(`lambdaCpuFactor must be a positive number, got ${lambdaCpuFactor}`);
    }
    const durationSec = options.durationSec ?? prices.assumptions.typicalDurationSec.value;
    if (!Number.isFinite(durationSec) || durationSec <= 0) {
      throw new ConfigError(`durationSec must be a positive number of seconds, got ${durationSec}`);
    }
    this.options = {
      lambdaCpuFactor,
      statistic: options.statistic ?? 'p50',
      imageProfile: options.imageProfile ?? 'no-text',
      capacity: options.capacity ?? 'on-demand',
      videoSoundtrack: options.videoSoundtrack ?? true,
      durationSec,
    };
  }

  itemCost(item: CostItem): number {
    return this.itemBreakdown(item).reduce((sum, line) => sum + line.dollars, 0);
  }

  itemBreakdown(item: CostItem): readonly CostLine[] {
    const tier = pricedTier(item.media, item.tier);
    const bytes = item.bytes ?? this.typicalBytes(item.media);
    if (tier === 'fast') return this.fastPass(item.media, bytes);
    const durationSec = item.durationSec ?? this.options.durationSec;
    const lines: CostLine[] = [];
    if (item.media === 'audio' || item.media === 'video') lines.push(...this.routing());
    lines.push(...this.heavyPass(item.media, durationSec));
    return lines;
  }

  /** The measured figures the computations so far have read, by key. */
  figuresUsed(): ReadonlyMap<string, MeasuredFigure> {
    return this.used;
  }

  /** Where a tier runs, e.g. `Lambda x86_64 2048 MiB` or `g4dn.xlarge spot`. */
  runsOn(tier: Tier, media: MediaKind): string {
    const d = this.prices.deployment;
    return pricedTier(media, tier) === 'fast'
      ? `Lambda ${d.lambdaArchitecture} ${d.fastTierMemoryMiB} MiB`
      : `${d.workerInstanceType} ${this.options.capacity}`;
  }

  /** A measured figure's value, remembered as used. */
  private figure(key: string, unit: MeasuredFigure['unit']): number {
    const f = requireFigure(this.measured, key, unit);
    this.used.set(key, f);
    return f.value;
  }

  private stat(key: string): string {
    return `${key}.${this.options.statistic}`;
  }

  private typicalBytes(media: MediaKind): number {
    const typical = this.prices.assumptions.typicalBytes.value;
    return media === 'text' || media === 'image' ? typical[media] : typical.unknown;
  }

  /** Compute milliseconds of one fast-tier item, as measured, before the CPU factor. */
  private fastComputeMs(media: MediaKind): { ms: number; what: string } {
    if (media === 'image') {
      const key = this.stat(IMAGE_FIGURE[this.options.imageProfile]);
      return { ms: this.figure(key, 'ms'), what: key };
    }
    if (media === 'text') {
      const key = 'fast-tier.text.per-item';
      return { ms: this.figure(key, 'ms'), what: key };
    }
    return { ms: this.prices.assumptions.routingComputeMs.value, what: 'sniff and error verdict (assumed)' };
  }

  /** One item through the fast-tier Lambda function, moderated there (text, image) or given an `error` verdict. */
  private fastPass(media: MediaKind, bytes: number): CostLine[] {
    const { assumptions: a } = this.prices;
    const compute = this.fastComputeMs(media);
    const moderated = media === 'text' || media === 'image';
    // Verdict lookup, HEAD, ranged GET (sniff), [GET, cache lookup, cache write,] verdict write.
    const calls = moderated ? 7 : 4;
    const readBytes = moderated ? bytes : Math.min(bytes, SNIFF_BYTES);
    const verdictUnits = this.verdictWriteUnits();
    const cacheUnits = moderated ? Math.ceil(a.cacheItemKiB.value) : 0;
    const batch = this.prices.deployment.fastQueueBatchSize;
    return [
      ...this.lambdaLines(compute.ms, compute.what, calls, readBytes),
      this.coldStartLine(),
      this.lambdaRequestLine(1 / batch, `1 invocation per batch of ${batch}`),
      ...this.operationLines({
        s3Gets: moderated ? 3 : 2,
        readUnits: moderated ? 2 : 1,
        writeUnits: verdictUnits + cacheUnits,
        sqsRequests: 3 / batch,
        what: {
          s3: moderated ? 'HEAD, ranged GET to sniff, GET' : 'HEAD, ranged GET to sniff',
          reads: moderated ? 'verdict lookup, cache lookup' : 'verdict lookup',
          writes: moderated
            ? `verdict ${verdictUnits} WRU with its indexes, cache entry ${cacheUnits} WRU`
            : `error verdict ${verdictUnits} WRU with its indexes`,
          sqs: `fast queue send, receive, delete, batched by ${batch}`,
        },
      }),
      this.logLine(),
    ];
  }

  /** The fast tier's step for audio and video: sniff, then queue the item for the heavy tier. */
  private routing(): CostLine[] {
    const { assumptions: a } = this.prices;
    const batch = this.prices.deployment.fastQueueBatchSize;
    return [
      ...this.lambdaLines(a.routingComputeMs.value, 'sniff and queue (assumed)', 4, SNIFF_BYTES, 'routing: '),
      this.lambdaRequestLine(1 / batch, `1 invocation per batch of ${batch}`, 'routing: '),
      ...this.operationLines(
        {
          s3Gets: 2,
          readUnits: 1,
          writeUnits: 0,
          sqsRequests: 3 / batch + 1,
          what: {
            s3: 'HEAD, ranged GET to sniff',
            reads: 'verdict lookup',
            writes: '',
            sqs: `fast queue send, receive, delete batched by ${batch}; heavy queue send`,
          },
        },
        'routing: ',
      ),
    ];
  }

  /** One job on the GPU worker. */
  private heavyPass(media: MediaKind, durationSec: number): CostLine[] {
    const { assumptions: a, deployment: d, ec2 } = this.prices;
    const job = this.heavyJobSeconds(media, durationSec);
    const instance = ec2.instances[d.workerInstanceType];
    if (!instance) throw new ConfigError(`no price for the worker instance type ${d.workerInstanceType}`);
    const hourly = this.options.capacity === 'spot' ? instance.spotPerHour : instance.onDemandPerHour;
    const volumeHourly = (d.workerRootVolumeGiB * ec2.ebsGp3PerGbMonth) / ec2.hoursPerMonth;
    const instanceSec = job.seconds / a.heavyJobsPerInstance.value / a.heavyUtilization.value;
    // Jobs share the instance, so each runs longer than alone; the heartbeat extends it every workerHeartbeatSec.
    const wallSec = (job.seconds * d.workerConcurrency) / a.heavyJobsPerInstance.value;
    const heartbeats = Math.floor(wallSec / d.workerHeartbeatSec);
    const verdictUnits = this.verdictWriteUnits();
    const cacheUnits = media === 'unknown' ? 0 : Math.ceil(a.cacheItemKiB.value);
    return [
      {
        what:
          `${d.workerInstanceType} ${this.options.capacity}: ${job.what} = ${round(job.seconds, 3)} s of a job, ` +
          `${a.heavyJobsPerInstance.value} jobs per instance at ${a.heavyUtilization.value * 100}% utilisation = ` +
          `${round(instanceSec, 3)} s × $${round(hourly + volumeHourly, 4)}/h (instance and ${d.workerRootVolumeGiB} GiB gp3)`,
        dollars: (instanceSec * (hourly + volumeHourly)) / 3600,
      },
      ...this.operationLines({
        s3Gets: 2,
        readUnits: media === 'unknown' ? 1 : 2,
        writeUnits: verdictUnits + cacheUnits,
        sqsRequests: 2 + heartbeats + (media === 'audio' || media === 'video' ? 0 : 1),
        what: {
          s3: 'HEAD, GET',
          reads: media === 'unknown' ? 'verdict lookup' : 'verdict lookup, cache lookup',
          writes:
            cacheUnits > 0
              ? `verdict ${verdictUnits} WRU with its indexes, cache entry ${cacheUnits} WRU`
              : `error verdict ${verdictUnits} WRU with its indexes`,
          sqs: `heavy queue ${media === 'audio' || media === 'video' ? '' : 'send, '}receive, delete${heartbeats > 0 ? `, ${heartbeats} visibility extensions` : ''}`,
        },
      }),
      this.logLine(),
    ];
  }

  /** Seconds one job runs alone, as measured on the bench machine. */
  private heavyJobSeconds(media: MediaKind, durationSec: number): { seconds: number; what: string } {
    const { statistic } = this.options;
    if (media === 'video' || media === 'audio') {
      const base =
        media === 'audio'
          ? 'heavy-tier.audio.rtf'
          : this.options.videoSoundtrack
            ? 'heavy-tier.video.rtf'
            : 'heavy-tier.video.pictures.rtf';
      // Audio was measured as a median only; it serves both statistics.
      const key = statistic === 'p95' && media === 'video' ? `${base}.slowest` : base;
      const rtf = this.figure(key, 'x-real-time');
      return { seconds: durationSec / rtf, what: `${durationSec} s / ${rtf}× (${key})` };
    }
    if (media === 'image') {
      // No bench times a heavy-tier image end to end: the fast tier's OCR-on figure with InceptionV3's inference in
      // place of MobileNetV2's.
      const e2e = this.figure(this.stat('fast-tier.image.no-text.ocr-on'), 'ms');
      const fast = this.figure(this.stat('model.nsfw-mobilenet-v2-mid.batch-1'), 'ms');
      const heavy = this.figure(this.stat('model.nsfw-inception-v3.batch-1'), 'ms');
      const ms = e2e - fast + heavy;
      return {
        seconds: ms / 1000,
        what: `${round(e2e, 1)} − ${fast} + ${heavy} ms (fast tier with InceptionV3)`,
      };
    }
    if (media === 'text') {
      const ms = this.figure('fast-tier.text.per-item', 'ms');
      return { seconds: ms / 1000, what: `${ms} ms (fast-tier.text.per-item)` };
    }
    const ms = this.prices.assumptions.routingComputeMs.value;
    return { seconds: ms / 1000, what: `${ms} ms (error verdict, assumed)` };
  }

  private verdictWriteUnits(): number {
    const a = this.prices.assumptions;
    return Math.ceil(a.verdictItemKiB.value) + a.verdictIndexes.value;
  }

  /** Billed Lambda time: compute × CPU factor, plus the wait for AWS calls and for reading the bytes. */
  private lambdaLines(
    computeMs: number,
    what: string,
    calls: number,
    readBytes: number,
    prefix = '',
  ): CostLine[] {
    const { assumptions: a } = this.prices;
    const computeBilled = computeMs * this.options.lambdaCpuFactor;
    const waitMs = calls * a.awsCallWaitMs.value + (readBytes / (a.s3ReadMBps.value * MB)) * 1000;
    const factor = this.options.lambdaCpuFactor === 1 ? '' : ` × CPU factor ${this.options.lambdaCpuFactor}`;
    return [
      {
        what: `${prefix}Lambda compute: ${round(computeMs, 4)} ms (${what})${factor} × ${this.memoryGb()} GB`,
        dollars: this.lambdaDollars(computeBilled),
      },
      {
        what:
          `${prefix}Lambda wait: ${calls} S3/DynamoDB calls × ${a.awsCallWaitMs.value} ms + ` +
          `${Math.round(readBytes / 1024)} KiB at ${a.s3ReadMBps.value} MB/s = ${round(waitMs, 2)} ms × ${this.memoryGb()} GB`,
        dollars: this.lambdaDollars(waitMs),
      },
    ];
  }

  private coldStartLine(): CostLine {
    const perThousand = this.prices.assumptions.coldStartsPerThousandItems.value;
    const ms = this.figure('fast-tier.cold-start', 'ms');
    return {
      what: `Lambda cold starts: ${ms} ms each, ${perThousand} per 1,000 items`,
      dollars: (perThousand / 1000) * this.lambdaDollars(ms * this.options.lambdaCpuFactor),
    };
  }

  private lambdaRequestLine(perItem: number, what: string, prefix = ''): CostLine {
    return { what: `${prefix}Lambda requests: ${what}`, dollars: perItem * this.prices.lambda.perRequest };
  }

  private operationLines(ops: Operations, prefix = ''): CostLine[] {
    const p = this.prices;
    const lines: CostLine[] = [
      {
        what: `${prefix}SQS: ${round(ops.sqsRequests, 3)} requests (${ops.what.sqs})`,
        dollars: (ops.sqsRequests * p.sqs.perMillionRequests) / 1e6,
      },
      {
        what: `${prefix}S3: ${ops.s3Gets} GET-class requests (${ops.what.s3})`,
        dollars: (ops.s3Gets * p.s3.getPerThousand) / 1000,
      },
      {
        what: `${prefix}DynamoDB reads: ${ops.readUnits} RRU (${ops.what.reads})`,
        dollars: (ops.readUnits * p.dynamodb.perMillionReadUnits) / 1e6,
      },
    ];
    if (ops.writeUnits > 0) {
      lines.push({
        what: `${prefix}DynamoDB writes: ${ops.writeUnits} WRU (${ops.what.writes})`,
        dollars: (ops.writeUnits * p.dynamodb.perMillionWriteUnits) / 1e6,
      });
    }
    return lines;
  }

  private logLine(): CostLine {
    const kib = this.prices.assumptions.logKiBPerItem.value;
    return {
      what: `CloudWatch Logs: ${kib} KiB ingested`,
      dollars: kib * GIB_PER_KIB * this.prices.cloudwatchLogs.perGbIngested,
    };
  }

  private memoryGb(): number {
    return this.prices.deployment.fastTierMemoryMiB / 1024;
  }

  private lambdaDollars(ms: number): number {
    const rate = this.prices.lambda.perGbSecond[this.prices.deployment.lambdaArchitecture];
    return (ms / 1000) * this.memoryGb() * rate;
  }
}

/** The tier that actually handles an item: the fast tier forwards audio and video to the heavy tier. */
export function pricedTier(media: MediaKind, tier: Tier): Tier {
  return media === 'audio' || media === 'video' ? 'heavy' : tier;
}

/**
 * A cost model from a price list and measured figures (objects, or the paths of JSON files; by default the
 * committed `core/cost/aws-prices.json` and `bench/measured.json`). Files and objects are validated; a missing or
 * bad file, a bad field or a bad option is a `ConfigError` that names it. A figure the model needs and does not
 * find fails when an item that needs it is priced, naming the figure.
 */
export function createCostModel(options: CostModelOptions = {}): MeasuredCostModel {
  const prices =
    typeof options.prices === 'object'
      ? parseConfig(options.prices, PriceListSchema, 'price list')
      : loadPriceList(options.prices);
  const measured =
    typeof options.measured === 'object'
      ? parseConfig(options.measured, MeasuredFiguresSchema, 'measured figures')
      : loadMeasuredFigures(options.measured);
  return new MeasuredCostModel(prices, measured, options);
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}
