import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { LogFields, Logger, LogLevel } from '../core/logging/logger';
import { logSafeFields, silentLogger } from '../core/logging/logger';
import { noMetrics, type ServerlessMetrics } from '../core/serverless/metrics';
import type { FunctionLogLevel } from './config';

/** The CloudWatch namespace of Winnow's metrics. */
export const METRICS_NAMESPACE = 'Winnow';

/** Logging and metrics of one function, per invocation. */
export interface Telemetry {
  /** Core's logger interface, writing Powertools JSON lines (with the request id once {@link begin} ran). */
  readonly logger: Logger;
  readonly metrics: ServerlessMetrics;
  /** Binds the invocation's context (request id, function, cold start) to the log lines. */
  begin(context?: Context): void;
  /** Publishes the metrics the invocation stored. */
  end(): void;
}

/** Telemetry that goes nowhere, for tests. */
export const noTelemetry: Telemetry = {
  logger: silentLogger,
  metrics: noMetrics,
  begin: () => undefined,
  end: () => undefined,
};

/** Powertools' numeric thresholds, to answer core's `enabled(level)`. */
const THRESHOLD: Record<string, number> = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
};

/**
 * Powertools Logger (JSON lines with the Lambda context) and Metrics (CloudWatch EMF, namespace `Winnow`) for one
 * function. Log lines carry ids, codes, counts and versions (item URI, trace id, policy and model versions), never
 * content. Metrics: `ItemsModerated` by `decision`, `ItemErrors` by `code`, `Escalations` by `reason`,
 * `ItemsSkipped` by `reason`, `Actions` by `action` and `outcome`, `Retries` by `step`, `InvalidInputs`, and `ModerationLatency` (ms).
 */
export function createTelemetry(options: {
  readonly service: string;
  readonly level: FunctionLogLevel;
}): Telemetry {
  const powertools = new PowertoolsLogger({
    serviceName: options.service,
    logLevel: options.level.toUpperCase() as Uppercase<FunctionLogLevel>,
  });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: options.service });
  const count = (name: string, dimensions: Record<string, string>): void => {
    const single = metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, MetricUnit.Count, 1);
  };
  return {
    logger: fromPowertools(powertools),
    metrics: {
      verdict: (verdict, durationMs) => {
        count('ItemsModerated', { decision: verdict.decision });
        if (verdict.error) count('ItemErrors', { code: verdict.error.code });
        metrics.addMetric('ModerationLatency', MetricUnit.Milliseconds, Math.round(durationMs));
      },
      escalated: (reason) => count('Escalations', { reason }),
      skipped: (reason) => count('ItemsSkipped', { reason }),
      invalidInput: () => metrics.addMetric('InvalidInputs', MetricUnit.Count, 1),
      action: (action, outcome) => count('Actions', { action, outcome }),
      retried: (step) => count('Retries', { step }),
    },
    begin: (context) => {
      if (!context) return;
      powertools.addContext(context);
      metrics.captureColdStartMetric(context.functionName);
    },
    end: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

/** Core's {@link Logger} over a Powertools logger: fields bound by `child` are merged into every line. */
export function fromPowertools(powertools: PowertoolsLogger, bound: LogFields = {}): Logger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: LogFields): void =>
      powertools[level](msg, logSafeFields({ ...bound, ...fields }));
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => fromPowertools(powertools, { ...bound, ...fields }),
    enabled: (level: Exclude<LogLevel, 'silent'>) =>
      (THRESHOLD[level.toUpperCase()] ?? 0) >= (THRESHOLD[powertools.getLevelName()] ?? 0),
  };
}
