import type { Tier } from '../detectors/detector';

/** One way to score a sample: the tier for text and images (and the video frame model), and the video frame rate. */
export interface SamplingOption {
  readonly tier: Tier;
  readonly fps: number;
}

/** An option with what it costs and how much of the population it affords. */
export interface PricedOption extends SamplingOption {
  /** Mean dollars per item over the population. */
  readonly costPerItem: number;
  readonly sampleSize: number;
  readonly estimatedCost: number;
}

/** What a budgeted sampling sweep chose, and why. */
export interface SamplingPlan {
  /** Dollars per run. */
  readonly budget: number;
  readonly populationSize: number;
  readonly chosen: { readonly sampleSize: number; readonly fps: number; readonly tier: Tier };
  readonly estimatedCost: number;
  readonly reason: string;
  /** Every option considered, most accurate first. */
  readonly alternatives: readonly PricedOption[];
}

/** What {@link chooseSamplingPlan} weighs. */
export interface SamplingPlanInput {
  readonly budget: number;
  readonly populationSize: number;
  /** Options, most accurate first (see {@link samplingOptions}). */
  readonly options: readonly SamplingOption[];
  /** Mean dollars per population item under an option. */
  readonly costPerItem: (option: SamplingOption) => number;
  /** The sample an option must afford to be chosen for its accuracy (capped at the population). */
  readonly minSample: number;
}

/**
 * The options worth pricing, most accurate first: the heavy tier before the fast one, then the policy's frame
 * rate, half and a quarter of it. Frame rates collapse to the policy's when the population has no video, and tiers
 * to the fast one when it has neither images nor video (text reads the same in both).
 */
export function samplingOptions(
  baseFps: number,
  population: { readonly hasVideo: boolean; readonly hasImagesOrVideo: boolean },
): SamplingOption[] {
  const rates = population.hasVideo ? [baseFps, baseFps / 2, baseFps / 4] : [baseFps];
  const tiers: Tier[] = population.hasImagesOrVideo ? ['heavy', 'fast'] : ['fast'];
  return tiers.flatMap((tier) => rates.map((fps) => ({ tier, fps })));
}

/**
 * Chooses how to spend a per-run budget: the most accurate option that still affords `minSample` items (or the
 * whole population when smaller) takes as large a sample as the budget allows; when none does, the option with
 * the largest affordable sample. Every option considered is returned with its numbers.
 */
export function chooseSamplingPlan(input: SamplingPlanInput): SamplingPlan {
  const { budget, populationSize } = input;
  const priced: PricedOption[] = input.options.map((o) => {
    const costPerItem = input.costPerItem(o);
    const affordable = costPerItem > 0 ? Math.floor(budget / costPerItem + 1e-9) : populationSize;
    const sampleSize = Math.max(0, Math.min(populationSize, affordable));
    return { ...o, costPerItem, sampleSize, estimatedCost: sampleSize * costPerItem };
  });
  const target = Math.min(populationSize, Math.max(1, input.minSample));
  const first = priced[0];
  if (!first || populationSize === 0) {
    return plan(input, priced, first, 0, 'the population is empty: nothing to sample');
  }
  const accurate = priced.find((p) => p.sampleSize >= target);
  if (accurate) {
    const better = priced.slice(0, priced.indexOf(accurate));
    const why =
      better.length === 0
        ? 'the most accurate option'
        : `the most accurate option that does (${better.map((b) => `${label(b)} affords ${b.sampleSize}`).join(', ')})`;
    const cover =
      accurate.sampleSize === populationSize
        ? `all ${populationSize} items`
        : `${accurate.sampleSize} of ${populationSize} items`;
    return plan(
      input,
      priced,
      accurate,
      accurate.sampleSize,
      `${label(accurate)} covers ${cover} for ${dollars(accurate.estimatedCost)} within ${dollars(budget)}, ` +
        `at least the ${target}-item minimum; ${why}`,
    );
  }
  const widest = priced.reduce((a, b) => (b.sampleSize > a.sampleSize ? b : a), first);
  if (widest.sampleSize === 0) {
    return plan(
      input,
      priced,
      widest,
      0,
      `${dollars(budget)} is less than one item costs under any option (cheapest ${dollars(
        Math.min(...priced.map((p) => p.costPerItem)),
      )})`,
    );
  }
  return plan(
    input,
    priced,
    widest,
    widest.sampleSize,
    `no option affords the ${target}-item minimum within ${dollars(budget)}; ${label(widest)} affords the ` +
      `largest sample (${widest.sampleSize} items for ${dollars(widest.estimatedCost)})`,
  );
}

function plan(
  input: SamplingPlanInput,
  priced: readonly PricedOption[],
  chosen: PricedOption | undefined,
  sampleSize: number,
  reason: string,
): SamplingPlan {
  return {
    budget: input.budget,
    populationSize: input.populationSize,
    chosen: { sampleSize, fps: chosen?.fps ?? 0, tier: chosen?.tier ?? 'fast' },
    estimatedCost: chosen ? sampleSize * chosen.costPerItem : 0,
    reason,
    alternatives: priced,
  };
}

function label(o: SamplingOption): string {
  return `the ${o.tier} tier at ${o.fps} fps`;
}

function dollars(n: number): string {
  return `$${n < 0.01 && n > 0 ? n.toPrecision(2) : n.toFixed(2)}`;
}
