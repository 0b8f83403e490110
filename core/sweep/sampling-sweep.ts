import { randomUUID } from 'node:crypto';
import type { CostModel } from '../cost/cost-model';
import { toErrorInfo } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { MediaKind } from '../media/media-type';
import type { ModerationEngine } from '../pipeline/moderation-engine';
import type { ItemResolver } from '../ports/item-resolver';
import type { VerdictStore } from '../ports/verdict-store';
import type { Verdict } from '../verdict/verdict';
import {
  chooseSamplingPlan,
  type SamplingOption,
  type SamplingPlan,
  samplingOptions,
} from './choose-sampling-plan';
import { itemCostAt } from './item-cost';
import { seededSample } from './seeded-sample';
import type { ChangeSink } from './verdict-change';

/** One item a sampling sweep may draw: from stored verdicts or a listing. */
export interface SampleCandidate {
  readonly uri: string;
  /** From the stored verdict, or guessed from the key's extension for a listing. */
  readonly media: MediaKind;
  readonly bytes: number;
}

/** Everything {@link runSamplingSweep} needs. */
export interface SamplingSweepOptions {
  /** The population; called twice (pricing, then the draw), and must list the same items both times. */
  readonly population: () => AsyncIterable<SampleCandidate>;
  /** Dollars per run. */
  readonly budget: number;
  readonly seed: string;
  /** The sample an option must afford to be chosen for its accuracy (default 100). */
  readonly minSample?: number;
  /** The live policy's video frame rate, the highest one considered. */
  readonly baseFps: number;
  readonly costModel: CostModel;
  /** An engine that scores in the chosen tier at the chosen frame rate. */
  readonly engineFor: (option: SamplingOption) => Pick<ModerationEngine, 'moderate'>;
  readonly resolver: ItemResolver;
  /** Earlier verdicts, to tell which sampled items changed decision. */
  readonly verdicts?: VerdictStore;
  /** Receives every sampled verdict (the sweep writes none to the verdict store). */
  readonly onVerdict?: (verdict: Verdict) => Promise<void>;
  /** Receives the sampled items whose decision differs from their latest stored verdict (or that had none). */
  readonly onChange?: ChangeSink;
  /** Choose and draw only; score nothing. */
  readonly dryRun?: boolean;
  readonly runId?: string;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** What a sampling sweep chose and did. */
export interface SamplingSweepResult {
  readonly runId: string;
  readonly dryRun: boolean;
  readonly plan: SamplingPlan;
  /** Items drawn (the plan's sample, trimmed if their own prices exceed the budget). */
  readonly sampled: number;
  readonly scored: number;
  readonly failed: number;
  readonly changedDecision: number;
  /** The drawn items' estimated cost under the chosen option. */
  readonly estimatedCost: number;
  readonly complete: boolean;
  readonly elapsedMs: number;
}

/**
 * Budgeted sampling sweep: prices every option ({@link samplingOptions}) over the population with the cost
 * model, lets {@link chooseSamplingPlan} pick the sample size, tier and frame rate that fit the budget, draws a
 * seeded sample ({@link seededSample}), trims it until its own estimate fits, and scores it. Sampled verdicts go
 * to `onVerdict` (an audit run at its own settings never overwrites live verdicts); changed decisions go to
 * `onChange`.
 */
export async function runSamplingSweep(options: SamplingSweepOptions): Promise<SamplingSweepResult> {
  const started = Date.now();
  const runId = options.runId ?? `sample-${randomUUID()}`;
  const log = (options.logger ?? silentLogger).child({ runId });
  const model = options.costModel;

  let size = 0;
  const seen = new Set<MediaKind>();
  const totals = new Map<string, number>();
  // Every option is priced in one pass; which options exist depends on the media, so all candidates are priced.
  const all = samplingOptions(options.baseFps, { hasVideo: true, hasImagesOrVideo: true });
  for await (const c of options.population()) {
    size++;
    seen.add(c.media);
    for (const o of all) totals.set(key(o), (totals.get(key(o)) ?? 0) + itemCostAt(model, c, o));
  }
  const considered = samplingOptions(options.baseFps, {
    hasVideo: seen.has('video'),
    hasImagesOrVideo: seen.has('video') || seen.has('image'),
  });
  const plan = chooseSamplingPlan({
    budget: options.budget,
    populationSize: size,
    options: considered,
    costPerItem: (o) => (size > 0 ? (totals.get(key(o)) ?? 0) / size : 0),
    minSample: options.minSample ?? 100,
  });
  const chosen: SamplingOption = { tier: plan.chosen.tier, fps: plan.chosen.fps };
  log.info('sampling plan chosen', { budget: plan.budget, population: size, ...plan.chosen });

  const drawn = await seededSample(options.population(), plan.chosen.sampleSize, options.seed, (c) => c.uri);
  // The plan priced the mean item; the drawn ones may cost more, so the highest-ranked go until they fit.
  let estimatedCost = 0;
  let fit = 0;
  for (const c of drawn) {
    const cost = itemCostAt(model, c, chosen);
    if (estimatedCost + cost > options.budget + 1e-12) break;
    estimatedCost += cost;
    fit++;
  }
  const sample = drawn.slice(0, fit);

  let scored = 0;
  let failed = 0;
  let changedDecision = 0;
  let complete = true;
  if (!options.dryRun && sample.length > 0) {
    const engine = options.engineFor(chosen);
    for (const c of sample) {
      if (options.signal?.aborted) {
        complete = false;
        break;
      }
      let verdict: Verdict;
      try {
        const source = await options.resolver.resolve(c.uri, { size: c.bytes });
        verdict = await engine.moderate(source, { runId, signal: options.signal });
      } catch (err) {
        failed++;
        log.warn('cannot score a sampled item', { itemId: c.uri, code: toErrorInfo(err).code });
        continue;
      }
      if (verdict.decision === 'error') failed++;
      else scored++;
      await options.onVerdict?.(verdict);
      const before = await options.verdicts?.get(c.uri);
      if (verdict.decision !== 'error' && before?.decision !== verdict.decision) {
        changedDecision++;
        await options.onChange?.({ uri: verdict.item.uri, before, after: verdict, via: 'rescore' });
      }
    }
  }
  const result: SamplingSweepResult = {
    runId,
    dryRun: options.dryRun ?? false,
    plan,
    sampled: sample.length,
    scored,
    failed,
    changedDecision,
    estimatedCost,
    complete,
    elapsedMs: Date.now() - started,
  };
  log.info('sampling sweep finished', { sampled: sample.length, scored, failed, changedDecision });
  return result;
}

function key(o: SamplingOption): string {
  return `${o.tier}@${o.fps}`;
}
