import type { ActionTarget, ApplyActionsOptions } from '../core/serverless/apply-actions';
import type { FastTier } from '../core/serverless/fast-tier';
import { runningInLambda } from './config';
import type { Telemetry } from './observability';

/** What the upload and fast-queue handlers use, built once per container by `wiring.ts`. */
export interface ModerationRuntime {
  readonly fastTier: FastTier;
  readonly telemetry: Telemetry;
}

/** What the action handler uses, built once per container by `wiring.ts`. */
export interface ActionRuntime {
  readonly target: ActionTarget;
  /** Status marker, quarantine location, ARN partition and retries; logger and metrics come from telemetry. */
  readonly options: Omit<ApplyActionsOptions, 'logger' | 'metrics'>;
  readonly telemetry: Telemetry;
}

/** Gives a handler its runtime; the same promise on every call once built. */
export type RuntimeProvider<T> = () => Promise<T>;

/**
 * The runtime for a handler module's `handler` export. `wiring.ts` (the AWS SDK clients and adapters) is loaded
 * only when the provider is first called, so tests can import a handler module and build their own handler with
 * stubs; in Lambda the provider is called at once, so models load while the runtime initialises the function
 * (its init phase), not during the first event.
 */
export function lambdaRuntime<T>(build: () => Promise<T>): RuntimeProvider<T> {
  if (runningInLambda()) {
    // Started now; a failure here (bad configuration) surfaces on each invocation, which retries the build.
    build().catch(() => undefined);
  }
  return build;
}
