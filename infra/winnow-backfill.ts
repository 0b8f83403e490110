import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { CACHE_TABLE } from '../adapters/aws/cache-table';
import { ENV } from '../core/config/env-names';
import { BACKFILL_COST_KEY_PREFIX } from '../core/serverless/backfill-batch';
import { suppressBackfillFindings } from './nag-suppressions';
import type { WinnowModeration } from './winnow-moderation';

/** Properties of `WinnowBackfill`. */
export interface WinnowBackfillProps {
  /** The deployment whose image, verdict and cache tables, queues and results bucket the backfill uses. */
  readonly moderation: WinnowModeration;
  /**
   * Buckets a backfill may list (`s3:ListBucket` is granted on these only). An execution naming another bucket
   * fails with access denied.
   *
   * @default - the moderation's created source bucket and its connected source buckets
   */
  readonly sourceBuckets?: s3.IBucket[];
  /**
   * Buckets holding S3 Inventory reports (manifest.json and its CSV data files) a backfill may read instead of
   * listing (`s3:GetObject` on their objects).
   *
   * @default - none: only listing
   */
  readonly inventoryBuckets?: s3.IBucket[];
  /**
   * Objects per Lambda invocation (the Distributed Map's `ItemBatcher.MaxItemsPerBatch`), 1 to 1000.
   *
   * @default 100
   */
  readonly itemsPerBatch?: number;
  /**
   * Batches processed at once (the Distributed Map's `MaxConcurrency`): the backfill's rate limit. Each batch takes
   * about a second, so 10 batches of 100 items send at most about 1,000 jobs a second.
   *
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Percentage of failed batches the run tolerates before it fails. Batches stopped by the cost ceiling count as
   * failed, so the run stops once this share of batches has met the ceiling.
   *
   * @default 5
   */
  readonly toleratedFailurePercentage?: number;
  /**
   * Key prefix of the run reports in the moderation's results bucket (the Distributed Map's `ResultWriter`):
   * `<prefix><map run id>/manifest.json` and the batch results.
   *
   * @default 'backfills/'
   */
  readonly reportPrefix?: string;
  /**
   * The backfill-batch function (`functions/backfill-batch-handler.ts`). It loads no model.
   *
   * @default - 512 MiB, 120 seconds, unreserved
   */
  readonly batchFunction?: {
    readonly memorySize?: number;
    readonly timeout?: Duration;
    readonly reservedConcurrentExecutions?: number;
  };
  /**
   * Policy file of the moderation's functions (`WINNOW_POLICY`), so that "already scored" means a verdict under the
   * policy version they decide under. Pass the same value as `WinnowModerationProps.policyFile`.
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
   * Retention of the function's and the state machine's logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Longest a backfill execution may run.
   *
   * @default Duration.days(7)
   */
  readonly timeout?: Duration;
}

/** The state machine's input (documented in docs/deploy-aws.md, "Backfills and sweeps"). */
export interface BackfillExecutionInput {
  /** Bucket to list (one of `sourceBuckets`); with `manifest`, the default bucket of inventory rows. */
  readonly bucket?: string;
  /** Key prefix to list. Default `''` (the whole bucket). */
  readonly prefix?: string;
  /** An S3 Inventory report (CSV) to read instead of listing: its manifest.json. */
  readonly manifest?: { readonly bucket: string; readonly key: string };
  /** `BackfillFilter` with ISO dates (core/serverless/backfill-batch.ts). Default none. */
  readonly filter?: Record<string, unknown>;
  /** Dollar ceiling of the run (estimated with the cost model). Default none. */
  readonly maxCost?: number;
  /** `backfill` (default) or `sweep`: the jobs' reason. */
  readonly reason?: 'backfill' | 'sweep';
}

const RESULT_WRITER_V2_FLAG = '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2';

/**
 * Backfills on AWS: a Step Functions state machine whose Distributed Map lists a bucket prefix (ListObjectsV2)
 * or reads an S3 Inventory report (manifest.json), batches the objects and hands each batch to the backfill-batch
 * function, which filters them, skips those already scored under the current policy version, checks the run's
 * dollar ceiling and sends `winnow.job/v1` jobs to the fast or heavy queue. The map's results (per-batch counts)
 * are written to the results bucket as the run's report.
 *
 * Outcomes: `Completed`; `StoppedAtCostCeiling` (a clean stop: the run's ledger says the ceiling was reached);
 * `Failed` (anything else, with the map's error).
 */
export class WinnowBackfill extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly batchFunction: lambda.DockerImageFunction;
  public readonly stateMachineLogGroup: logs.LogGroup;
  /** The buckets a backfill may list. */
  public readonly sourceBuckets: readonly s3.IBucket[];

  constructor(scope: Construct, id: string, props: WinnowBackfillProps) {
    super(scope, id);
    // ResultWriterV2 is ignored without this flag; set on this construct only, so the app's other flags stay as they are.
    this.node.setContext(RESULT_WRITER_V2_FLAG, true);
    const m = props.moderation;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const itemsPerBatch = props.itemsPerBatch ?? 100;
    const maxConcurrency = props.maxConcurrency ?? 10;
    const tolerated = props.toleratedFailurePercentage ?? 5;
    const reportPrefix = props.reportPrefix ?? 'backfills/';
    if (!Number.isInteger(itemsPerBatch) || itemsPerBatch < 1 || itemsPerBatch > 1000)
      throw new Error(`itemsPerBatch must be an integer from 1 to 1000, got ${itemsPerBatch}`);
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10000)
      throw new Error(`maxConcurrency must be an integer from 1 to 10000, got ${maxConcurrency}`);
    this.sourceBuckets = props.sourceBuckets ?? [
      ...(m.sourceBucket ? [m.sourceBucket] : []),
      ...m.sourceBuckets.map((c) => c.bucket).filter((b) => b !== m.sourceBucket),
    ];
    if (this.sourceBuckets.length === 0 && (props.inventoryBuckets ?? []).length === 0)
      throw new Error(
        'WinnowBackfill needs sourceBuckets or inventoryBuckets (the moderation has no source bucket)',
      );

    // ------------------------------------------------------------------------------------------------- function
    const fnLogs = new logs.LogGroup(this, 'BatchFunctionLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fnRole = new iam.Role(this, 'BatchFunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Winnow backfill-batch-handler function',
    });
    fnLogs.grantWrite(fnRole);
    this.batchFunction = new lambda.DockerImageFunction(this, 'BatchFunction', {
      code: lambda.DockerImageCode.fromEcr(m.functionsImage.repository, {
        tagOrDigest: m.functionsImage.imageTag,
        cmd: ['dist/functions/backfill-batch-handler.handler'],
      }),
      description:
        'Winnow backfill: filters a batch of listed objects and sends unscored ones to the fast or heavy queue',
      role: fnRole,
      // The image is built for the moderation's architecture.
      architecture: m.uploadFunction.architecture,
      memorySize: props.batchFunction?.memorySize ?? 512,
      timeout: props.batchFunction?.timeout ?? Duration.seconds(120),
      reservedConcurrentExecutions: props.batchFunction?.reservedConcurrentExecutions,
      environment: {
        [ENV.logLevel]: props.logLevel ?? 'info',
        [ENV.verdictTable]: m.verdictTable.tableName,
        [ENV.cacheTable]: m.cacheTable.tableName,
        [ENV.fastQueueUrl]: m.fastQueue.queueUrl,
        [ENV.heavyQueueUrl]: m.heavyQueue.queueUrl,
        ...(props.policyFile ? { [ENV.policyFile]: props.policyFile } : {}),
      },
      logGroup: fnLogs,
    });
    // Verdict reads (skip what is scored), the cost ledger's conditional update and read, and job sends: nothing else.
    iam.Grant.addToPrincipal({
      grantee: this.batchFunction,
      actions: ['dynamodb:GetItem'],
      resourceArns: [m.verdictTable.tableArn],
    });
    iam.Grant.addToPrincipal({
      grantee: this.batchFunction,
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resourceArns: [m.cacheTable.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${BACKFILL_COST_KEY_PREFIX}*`] },
      },
    });
    m.fastQueue.grantSendMessages(this.batchFunction);
    m.heavyQueue.grantSendMessages(this.batchFunction);

    // -------------------------------------------------------------------------------------------- state machine
    const defaults = new sfn.Pass(this, 'Defaults', {
      comment: 'Defaults for the optional input fields',
      result: sfn.Result.fromObject({ prefix: '', filter: {}, maxCost: null, reason: 'backfill' }),
      resultPath: '$.defaults',
    });
    const normalise = new sfn.Pass(this, 'ReadInput', {
      comment: 'The execution input over the defaults',
      parameters: { 'args.$': 'States.JsonMerge($.defaults, $$.Execution.Input, false)' },
      outputPath: '$.args',
    });

    const batchInput = (keyEncoding: 'none' | 'url') => ({
      'bucket.$': '$.bucket',
      'runId.$': '$$.Execution.Name',
      'filter.$': '$.filter',
      'maxCost.$': '$.maxCost',
      'reason.$': '$.reason',
      keyEncoding,
    });
    const makeMap = (mapId: string, itemReader: sfn.IItemReader, keyEncoding: 'none' | 'url') => {
      const map = new sfn.DistributedMap(this, mapId, {
        itemReader,
        itemBatcher: new sfn.ItemBatcher({
          maxItemsPerBatch: itemsPerBatch,
          batchInput: batchInput(keyEncoding),
        }),
        maxConcurrency,
        toleratedFailurePercentage: tolerated,
        mapExecutionType: sfn.StateMachineType.EXPRESS,
        resultWriterV2: new sfn.ResultWriterV2({ bucket: m.resultsBucket, prefix: reportPrefix }),
        resultPath: '$.report',
        label: mapId,
      });
      map.itemProcessor(
        new tasks.LambdaInvoke(this, `${mapId}Batch`, {
          lambdaFunction: this.batchFunction,
          payloadResponseOnly: true,
          retryOnServiceExceptions: true,
        }).addRetry({
          errors: ['TransientStoreError', 'States.Timeout'],
          interval: Duration.seconds(2),
          maxAttempts: 3,
          backoffRate: 2,
        }),
      );
      return map;
    };
    const listMap =
      this.sourceBuckets.length > 0
        ? makeMap(
            'ListObjects',
            new ScopedItemReader(
              new sfn.S3ObjectsItemReader({
                bucketNamePath: sfn.JsonPath.stringAt('$.bucket'),
                prefix: sfn.JsonPath.stringAt('$.prefix'),
              }),
              [
                new iam.PolicyStatement({
                  actions: ['s3:ListBucket'],
                  resources: this.sourceBuckets.map((b) => b.bucketArn),
                }),
              ],
            ),
            'none',
          )
        : undefined;
    const inventoryBuckets = props.inventoryBuckets ?? [];
    const manifestMap =
      inventoryBuckets.length > 0
        ? makeMap(
            'InventoryManifest',
            new ScopedItemReader(
              new sfn.S3ManifestItemReader({
                bucketNamePath: sfn.JsonPath.stringAt('$.manifest.bucket'),
                key: sfn.JsonPath.stringAt('$.manifest.key'),
              }),
              [
                new iam.PolicyStatement({
                  actions: ['s3:GetObject'],
                  resources: inventoryBuckets.map((b) => b.arnForObjects('*')),
                }),
              ],
            ),
            'url',
          )
        : undefined;

    // The ledger says whether the cost ceiling stopped the run (then the map's failure is a clean stop).
    const readLedger = new tasks.DynamoGetItem(this, 'ReadCostLedger', {
      table: m.cacheTable,
      key: {
        [CACHE_TABLE.partitionKey]: tasks.DynamoAttributeValue.fromString(
          sfn.JsonPath.format(`${BACKFILL_COST_KEY_PREFIX}{}`, sfn.JsonPath.executionName),
        ),
      },
      consistentRead: true,
      resultPath: '$.ledger',
    });
    const stopped = new sfn.Succeed(this, 'StoppedAtCostCeiling', {
      comment: 'Stopped at the cost ceiling (maxCost): items past it were not sent',
    });
    const failed = new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const completed = new sfn.Succeed(this, 'Completed');
    const outcome = new sfn.Choice(this, 'Outcome')
      .when(sfn.Condition.isPresent('$.ledger.Item.stoppedAt'), stopped)
      .when(sfn.Condition.isPresent('$.error'), failed)
      .otherwise(completed);
    readLedger.next(outcome);
    for (const map of [listMap, manifestMap]) {
      map?.addCatch(readLedger, { errors: ['States.ALL'], resultPath: '$.error' });
      map?.next(readLedger);
    }

    const definition = defaults.next(normalise).next(
      new sfn.Choice(this, 'Source')
        .when(
          sfn.Condition.isPresent('$.manifest'),
          manifestMap ??
            new sfn.Fail(this, 'NoInventoryBuckets', {
              error: 'InventoryNotEnabled',
              cause: 'this deployment has no inventoryBuckets: list a bucket instead',
            }),
        )
        .otherwise(
          listMap ??
            new sfn.Fail(this, 'NoSourceBuckets', {
              error: 'ListingNotEnabled',
              cause: 'this deployment has no sourceBuckets: give an inventory manifest instead',
            }),
        ),
    );

    this.stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: 'Winnow backfill: list or read an inventory, filter, skip scored items, enqueue jobs',
      timeout: props.timeout ?? Duration.days(7),
      tracingEnabled: true,
      // Every event, without execution data: inputs and outputs hold object keys.
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    suppressBackfillFindings(
      this,
      m,
      inventoryBuckets,
      [listMap && 'ListObjects', manifestMap && 'InventoryManifest'].filter((l): l is string => !!l),
    );
  }
}

/**
 * An item reader whose IAM statements are the given ones: the stock readers grant `s3:ListBucket` on `*` when the
 * bucket comes from the execution input, whereas a backfill may only read the buckets it was given.
 */
class ScopedItemReader implements sfn.IItemReader {
  constructor(
    private readonly inner: sfn.IItemReader,
    private readonly statements: iam.PolicyStatement[],
  ) {}

  get bucket(): s3.IBucket {
    return this.inner.bucket;
  }
  get bucketNamePath(): string | undefined {
    return this.inner.bucketNamePath;
  }
  get resource(): string {
    return this.inner.resource;
  }
  get maxItems(): number | undefined {
    return this.inner.maxItems;
  }
  render(queryLanguage?: sfn.QueryLanguage): unknown {
    return this.inner.render(queryLanguage);
  }
  providePolicyStatements(): iam.PolicyStatement[] {
    return this.statements;
  }
  validateItemReader(): string[] {
    return this.inner.validateItemReader();
  }
}
