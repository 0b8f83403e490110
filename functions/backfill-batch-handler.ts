import type { Context } from 'aws-lambda';
import {
  type BackfillBatchDeps,
  type BackfillBatchResult,
  CostCeilingReachedError,
  runBackfillBatch,
} from '../core/serverless/backfill-batch';
import type { Telemetry } from './observability';
import { lambdaRuntime, type RuntimeProvider } from './runtime';

/** What the backfill-batch handler uses, built once per container by `wiring.ts`. */
export interface BackfillRuntime {
  readonly deps: Omit<BackfillBatchDeps, 'logger'>;
  readonly telemetry: Telemetry;
}

/**
 * One batch of a backfill's Distributed Map (`{ "Items": [...], "BatchInput": {...} }`; see
 * `core/serverless/backfill-batch.ts`): returns the batch's counts, or throws
 * - `CostCeilingReached` when the run's dollar ceiling stopped it (the state machine ends the run as stopped at
 *   the ceiling, not failed);
 * - `InvalidBackfillBatchError` for an input of the wrong shape (not retried);
 * - a store or queue error (retried by the state machine).
 */
export function createBackfillBatchHandler(runtime: RuntimeProvider<BackfillRuntime>) {
  return async (event: unknown, context?: Context): Promise<BackfillBatchResult> => {
    const rt = await runtime();
    rt.telemetry.begin(context);
    try {
      const result = await runBackfillBatch(event, { ...rt.deps, logger: rt.telemetry.logger });
      if (result.stopped) throw new CostCeilingReachedError(result);
      return result;
    } finally {
      rt.telemetry.end();
    }
  };
}

export const handler = createBackfillBatchHandler(
  lambdaRuntime(() => import('./wiring').then((w) => w.backfillRuntime())),
);
