import { randomUUID } from 'node:crypto';
import type { CostModel } from '../cost/cost-model';
import { toErrorInfo } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { ModerationEngine } from '../pipeline/moderation-engine';
import type { Policy } from '../policy/policy';
import type { ItemResolver } from '../ports/item-resolver';
import { classifyVerdict } from '../sweep/classify-verdict';
import { itemCostAt } from '../sweep/item-cost';
import { redecideVerdict } from '../sweep/redecide-verdict';
import type { ScoringTarget } from '../sweep/scoring-target';
import { seededSample } from '../sweep/seeded-sample';
import type { CategoryDecision, Decision, Verdict } from '../verdict/verdict';
import { type ConfusionTable, ConfusionTables } from './confusion-table';

/** One item a shadow run may draw: its URI, and its live verdict when one is stored. */
export interface ShadowCandidate {
  readonly uri: string;
  readonly live?: Verdict;
}

/** Everything {@link runShadow} needs. */
export interface ShadowOptions {
  /** The population; called twice (counting, then the draw), listing the same items both times. */
  readonly population: () => AsyncIterable<ShadowCandidate>;
  readonly sampleSize: number;
  readonly seed: string;
  /** The live policy, when known (its frame rate prices the live side; its categories head the tables). */
  readonly livePolicy?: Policy;
  /** The candidate policy and detectors. Its content cache, if any, must not be the live one's. */
  readonly candidate: ScoringTarget & Pick<ModerationEngine, 'moderate'>;
  /** Scores a drawn item under the live policy when it has no stored verdict (never stored). */
  readonly scoreLive?: (uri: string) => Promise<Verdict>;
  readonly resolver: ItemResolver;
  readonly costModel: CostModel;
  readonly runId?: string;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

/** One item whose decision the candidate changes. */
export interface ShadowChange {
  readonly uri: string;
  readonly live: Decision;
  readonly candidate: Decision;
  /** The candidate's highest-scoring category (the live one's when the candidate has none). */
  readonly topCategory: { readonly id: string; readonly score: number } | null;
  readonly via: 'redecide' | 'rescore';
}

/** The diff between a live policy and a candidate over a sample. */
export interface ShadowReport {
  readonly runId: string;
  readonly createdAt: string;
  readonly seed: string;
  readonly live: { readonly id: string; readonly version: string } | null;
  readonly candidate: { readonly id: string; readonly version: string };
  readonly populationSize: number;
  readonly totals: {
    readonly sampled: number;
    /** Items with a live and a candidate verdict. */
    readonly compared: number;
    readonly sameDecision: number;
    readonly changedDecision: number;
    /** Candidate verdicts re-decided from the live scores (no model run). */
    readonly redecided: number;
    /** Candidate verdicts from scoring the item again. */
    readonly rescored: number;
    /** Items without a live verdict to compare, or whose candidate scoring failed to start. */
    readonly failed: number;
  };
  /** Item decisions, live (rows) by candidate (columns). */
  readonly decisions: ConfusionTable<Decision>;
  /** Per category, live by candidate. */
  readonly categories: Record<string, ConfusionTable<CategoryDecision>>;
  readonly changes: readonly ShadowChange[];
  /** Estimated dollars per 1,000 items like the sample, from each side's tiers and settings. */
  readonly cost: {
    readonly pricesVersion: string;
    readonly livePer1000: number;
    readonly candidatePer1000: number;
    /** What scoring items again for this shadow run cost (re-decided items cost nothing). */
    readonly shadowRun: number;
  };
}

/**
 * Shadow run: draws a seeded sample of items with live verdicts, evaluates a candidate policy (and detectors) on
 * each (re-deciding from the live scores when only thresholds, actions or categories differ, else scoring the
 * item again with the candidate engine), and reports the differences. Nothing is written to the live verdict
 * store and no action is taken: the report is the only output.
 */
export async function runShadow(options: ShadowOptions): Promise<ShadowReport> {
  const runId = options.runId ?? `shadow-${randomUUID()}`;
  const now = options.now ?? (() => new Date());
  const log = (options.logger ?? silentLogger).child({
    runId,
    candidatePolicy: options.candidate.policy.version,
  });
  const { candidate, costModel } = options;

  let populationSize = 0;
  for await (const _ of options.population()) populationSize++;
  const drawn = await seededSample(options.population(), options.sampleSize, options.seed, (c) => c.uri);

  const tables = new ConfusionTables((options.livePolicy ?? candidate.policy).categories.map((c) => c.id));
  const changes: ShadowChange[] = [];
  const totals = { compared: 0, sameDecision: 0, changedDecision: 0, redecided: 0, rescored: 0, failed: 0 };
  let liveCost = 0;
  let candidateCost = 0;
  let shadowRun = 0;
  let livePolicy: { id: string; version: string } | null = options.livePolicy
    ? { id: options.livePolicy.id, version: options.livePolicy.version }
    : null;

  for (const c of drawn) {
    if (options.signal?.aborted) break;
    let live = c.live;
    try {
      live ??= await options.scoreLive?.(c.uri);
    } catch (err) {
      log.warn('cannot score a sampled item under the live policy', {
        itemId: c.uri,
        code: toErrorInfo(err).code,
      });
    }
    if (!live) {
      totals.failed++;
      continue;
    }
    livePolicy ??= { id: live.policy.id, version: live.policy.version };
    const classification = classifyVerdict(live, candidate);
    // The candidate may reuse the live version number; only the scoring decides whether scores can be reused.
    const redecide =
      live.decision !== 'error' &&
      (classification.kind === 'redecide' || classification.kind === 'unchanged');
    let next: Verdict;
    if (redecide) {
      next = redecideVerdict(live, candidate.policy, { runId, now: now() });
      totals.redecided++;
    } else {
      try {
        const source = await options.resolver.resolve(live.item.uri, { size: live.item.bytes });
        next = await candidate.moderate(source, { runId, signal: options.signal });
      } catch (err) {
        totals.failed++;
        log.warn('cannot score a sampled item with the candidate', {
          itemId: c.uri,
          code: toErrorInfo(err).code,
        });
        continue;
      }
      totals.rescored++;
      shadowRun += itemCostAt(costModel, next.item, { tier: next.tier, fps: candidate.policy.video.fps });
    }
    totals.compared++;
    tables.add(live, next);
    liveCost += itemCostAt(costModel, live.item, { tier: live.tier, fps: options.livePolicy?.video.fps });
    candidateCost += itemCostAt(costModel, next.item, { tier: next.tier, fps: candidate.policy.video.fps });
    if (live.decision === next.decision) {
      totals.sameDecision++;
      continue;
    }
    totals.changedDecision++;
    const top = topCategory(next) ?? topCategory(live);
    changes.push({
      uri: live.item.uri,
      live: live.decision,
      candidate: next.decision,
      topCategory: top ?? null,
      via: redecide ? 'redecide' : 'rescore',
    });
  }
  log.info('shadow run finished', { ...totals });
  const per1000 = (dollars: number) => (totals.compared > 0 ? (dollars / totals.compared) * 1000 : 0);
  return {
    runId,
    createdAt: now().toISOString(),
    seed: options.seed,
    live: livePolicy,
    candidate: { id: candidate.policy.id, version: candidate.policy.version },
    populationSize,
    totals: { sampled: drawn.length, ...totals },
    decisions: tables.decisions,
    categories: tables.categories(),
    changes,
    cost: {
      pricesVersion: costModel.pricesVersion,
      livePer1000: per1000(liveCost),
      candidatePer1000: per1000(candidateCost),
      shadowRun,
    },
  };
}

function topCategory(v: Verdict): { id: string; score: number } | undefined {
  const top = [...v.categories].sort((a, b) => b.score - a.score)[0];
  return top ? { id: top.id, score: top.score } : undefined;
}
