import { VERDICT_EVENT_SOURCE, verdictEventId } from '../core/serverless/apply-actions';
import { parseS3Uri, s3ObjectArn } from '../core/serverless/s3-location';
import { changeSummary, type VerdictChange } from '../core/sweep/verdict-change';

/** The EventBridge `detail-type` of a sweep's changed decision (its `source` is that of verdict events). */
export const SWEEP_CHANGE_DETAIL_TYPE = 'Verdict Changed';
/** The schema id inside each change event's detail. */
export const SWEEP_CHANGE_SCHEMA_ID = 'winnow.verdict-change/v1';

/** One changed decision, as the sweep function publishes it for review. Never content: no signals or evidence. */
export interface SweepChangeEvent {
  readonly source: typeof VERDICT_EVENT_SOURCE;
  readonly detailType: typeof SWEEP_CHANGE_DETAIL_TYPE;
  /** The object's ARN when the item is an S3 object. */
  readonly resources: readonly string[];
  readonly detail: {
    readonly schema: typeof SWEEP_CHANGE_SCHEMA_ID;
    /** The new verdict's outcome id (as in verdict events): the same for a change published again. */
    readonly id: string;
    readonly runId: string;
    /** The schedule's name, when a schedule started the sweep. */
    readonly sweep?: string;
  } & Record<string, unknown>;
}

/** Publishes change events; must be safe to repeat (consumers drop repeats by `detail.id`). */
export interface ChangePublisher {
  publish(event: SweepChangeEvent): Promise<void>;
}

/** The change event of a sweep's changed decision. */
export function sweepChangeEvent(
  change: VerdictChange,
  context: { readonly runId: string; readonly sweep?: string; readonly partition?: string },
): SweepChangeEvent {
  const location = parseS3Uri(change.uri);
  return {
    source: VERDICT_EVENT_SOURCE,
    detailType: SWEEP_CHANGE_DETAIL_TYPE,
    resources: location ? [s3ObjectArn(location, context.partition)] : [],
    detail: {
      schema: SWEEP_CHANGE_SCHEMA_ID,
      id: verdictEventId(change.after),
      runId: context.runId,
      ...(context.sweep ? { sweep: context.sweep } : {}),
      ...changeSummary(change),
    },
  };
}
