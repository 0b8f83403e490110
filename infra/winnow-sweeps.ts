import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../core/config/env-names';
import { suppressSweepFindings } from './nag-suppressions';
import type { BackfillExecutionInput, WinnowBackfill } from './winnow-backfill';
import type { WinnowModeration } from './winnow-moderation';

/** One scheduled sweep. */
export interface SweepSchedule {
  /** Names the schedule (letters, digits, `-`, `_`, `.`), e.g. `nightly-rescan`. */
  readonly name: string;
  /**
   * What the sweep does.
   * - `rescan`: the sweep function moves the latest verdict of every object under the bucket prefix to the
   *   deployed policy and detectors: re-decided from stored scores when only thresholds, actions or categories
   *   changed, re-scored (text and images in the function, audio and video through the heavy queue) when the scores
   *   may change. Only changed decisions are announced (`Verdict Changed` events). Objects without a verdict are
   *   not its business.
   * - `backfill`: starts the backfill state machine over the prefix (jobs with reason `sweep`), which scores the
   *   objects without a verdict under the current policy version: objects the event path missed. It re-scores
   *   objects decided under an older version with the models too, so schedule it after the `rescan`.
   */
  readonly kind: 'rescan' | 'backfill';
  /** The bucket to sweep: a source bucket of the moderation (for `backfill`, one of the backfill's `sourceBuckets`). */
  readonly bucket: s3.IBucket;
  /**
   * Key prefix to sweep.
   *
   * @default - the whole bucket
   */
  readonly prefix?: string;
  /**
   * When it runs.
   *
   * @default scheduler.ScheduleExpression.rate(Duration.days(1)) (daily)
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /**
   * Dollars one run may spend, estimated with the cost model. `rescan`: re-scores past it wait for the next run
   * (re-decisions cost nothing and go on); `backfill`: the backfill's `maxCost`.
   *
   * @default - no ceiling
   */
  readonly budgetDollars?: number;
  /**
   * `backfill` only: which objects it takes, a `BackfillFilter` with ISO dates (see docs/deploy-aws.md).
   *
   * @default - every object under the prefix
   */
  readonly filter?: Record<string, unknown>;
}

/** Properties of `WinnowSweeps`. */
export interface WinnowSweepsProps {
  /** The deployment whose image, verdict and cache tables, heavy queue and event bus the sweep function uses. */
  readonly moderation: WinnowModeration;
  /**
   * The backfill whose state machine `backfill` sweeps start.
   *
   * @default - none: only `rescan` sweeps
   */
  readonly backfill?: WinnowBackfill;
  /** The sweeps, one EventBridge Scheduler schedule each. */
  readonly sweeps: readonly SweepSchedule[];
  /**
   * The sweep function (`functions/sweep-handler.ts`): it loads the fast tier's models. A run stops taking verdicts
   * 30 seconds before the timeout and the next run goes on where it left off.
   *
   * @default - 2048 MiB, 15 minutes, reserved concurrency 1 (runs never overlap)
   */
  readonly sweepFunction?: {
    readonly memorySize?: number;
    readonly timeout?: Duration;
    readonly reservedConcurrentExecutions?: number;
  };
  /**
   * Policy file of the moderation's functions (`WINNOW_POLICY`): verdicts move to this policy. Pass the same value as
   * `WinnowModerationProps.policyFile`.
   *
   * @default - the bundled `policies/default.yaml`
   */
  readonly policyFile?: string;
  /**
   * Log level of the function (`WINNOW_LOG_LEVEL`).
   *
   * @default 'info'
   */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Retention of the function's logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Create the schedules enabled.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How long the scheduler retries a start that failed (throttling, a full account quota).
   *
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/** The sweep function's input (functions/sweep-handler.ts). */
export interface SweepFunctionInput {
  readonly sweep: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly maxCost?: number;
}

/**
 * Scheduled sweeps: one EventBridge Scheduler schedule per sweep. `rescan` schedules invoke the sweep function
 * (created when there is one) with `{ sweep, bucket, prefix, maxCost }`; `backfill` schedules start the backfill
 * state machine (`reason: 'sweep'`). The schedules share one role that may only invoke that function and start
 * that state machine; starts that fail every retry land in a dead-letter queue.
 */
export class WinnowSweeps extends Construct {
  public readonly schedules: scheduler.Schedule[] = [];
  /** The role EventBridge Scheduler assumes: invoke the sweep function, start the backfill state machine. */
  public readonly schedulerRole: iam.Role;
  /** Schedule invocations that failed every retry. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The re-scan sweep function, when a sweep is a `rescan`. */
  public readonly sweepFunction?: lambda.DockerImageFunction;

  constructor(scope: Construct, id: string, props: WinnowSweepsProps) {
    super(scope, id);
    const m = props.moderation;
    const moderated = m.sourceBuckets.map((c) => c.bucket);
    const names = new Set<string>();
    for (const sweep of props.sweeps) {
      if (!/^[A-Za-z0-9_.-]{1,40}$/.test(sweep.name))
        throw new Error(`sweep name ${JSON.stringify(sweep.name)}: 1–40 letters, digits, - _ .`);
      if (names.has(sweep.name)) throw new Error(`two sweeps are named ${sweep.name}`);
      names.add(sweep.name);
      if (sweep.kind === 'backfill') {
        if (!props.backfill) throw new Error(`sweep ${sweep.name}: a backfill sweep needs the backfill`);
        if (!props.backfill.sourceBuckets.includes(sweep.bucket))
          throw new Error(`sweep ${sweep.name}: its bucket is not one of the backfill's sourceBuckets`);
      } else {
        if (!moderated.includes(sweep.bucket))
          throw new Error(`sweep ${sweep.name}: its bucket is not one of the moderation's sourceBuckets`);
        if (sweep.filter) throw new Error(`sweep ${sweep.name}: filter applies to backfill sweeps only`);
      }
      if (sweep.budgetDollars !== undefined && !(sweep.budgetDollars > 0))
        throw new Error(`sweep ${sweep.name}: budgetDollars must be positive`);
    }

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Only schedules of this account may assume it (confused-deputy protection).
        conditions: { StringEquals: { 'aws:SourceAccount': m.verdictTable.stack.account } },
      }),
      description: 'Winnow sweeps: EventBridge Scheduler invokes the sweep function or starts the backfill',
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const rescans = props.sweeps.filter((s) => s.kind === 'rescan');
    if (rescans.length > 0) this.sweepFunction = this.createFunction(props, rescans);

    const retry = {
      role: this.schedulerRole,
      deadLetterQueue: this.deadLetterQueue,
      maxEventAge: props.maxEventAge ?? Duration.hours(1),
      retryAttempts: 3,
    };
    for (const sweep of props.sweeps) {
      let target: scheduler.IScheduleTarget;
      if (sweep.kind === 'rescan' && this.sweepFunction) {
        const input: SweepFunctionInput = {
          sweep: sweep.name,
          bucket: sweep.bucket.bucketName,
          prefix: sweep.prefix ?? '',
          ...(sweep.budgetDollars !== undefined ? { maxCost: sweep.budgetDollars } : {}),
        };
        target = new targets.LambdaInvoke(this.sweepFunction, {
          ...retry,
          input: scheduler.ScheduleTargetInput.fromObject(input),
        });
      } else {
        const input: BackfillExecutionInput & { sweep: Record<string, unknown> } = {
          bucket: sweep.bucket.bucketName,
          prefix: sweep.prefix ?? '',
          reason: 'sweep',
          ...(sweep.filter ? { filter: sweep.filter } : {}),
          ...(sweep.budgetDollars !== undefined ? { maxCost: sweep.budgetDollars } : {}),
          sweep: { name: sweep.name, kind: sweep.kind },
        };
        target = new targets.StepFunctionsStartExecution((props.backfill as WinnowBackfill).stateMachine, {
          ...retry,
          input: scheduler.ScheduleTargetInput.fromObject(input),
        });
      }
      this.schedules.push(
        new scheduler.Schedule(this, `Sweep-${sweep.name}`, {
          schedule: sweep.schedule ?? scheduler.ScheduleExpression.rate(Duration.days(1)),
          description: `Winnow ${sweep.kind} sweep ${sweep.name}`,
          enabled: props.enabled ?? true,
          target,
        }),
      );
    }
    suppressSweepFindings(this, props.moderation, rescans);
  }

  /** The sweep function, allowed exactly what a re-scan of these sweeps' prefixes needs. */
  private createFunction(
    props: WinnowSweepsProps,
    rescans: readonly SweepSchedule[],
  ): lambda.DockerImageFunction {
    const m = props.moderation;
    const logGroup = new logs.LogGroup(this, 'SweepFunctionLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'SweepFunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Winnow sweep-handler function',
    });
    logGroup.grantWrite(role);
    const fn = new lambda.DockerImageFunction(this, 'SweepFunction', {
      code: lambda.DockerImageCode.fromEcr(m.functionsImage.repository, {
        tagOrDigest: m.functionsImage.imageTag,
        cmd: ['dist/functions/sweep-handler.handler'],
      }),
      description:
        'Winnow re-scan sweep: moves verdicts to the deployed policy, re-deciding from stored scores where it can',
      role,
      // The image is built for the moderation's architecture.
      architecture: m.uploadFunction.architecture,
      memorySize: props.sweepFunction?.memorySize ?? 2048,
      timeout: props.sweepFunction?.timeout ?? Duration.minutes(15),
      reservedConcurrentExecutions: props.sweepFunction?.reservedConcurrentExecutions ?? 1,
      environment: {
        [ENV.logLevel]: props.logLevel ?? 'info',
        [ENV.stateDir]: '/tmp/winnow',
        [ENV.executionProvider]: 'cpu',
        [ENV.verdictTable]: m.verdictTable.tableName,
        [ENV.cacheTable]: m.cacheTable.tableName,
        [ENV.heavyQueueUrl]: m.heavyQueue.queueUrl,
        [ENV.eventBusName]: m.eventBus.eventBusName,
        ...m.bankEnvironment,
        ...(props.policyFile ? { [ENV.policyFile]: props.policyFile } : {}),
      },
      logGroup,
    });
    // Re-scored images and videos are matched against the hash banks, as the fast tier matches them.
    m.grantBankRead(fn);
    // A failed run is not repeated at once: the next scheduled run goes on where it stopped.
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    // Verdicts: the latest of each item (a query of its partition, then a get), the table scan that lists them, the
    // conditional write of the new verdict. No index: the sweep filters nothing by decision or run.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
      resourceArns: [m.verdictTable.tableArn],
    });
    // The content cache, as the fast tier uses it.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resourceArns: [m.cacheTable.tableArn],
    });
    // Objects are read to re-score them, only under the sweeps' prefixes.
    for (const sweep of rescans) {
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['s3:GetObject'],
        resourceArns: [sweep.bucket.arnForObjects(`${sweep.prefix ?? ''}*`)],
      });
      sweep.bucket.encryptionKey?.grantDecrypt(fn);
    }
    m.heavyQueue.grantSendMessages(fn);
    m.eventBus.grantPutEventsTo(fn);
    return fn;
  }
}
