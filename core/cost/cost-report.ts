import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';
import type { CostLine } from './cost-model';
import { formatDollars } from './format-dollars';
import {
  type Capacity,
  type CostModelOptions,
  type ImageProfile,
  type LatencyStatistic,
  MeasuredCostModel,
} from './measured-cost-model';
import { loadMeasuredFigures, type MeasuredFigures, MeasuredFiguresSchema } from './measured-figures';
import { loadPriceList, type PriceList, PriceListSchema } from './price-list';
import { parseConfig } from './read-json-config';

/** The target for fast-tier images: under this many dollars per 1,000 images on Lambda... */
export const FAST_IMAGE_TARGET_PER_1000 = 0.02;
/** ...and at least this many times cheaper than Rekognition's list price. */
export const FAST_IMAGE_TARGET_TIMES_CHEAPER = 50;

/** Dollars for the p50 (expected) and p95 (bound) statistics. */
export interface StatPair {
  readonly p50: number;
  readonly p95: number;
}

/** One row of the cost table. */
export interface CostRow {
  readonly media: MediaKind;
  readonly tier: Tier;
  /** What the row prices, e.g. `image, no text (OCR on)`. */
  readonly label: string;
  /** Where it runs, e.g. `Lambda x86_64 2048 MiB` or `g4dn.xlarge spot`. */
  readonly runsOn: string;
  readonly capacity?: Capacity;
  /** Length of the audio or video item priced. */
  readonly durationSec?: number;
  readonly per1000: StatPair;
  /** Audio and video: dollars per minute of media. */
  readonly perMinute?: StatPair;
  /** Amazon Rekognition's list price for the same work, where it offers it, and how many times cheaper this is. */
  readonly rekognition?: {
    readonly per1000: number;
    readonly basis: string;
    /** Rekognition's price ÷ this row's p50 price. */
    readonly timesCheaper: number;
  };
  /** The p50 breakdown of one item. */
  readonly breakdown: readonly CostLine[];
}

/** A measured figure as the report lists it. */
export interface ReportFigure {
  readonly key: string;
  readonly value: number;
  readonly unit: string;
  readonly method: string;
  readonly machine: string;
  readonly measured: string;
}

/** The whole `winnow cost` report. */
export interface CostReport {
  readonly pricesVersion: string;
  readonly pricesAsOf: string;
  readonly region: string;
  readonly options: {
    readonly lambdaCpuFactor: number;
    readonly durationSec: number;
    readonly lambdaArchitecture: string;
    readonly lambdaMemoryMiB: number;
    readonly workerInstanceType: string;
  };
  readonly rows: readonly CostRow[];
  /** The target for fast-tier images without text, at p50. */
  readonly target: {
    readonly fastImagePer1000: number;
    readonly limitPer1000: number;
    readonly timesCheaper: number;
    readonly minTimesCheaper: number;
    readonly met: boolean;
  };
  /** Every measured figure the rows were computed from. */
  readonly figures: readonly ReportFigure[];
  /** The price list's assumptions, with their reasons. */
  readonly assumptions: readonly { readonly name: string; readonly value: unknown; readonly notes: string }[];
}

/** Inputs of {@link buildCostReport}: files or objects, and the model options that apply to every row. */
export interface CostReportOptions {
  readonly prices?: PriceList | string;
  readonly measured?: MeasuredFigures | string;
  readonly lambdaCpuFactor?: number;
  readonly durationSec?: number;
}

interface RowSpec {
  readonly media: MediaKind;
  readonly tier: Tier;
  readonly label: string;
  readonly imageProfile?: ImageProfile;
  readonly capacity?: Capacity;
  readonly videoSoundtrack?: boolean;
  readonly rekognition?: 'image' | 'video';
}

const HEAVY = (media: MediaKind, label: string, extra: Partial<RowSpec> = {}): RowSpec[] =>
  (['on-demand', 'spot'] as const).map((capacity) => ({ media, tier: 'heavy', label, capacity, ...extra }));

const ROWS: readonly RowSpec[] = [
  { media: 'text', tier: 'fast', label: 'text' },
  {
    media: 'image',
    tier: 'fast',
    label: 'image, no text (OCR on)',
    imageProfile: 'no-text',
    rekognition: 'image',
  },
  {
    media: 'image',
    tier: 'fast',
    label: 'image, 4 lines of text (OCR on)',
    imageProfile: 'with-text',
    rekognition: 'image',
  },
  { media: 'image', tier: 'fast', label: 'image, OCR off', imageProfile: 'ocr-off', rekognition: 'image' },
  { media: 'unknown', tier: 'fast', label: 'unknown bytes (error verdict)' },
  ...HEAVY('image', 'image, heavy pass (InceptionV3 + OCR)'),
  ...HEAVY('audio', 'audio (speech)'),
  ...HEAVY('video', 'video with soundtrack', { rekognition: 'video', videoSoundtrack: true }),
  ...HEAVY('video', 'video, pictures only', { rekognition: 'video', videoSoundtrack: false }),
];

/**
 * Prices every row of the cost table at p50 and p95 from one price list and one set of measured figures. Fails
 * with a `ConfigError` on a bad file or a missing figure.
 */
export function buildCostReport(options: CostReportOptions = {}): CostReport {
  const prices =
    typeof options.prices === 'object'
      ? parseConfig(options.prices, PriceListSchema, 'price list')
      : loadPriceList(options.prices);
  const measured =
    typeof options.measured === 'object'
      ? parseConfig(options.measured, MeasuredFiguresSchema, 'measured figures')
      : loadMeasuredFigures(options.measured);
  const figures = new Map<string, ReportFigure>();
  const model = (spec: RowSpec, statistic: LatencyStatistic) =>
    new MeasuredCostModel(prices, measured, {
      lambdaCpuFactor: options.lambdaCpuFactor,
      durationSec: options.durationSec,
      statistic,
      imageProfile: spec.imageProfile,
      capacity: spec.capacity,
      videoSoundtrack: spec.videoSoundtrack,
    } satisfies CostModelOptions);

  const rows = ROWS.map((spec): CostRow => {
    const p50 = model(spec, 'p50');
    const p95 = model(spec, 'p95');
    const item = { media: spec.media, tier: spec.tier };
    const breakdown = p50.itemBreakdown(item);
    const per1000 = { p50: sum(breakdown) * 1000, p95: p95.itemCost(item) * 1000 };
    for (const m of [p50, p95]) {
      for (const [key, f] of m.figuresUsed()) figures.set(key, { key, ...f });
    }
    const durationSec =
      spec.media === 'audio' || spec.media === 'video' ? p50.options.durationSec : undefined;
    const perMinute =
      durationSec === undefined
        ? undefined
        : { p50: per1000.p50 / 1000 / (durationSec / 60), p95: per1000.p95 / 1000 / (durationSec / 60) };
    const rekognition = rekognitionPrice(spec.rekognition, prices, durationSec);
    return {
      media: spec.media,
      tier: spec.tier,
      label: spec.label,
      runsOn: p50.runsOn(spec.tier, spec.media),
      ...(spec.capacity ? { capacity: spec.capacity } : {}),
      ...(durationSec === undefined ? {} : { durationSec }),
      per1000,
      ...(perMinute ? { perMinute } : {}),
      ...(rekognition
        ? { rekognition: { ...rekognition, timesCheaper: rekognition.per1000 / per1000.p50 } }
        : {}),
      breakdown,
    };
  });

  const headline = rows.find((r) => r.media === 'image' && r.label.startsWith('image, no text')) as CostRow;
  const timesCheaper = headline.rekognition?.timesCheaper ?? 0;
  const d = prices.deployment;
  return {
    pricesVersion: prices.version,
    pricesAsOf: prices.asOf,
    region: prices.region,
    options: {
      lambdaCpuFactor: options.lambdaCpuFactor ?? 1,
      durationSec: options.durationSec ?? prices.assumptions.typicalDurationSec.value,
      lambdaArchitecture: d.lambdaArchitecture,
      lambdaMemoryMiB: d.fastTierMemoryMiB,
      workerInstanceType: d.workerInstanceType,
    },
    rows,
    target: {
      fastImagePer1000: headline.per1000.p50,
      limitPer1000: FAST_IMAGE_TARGET_PER_1000,
      timesCheaper,
      minTimesCheaper: FAST_IMAGE_TARGET_TIMES_CHEAPER,
      met:
        headline.per1000.p50 < FAST_IMAGE_TARGET_PER_1000 && timesCheaper >= FAST_IMAGE_TARGET_TIMES_CHEAPER,
    },
    figures: [...figures.values()].sort((a, b) => a.key.localeCompare(b.key)),
    assumptions: Object.entries(prices.assumptions).map(([name, a]) => ({
      name,
      value: a.value,
      notes: a.notes,
    })),
  };
}

function rekognitionPrice(
  kind: RowSpec['rekognition'],
  prices: PriceList,
  durationSec: number | undefined,
): { per1000: number; basis: string } | undefined {
  const r = prices.rekognition;
  if (kind === 'image') {
    return {
      per1000: r.imageModerationPerThousand,
      basis: `${formatDollars(r.imageModerationPerThousand)} per 1,000 images`,
    };
  }
  if (kind === 'video' && durationSec !== undefined) {
    return {
      per1000: r.videoModerationPerMinute * (durationSec / 60) * 1000,
      basis: `${formatDollars(r.videoModerationPerMinute)} per minute`,
    };
  }
  return undefined;
}

function sum(lines: readonly CostLine[]): number {
  return lines.reduce((s, l) => s + l.dollars, 0);
}
