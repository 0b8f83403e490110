import type { ErrorInfo } from '../errors';
import type { Policy } from '../policy/policy';
import { type CachedResult, VERDICT_SCHEMA_ID, type Verdict, type VerdictItem } from './verdict';

/** Context every verdict carries besides its result. */
export interface VerdictContext {
  readonly policy: Pick<Policy, 'id' | 'version'>;
  /** The engine's scoring hash for the item's media and tier, when known (see `Verdict['policy']`). */
  readonly scoringHash?: string;
  readonly runId?: string;
  readonly createdAt: Date;
}

/** Assembles a verdict from an item and a (possibly cached) result. */
export function buildVerdict(
  item: VerdictItem,
  result: CachedResult,
  ctx: VerdictContext,
  cached: boolean,
): Verdict {
  return {
    schema: VERDICT_SCHEMA_ID,
    item,
    decision: result.decision,
    categories: result.categories,
    segments: result.segments,
    signals: result.signals,
    detectors: result.detectors,
    policy: {
      id: ctx.policy.id,
      version: ctx.policy.version,
      ...(ctx.scoringHash ? { scoringHash: ctx.scoringHash } : {}),
    },
    tier: result.tier,
    actions: result.actions,
    ...(result.error ? { error: result.error } : {}),
    cached,
    ...(ctx.runId ? { runId: ctx.runId } : {}),
    createdAt: ctx.createdAt.toISOString(),
  };
}

/** An `error` verdict: the item could not be moderated, and says why. */
export function errorVerdict(
  item: VerdictItem,
  error: ErrorInfo,
  ctx: VerdictContext & { readonly tier: Verdict['tier']; readonly detectors?: Verdict['detectors'] },
): Verdict {
  return buildVerdict(
    item,
    {
      decision: 'error',
      categories: [],
      segments: [],
      signals: [],
      detectors: ctx.detectors ?? [],
      actions: [],
      error,
      tier: ctx.tier,
    },
    ctx,
    false,
  );
}
