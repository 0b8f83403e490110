import { createHash } from 'node:crypto';
import { type ErrorInfo, toErrorInfo } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { Action } from '../policy/policy';
import type { Verdict } from '../verdict/verdict';
import { noMetrics, type ServerlessMetrics } from './metrics';
import { type RetryOptions, withRetries } from './retry';
import { parseS3Uri, quarantineLocation, type S3Location, type S3Prefix, s3ObjectArn } from './s3-location';
import {
  ActionRequestError,
  ActionsFailedError,
  ActionsRejectedError,
  ObjectMissingError,
} from './serverless-errors';

/** The EventBridge `source` and `detail-type` of verdict events. */
export const VERDICT_EVENT_SOURCE = 'winnow';
export const VERDICT_EVENT_DETAIL_TYPE = 'Verdict';
/** The schema id inside each event's detail. */
export const VERDICT_EVENT_SCHEMA_ID = 'winnow.verdict-event/v1';

/** The summary of a verdict that the notify action publishes. Never content: no signals, no evidence. */
export interface VerdictEventDetail {
  readonly schema: typeof VERDICT_EVENT_SCHEMA_ID;
  /** The same for the same item, bytes, policy and outcome: consumers drop repeats by it. */
  readonly id: string;
  readonly uri: string;
  readonly decision: Verdict['decision'];
  /** The categories the policy flagged (review or block), with their scores. */
  readonly categories: readonly { readonly id: string; readonly score: number; readonly decision: string }[];
  readonly policy: { readonly id: string; readonly version: string };
  readonly tier: Verdict['tier'];
  readonly media: Verdict['item']['media'];
  readonly sha256: string;
  readonly actions: readonly string[];
  readonly escalation?: 'pending' | 'resolved';
  readonly createdAt: string;
}

/** One event for the notify action. */
export interface VerdictEvent {
  readonly source: typeof VERDICT_EVENT_SOURCE;
  readonly detailType: typeof VERDICT_EVENT_DETAIL_TYPE;
  /** The object's ARN when the item is an S3 object. */
  readonly resources: readonly string[];
  readonly detail: VerdictEventDetail;
}

/**
 * Where actions land: S3 objects and an event bus (`functions/aws-action-target.ts`), or fakes in tests. Each
 * method must be safe to repeat. Failures are Winnow errors: `ObjectMissingError` for an object that is gone,
 * a `RetryableError` (e.g. `TransientStoreError`) when a retry may pass, `ActionRequestError` otherwise.
 */
export interface ActionTarget {
  /** Sets these tags on the object and keeps its other tags; the same tags again change nothing. */
  tagObject(object: S3Location, tags: Readonly<Record<string, string>>): Promise<void>;
  /**
   * Copies `from` to `to` with this user metadata (for a copy in place, `from` equal to `to`, merged into the
   * object's own metadata). Does nothing when `to` already carries every entry of `metadata`.
   */
  copyObject(from: S3Location, to: S3Location, metadata: Readonly<Record<string, string>>): Promise<void>;
  /** Publishes one verdict event. */
  putEvent(event: VerdictEvent): Promise<void>;
}

/** How a verdict's status is marked on its object. */
export type StatusMarker = 'tag' | 'metadata';

/** Everything {@link applyActions} needs besides the verdict and the target. */
export interface ApplyActionsOptions {
  /** `tag` (S3 object tags, the default) or `metadata` (a copy in place with user metadata). */
  readonly marker?: StatusMarker;
  /** Where `quarantine` copies objects; without it, a verdict asking for quarantine fails that step. */
  readonly quarantine?: S3Prefix;
  /** ARN partition for event resources (`aws`, `aws-cn`, `aws-us-gov`). Default `aws`. */
  readonly partition?: string;
  readonly retry?: RetryOptions;
  readonly logger?: Logger;
  readonly metrics?: ServerlessMetrics;
}

/** What happened to one action. */
export interface ActionStep {
  readonly action: Action;
  /** `skipped`: nothing to do (not an S3 object, or the object is gone). */
  readonly status: 'done' | 'skipped' | 'failed';
  readonly detail?: string;
  readonly error?: ErrorInfo;
}

/** What {@link applyActions} did. */
export interface ActionsResult {
  readonly uri: string;
  readonly steps: readonly ActionStep[];
}

/** Tag keys (and, with `winnow-` instead of `winnow:`, metadata keys) of the status marker. */
export const STATUS_TAGS = {
  decision: 'winnow:decision',
  categories: 'winnow:categories',
  policyVersion: 'winnow:policy-version',
} as const;

/** The order actions run in: the marker first, the event last, once the object's state is final. */
const ORDER: readonly Action[] = ['tag', 'quarantine', 'notify'];

/**
 * Carries out a verdict's policy actions: `tag` marks the object with its decision, flagged categories and
 * policy version (S3 tags, or user metadata through a copy in place); `quarantine` copies it to the quarantine
 * location with a verdict summary as metadata; `notify` publishes a {@link VerdictEvent}.
 *
 * Every step can be repeated safely: the same tags, the same destination key, an event with a deterministic id.
 * Each step is retried on retryable failures; a step that still fails does not stop the others, and then the
 * call throws `ActionsFailedError` (retryable) or `ActionsRejectedError` (permanent) listing each failure. An
 * object that no longer exists is skipped with a warning.
 *
 * A heavy-tier verdict that resolved an escalation is always marked, even without a `tag` action, so the fast
 * tier's earlier marker never outlives the verdict that replaced it.
 */
export async function applyActions(
  verdict: Verdict,
  target: ActionTarget,
  options: ApplyActionsOptions = {},
): Promise<ActionsResult> {
  const log = (options.logger ?? silentLogger).child({
    itemId: verdict.item.uri,
    policyVersion: verdict.policy.version,
    ...(verdict.runId ? { traceId: verdict.runId } : {}),
  });
  const metrics = options.metrics ?? noMetrics;
  const location = parseS3Uri(verdict.item.uri);
  const steps: ActionStep[] = [];
  for (const action of plannedActions(verdict)) {
    const step = await runStep(action, verdict, location, target, options, log);
    metrics.action(action, step.status);
    steps.push(step);
  }
  const result = { uri: verdict.item.uri, steps };
  const failed = steps.filter((s) => s.status === 'failed');
  if (failed.length > 0) {
    const message = failed.map((s) => `${s.action}: ${s.error?.code}: ${s.error?.message}`).join('; ');
    const error = failed.some((s) => s.error?.retryable)
      ? new ActionsFailedError(message)
      : new ActionsRejectedError(message);
    throw Object.assign(error, { result });
  }
  log.info('actions applied', { steps: steps.map((s) => `${s.action}:${s.status}`) });
  return result;
}

/** The actions {@link applyActions} runs for a verdict, in order. */
export function plannedActions(verdict: Verdict): Action[] {
  const wanted = new Set<string>(verdict.actions);
  if (verdict.escalation?.status === 'resolved' && verdict.decision !== 'error') wanted.add('tag');
  return ORDER.filter((a) => wanted.has(a));
}

async function runStep(
  action: Action,
  verdict: Verdict,
  location: S3Location | undefined,
  target: ActionTarget,
  options: ApplyActionsOptions,
  log: Logger,
): Promise<ActionStep> {
  const retry: RetryOptions = {
    ...options.retry,
    onRetry: (attempt, err) => {
      options.metrics?.retried('action');
      log.warn('action failed; retrying', { action, attempt, code: toErrorInfo(err).code });
    },
  };
  if (action !== 'notify' && !location) {
    return { action, status: 'skipped', detail: 'the item is not an S3 object' };
  }
  try {
    if (action === 'tag' && location) {
      if ((options.marker ?? 'tag') === 'tag') {
        await withRetries(() => target.tagObject(location, statusTags(verdict)), retry);
      } else {
        await withRetries(() => target.copyObject(location, location, statusMetadata(verdict)), retry);
      }
      return { action, status: 'done' };
    }
    if (action === 'quarantine' && location) {
      if (!options.quarantine) throw new ActionRequestError('no quarantine location is configured');
      const to = quarantineLocation(location, options.quarantine);
      await withRetries(() => target.copyObject(location, to, quarantineMetadata(verdict)), retry);
      return { action, status: 'done', detail: `s3://${to.bucket}/${to.key}` };
    }
    const event = verdictEvent(verdict, options.partition);
    await withRetries(() => target.putEvent(event), retry);
    return { action, status: 'done', detail: event.detail.id };
  } catch (err) {
    const error = toErrorInfo(err);
    if (err instanceof ObjectMissingError) {
      log.warn('the object no longer exists; action skipped', { action });
      return { action, status: 'skipped', detail: 'the object no longer exists' };
    }
    log.error('action failed', { action, code: error.code, retryable: error.retryable, error: err });
    return { action, status: 'failed', error };
  }
}

/** The ids of the categories the policy flagged (review or block), in verdict order. */
function flagged(verdict: Verdict): string[] {
  return verdict.categories.filter((c) => c.decision !== 'allow').map((c) => c.id);
}

/** S3 tag values allow letters, digits, spaces and `+ - = . _ : / @`; anything else becomes `_`. */
function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_').slice(0, 256);
}

/** A list of ids, space-separated, cut at a whole id to fit `max` characters; `none` when empty. */
function idList(ids: readonly string[], max: number): string {
  let out = '';
  for (const id of ids) {
    const next = out === '' ? id : `${out} ${id}`;
    if (next.length > max) break;
    out = next;
  }
  return out === '' ? 'none' : out;
}

/** The status tags of a verdict: decision, flagged categories (space-separated, or `none`), policy version. */
export function statusTags(verdict: Verdict): Record<string, string> {
  return {
    [STATUS_TAGS.decision]: verdict.decision,
    [STATUS_TAGS.categories]: tagValue(idList(flagged(verdict), 256)),
    [STATUS_TAGS.policyVersion]: tagValue(verdict.policy.version),
  };
}

/** User metadata values must be printable ASCII: anything else is percent-encoded. */
function metaValue(value: string): string {
  return value.replace(/[^\x20-\x7e]+/g, (s) => encodeURIComponent(s));
}

/** The status marker as user metadata (`winnow-decision`, `winnow-categories`, `winnow-policy-version`). */
export function statusMetadata(verdict: Verdict): Record<string, string> {
  return {
    'winnow-decision': verdict.decision,
    'winnow-categories': idList(flagged(verdict), 512),
    'winnow-policy-version': metaValue(verdict.policy.version),
  };
}

/** S3 allows 2 KB of user metadata (keys and values) per object. */
const MAX_METADATA_BYTES = 2048;

/** The verdict summary a quarantined copy carries as user metadata; the source URI when it fits. */
export function quarantineMetadata(verdict: Verdict): Record<string, string> {
  const meta: Record<string, string> = {
    ...statusMetadata(verdict),
    'winnow-policy-id': metaValue(verdict.policy.id),
    'winnow-tier': verdict.tier,
    'winnow-sha256': verdict.item.sha256,
    'winnow-verdict-at': verdict.createdAt,
  };
  const source = metaValue(verdict.item.uri);
  const used = Object.entries(meta).reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (used + 'winnow-source'.length + source.length <= MAX_METADATA_BYTES) meta['winnow-source'] = source;
  return meta;
}

/**
 * The deterministic id of a verdict's outcome: the same item, bytes, policy, tier, decision, flagged categories
 * and escalation status give the same id, whenever and however often the verdict is written.
 */
export function verdictEventId(verdict: Verdict): string {
  const key = JSON.stringify([
    verdict.item.uri,
    verdict.item.sha256,
    verdict.policy.id,
    verdict.policy.version,
    verdict.tier,
    verdict.decision,
    verdict.categories.filter((c) => c.decision !== 'allow').map((c) => [c.id, c.decision]),
    verdict.escalation?.status ?? null,
  ]);
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** The notify action's event for a verdict. */
export function verdictEvent(verdict: Verdict, partition = 'aws'): VerdictEvent {
  const location = parseS3Uri(verdict.item.uri);
  return {
    source: VERDICT_EVENT_SOURCE,
    detailType: VERDICT_EVENT_DETAIL_TYPE,
    resources: location ? [s3ObjectArn(location, partition)] : [],
    detail: {
      schema: VERDICT_EVENT_SCHEMA_ID,
      id: verdictEventId(verdict),
      uri: verdict.item.uri,
      decision: verdict.decision,
      categories: verdict.categories
        .filter((c) => c.decision !== 'allow')
        .map((c) => ({ id: c.id, score: c.score, decision: c.decision })),
      policy: { id: verdict.policy.id, version: verdict.policy.version },
      tier: verdict.tier,
      media: verdict.item.media,
      sha256: verdict.item.sha256,
      actions: [...verdict.actions],
      ...(verdict.escalation ? { escalation: verdict.escalation.status } : {}),
      createdAt: verdict.createdAt,
    },
  };
}

/**
 * True when two stored versions of a verdict call for the same actions on the same outcome (a re-moderation that
 * reused the cache, a rewrite with a new `runId`): a verdict stream can skip the repeat.
 */
export function sameActionOutcome(a: Verdict, b: Verdict): boolean {
  return (
    verdictEventId(a) === verdictEventId(b) &&
    plannedActions(a).join() === plannedActions(b).join() &&
    a.item.uri === b.item.uri
  );
}
