import { Duration, IgnoreMode, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CACHE_TABLE } from '../adapters/aws/cache-table';
import { VERDICT_TABLE } from '../adapters/aws/verdict-table';
import { ENV } from '../core/config/env-names';
import { suppressConstructFindings, suppressSourceBucketFindings } from './nag-suppressions';
import {
  dockerContextExcludes,
  FUNCTIONS_DOCKERFILE,
  findSourceRoot,
  WORKER_DOCKERFILE,
} from './source-root';

/** CPU architecture of the Lambda functions. */
export type WinnowArchitecture = 'x86_64' | 'arm64';

/** Where a source bucket's ObjectCreated events go. */
export type SourceNotificationTarget = 'upload-function' | 'fast-queue';

/** How the action function marks a moderated object (`WINNOW_STATUS_MARKER`). */
export type StatusMarker = 'tag' | 'metadata';

/** Sizing of one Lambda function. */
export interface WinnowFunctionOptions {
  /**
   * Memory in MiB. Lambda gives CPU in proportion (1,769 MiB is one vCPU), and the ONNX models are CPU-bound.
   *
   * @default - per function; see the `WinnowModerationProps` property that takes these options
   */
  readonly memorySize?: number;
  /**
   * Maximum run time of one invocation.
   *
   * @default - per function; see the `WinnowModerationProps` property that takes these options
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency: caps the function (protecting DynamoDB and downstream systems) and guarantees it that much
   * of the account's concurrency. Leave unset on new accounts, whose total concurrency can be as low as 10.
   *
   * @default - unreserved (the account's shared pool)
   */
  readonly reservedConcurrentExecutions?: number;
}

/** Options of `WinnowModeration.addSourceBucket`. */
export interface SourceBucketOptions {
  /**
   * Only objects whose key starts with this prefix are moderated: it filters the event notification and scopes the
   * IAM grants on the bucket to `prefix*`.
   *
   * @default - the whole bucket
   */
  readonly prefix?: string;
  /**
   * Where the bucket's ObjectCreated events go: `upload-function` invokes the upload function directly (lowest
   * latency); `fast-queue` sends them to the fast queue, where the fast-queue function takes them in batches (better
   * for bulk uploads: buffering, batching and bounded concurrency).
   *
   * @default 'upload-function'
   */
  readonly notify?: SourceNotificationTarget;
}

/** Properties of `WinnowModeration`. Every property is optional: the defaults deploy a complete, idle-cheap stack. */
export interface WinnowModerationProps {
  /**
   * Create a new, private source bucket whose uploads are moderated. Existing buckets are connected with
   * `addSourceBucket`, with or without this one.
   *
   * @default true
   */
  readonly createSourceBucket?: boolean;
  /**
   * CPU architecture of the Lambda functions. `arm64` is about 20% cheaper per GB-second; the image is then built for
   * arm64, which needs an arm64 Docker host or QEMU emulation (buildx) on the deploying machine.
   *
   * @default 'x86_64'
   */
  readonly lambdaArchitecture?: WinnowArchitecture;
  /**
   * The upload function (`functions/upload-handler.ts`), invoked by S3 ObjectCreated events.
   *
   * @default - 2048 MiB, 60 seconds, unreserved
   */
  readonly uploadFunction?: WinnowFunctionOptions;
  /**
   * The fast-queue function (`functions/fast-queue-handler.ts`), which takes batches from the fast queue.
   *
   * @default - 2048 MiB, 120 seconds, unreserved
   */
  readonly fastQueueFunction?: WinnowFunctionOptions;
  /**
   * The action function (`functions/action-handler.ts`), which runs the verdicts' actions (tag, quarantine copy,
   * EventBridge event) from the verdict table's stream.
   *
   * @default - 512 MiB, 60 seconds, unreserved
   */
  readonly actionFunction?: WinnowFunctionOptions;
  /**
   * Messages per fast-queue function invocation.
   *
   * @default 10
   */
  readonly fastQueueBatchSize?: number;
  /**
   * Most fast-queue function instances the SQS event source runs at once (2 to 1000).
   *
   * @default 10
   */
  readonly fastQueueMaxConcurrency?: number;
  /**
   * Receives before a message moves to its queue's dead-letter queue (both queues). The GPU worker writes an `error`
   * verdict on the last receive (`WINNOW_MAX_RECEIVES` is set to this).
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Age of the fast queue's oldest message above which its alarm fires.
   *
   * @default Duration.minutes(15)
   */
  readonly fastQueueMaxAge?: Duration;
  /**
   * Age of the heavy queue's oldest message above which its alarm fires. Leave room for a cold start from zero GPU
   * instances (instance launch and a multi-gigabyte image pull: several minutes) and for long videos.
   *
   * @default Duration.hours(1)
   */
  readonly heavyQueueMaxAge?: Duration;
  /**
   * VPC of the GPU instances. The Lambda functions are not placed in a VPC.
   *
   * @default - a new VPC over two availability zones with public subnets only, no NAT gateway, and free gateway
   * endpoints for S3 and DynamoDB (see docs/deploy-aws.md for why)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of the GPU instances. They need a route to ECR, SQS, ECS and CloudWatch: public subnets with public IPs
   * (the default), or private subnets with a NAT gateway or interface endpoints.
   *
   * @default - the VPC's public subnets
   */
  readonly workerSubnets?: ec2.SubnetSelection;
  /**
   * Give each GPU instance a public IPv4 address (no inbound rule allows any traffic to it). Turn off with private
   * `workerSubnets`.
   *
   * @default true
   */
  readonly workerAssignPublicIp?: boolean;
  /**
   * GPU instance types the Auto Scaling group may launch, in priority order for on-demand capacity. Several types
   * deepen the spot pools. Each must have at least one NVIDIA GPU and be x86_64 (the worker image is amd64).
   *
   * @default ['g4dn.xlarge', 'g5.xlarge', 'g6.xlarge']
   */
  readonly workerInstanceTypes?: string[];
  /**
   * Machine image of the GPU instances.
   *
   * @default ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU) (Amazon Linux 2 reached end of support in June 2026)
   */
  readonly workerMachineImage?: ec2.IMachineImage;
  /**
   * Run the GPU instances on spot capacity (about 60-70% cheaper). The worker loses nothing to an interruption: ECS
   * drains the instance on the two-minute notice, the worker finishes or hands back its jobs, and SQS redelivers.
   *
   * @default true
   */
  readonly workerSpot?: boolean;
  /**
   * On-demand instances kept in the group's base before any spot instance: a floor that spot shortages cannot take
   * away. Counts against scale to zero only while instances run.
   *
   * @default 0
   */
  readonly workerOnDemandBaseCapacity?: number;
  /**
   * Percentage of instances above the base that are on-demand. Raise it (up to 100) when spot capacity for the
   * chosen types is short in the region: the group does not switch to on-demand by itself.
   *
   * @default - 0 with `workerSpot`, otherwise 100
   */
  readonly workerOnDemandPercentageAboveBaseCapacity?: number;
  /**
   * Most GPU worker tasks (and instances: one task per GPU instance).
   *
   * @default 4
   */
  readonly workerMaxTasks?: number;
  /**
   * Jobs one worker task handles at once (`WINNOW_WORKER_CONCURRENCY`).
   *
   * @default 4
   */
  readonly workerConcurrency?: number;
  /**
   * Waiting (visible) heavy-queue messages that justify one more task: each scale-out adds
   * `ceil(visible / workerBacklogPerTask)` tasks.
   *
   * @default 16
   */
  readonly workerBacklogPerTask?: number;
  /**
   * Time after a scale-out before the next one. Cover a cold start (instance launch, image pull, model load), or
   * waiting messages keep adding tasks that are still starting.
   *
   * @default Duration.minutes(5)
   */
  readonly workerScaleOutCooldown?: Duration;
  /**
   * How long the heavy queue must hold nothing, neither visible nor in flight, before the worker scales to zero.
   * Because in-flight messages count, a scale-in never interrupts a job.
   *
   * @default Duration.minutes(15)
   */
  readonly workerScaleInAfterIdle?: Duration;
  /**
   * CPU units reserved for a worker task (1024 per vCPU).
   *
   * @default 2048
   */
  readonly workerCpu?: number;
  /**
   * Memory reserved for a worker task (soft limit), MiB. Must fit the smallest instance type's ECS-registered memory.
   *
   * @default 12288
   */
  readonly workerMemoryReservationMiB?: number;
  /**
   * Root EBS volume of each GPU instance (encrypted gp3), GiB: the CUDA image alone is several gigabytes.
   *
   * @default 100
   */
  readonly workerRootVolumeGiB?: number;
  /**
   * Visibility timeout of the heavy queue and of each job the worker receives (`WINNOW_VISIBILITY_TIMEOUT_SEC`); the
   * worker's heartbeat extends it while a job runs.
   *
   * @default Duration.seconds(120)
   */
  readonly workerVisibilityTimeout?: Duration;
  /**
   * How long in-flight jobs may run on after SIGTERM (`WINNOW_DRAIN_TIMEOUT_SEC`). The container's stop timeout is
   * this plus 30 seconds, at most 120 seconds, so it fits EC2's two-minute spot interruption notice.
   *
   * @default Duration.seconds(90)
   */
  readonly workerDrainTimeout?: Duration;
  /**
   * How the action function marks moderated objects in the source buckets: `tag` (S3 object tags) or `metadata`
   * (a copy in place with new metadata, which also grants the action function `s3:PutObject` on the sources).
   *
   * @default 'tag'
   */
  readonly statusMarker?: StatusMarker;
  /**
   * EventBridge bus that receives verdict events from the action function.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * SNS topic notified when an alarm fires or recovers.
   *
   * @default - alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Create the CloudWatch dashboard ($3 a month beyond the free tier of three dashboards).
   *
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * CloudWatch namespace of the functions' metrics (`ItemsModerated` by `decision`, `Escalations`, `Actions`,
   * `ItemErrors`; see functions/observability.ts), which the dashboard graphs.
   *
   * @default 'Winnow'
   */
  readonly metricsNamespace?: string;
  /**
   * Retention of the functions' and the worker's logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Policy file for both tiers (`WINNOW_POLICY`), as a path inside the images relative to the application root
   * (`/var/task` in the functions, `/app` in the worker), e.g. `policies/strict.yaml`: put the file under
   * `policies/` and both images carry it. The fast and heavy tiers must decide under the same policy.
   *
   * @default - the bundled `policies/default.yaml`
   */
  readonly policyFile?: string;
  /**
   * Create a bucket for hash banks (lists of known PDQ, MD5, SHA-256 and vPDQ hashes) and point the upload,
   * fast-queue and sweep functions and the GPU worker at it (`WINNOW_BANK_LOCATION`; the bank registry lives in the
   * cache table). Fill it with `winnow bank import <name> <file> --aws <bucket>/hash-banks --aws-table <cache table>`.
   *
   * @default true
   */
  readonly hashBanks?: boolean;
  /**
   * How often the functions and the worker check the banks' versions (`WINNOW_BANK_REFRESH_SEC`): a hash added or
   * removed takes effect for new items within this time.
   *
   * @default Duration.seconds(60)
   */
  readonly hashBankRefresh?: Duration;
  /**
   * Log level of the functions and the worker (`WINNOW_LOG_LEVEL`).
   *
   * @default 'info'
   */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * What `cdk destroy` does to the data: the verdict table and the created buckets (source, results, quarantine,
   * logs). The cache table, queues and log groups are always deleted (derived or transient data).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Repository root: the Docker build context of the function and worker images.
   *
   * @default - the nearest directory above this file with `package.json` and `gpu-worker/Dockerfile`
   */
  readonly sourceRoot?: string;
}

/** One connected source bucket. */
export interface SourceBucketConnection {
  readonly bucket: s3.IBucket;
  readonly prefix?: string;
  readonly notify: SourceNotificationTarget;
}

const DEFAULT_INSTANCE_TYPES = ['g4dn.xlarge', 'g5.xlarge', 'g6.xlarge'];
/** The largest step the scale-out policy distinguishes; larger backlogs add this many tasks per cooldown. */
const MAX_SCALE_OUT_STEP = 10;
/** Paths inside the worker image (gpu-worker/Dockerfile). */
const WORKER_HEALTH_FILE = '/tmp/winnow/health.json';
/** Lambda's only writable directory. */
const LAMBDA_STATE_DIR = '/tmp/winnow';

/**
 * Winnow on AWS: S3 uploads moderated by Lambda (fast tier: text and images), video, audio and uncertain items by
 * GPU containers on ECS (heavy tier) fed through SQS, verdicts in DynamoDB, actions (tag, quarantine copy,
 * EventBridge event) from the verdict table's stream, with alarms and a dashboard. Everything scales to zero.
 *
 * - S3 ObjectCreated → upload function (or, with `notify: 'fast-queue'`, → fast queue → fast-queue function);
 * - the fast tier writes a verdict, or sends a `winnow.job/v1` job to the heavy queue → GPU worker → verdict;
 * - verdict table stream → action function → S3 tags, quarantine copies, EventBridge events.
 */
export class WinnowModeration extends Construct {
  /** The bucket created for uploads (`createSourceBucket`), if any. */
  public readonly sourceBucket?: s3.Bucket;
  /** Bucket where run outputs and large results are written (`WINNOW_RESULTS_BUCKET`). */
  public readonly resultsBucket: s3.Bucket;
  /** Bucket the quarantine action copies flagged objects to (`WINNOW_QUARANTINE_LOCATION`). */
  public readonly quarantineBucket: s3.Bucket;
  /** Hash-bank entry snapshots under `hash-banks/` (`hashBanks`), if created. */
  public readonly bankBucket?: s3.Bucket;
  /**
   * The environment that points a function or worker at the hash banks (empty without `hashBanks`); the
   * {@link WinnowSweeps} function uses it too.
   */
  public readonly bankEnvironment: Readonly<Record<string, string>>;
  /** Server access logs of the created buckets (and the VPC's flow logs when the VPC is created here). */
  public readonly logBucket: s3.Bucket;
  /**
   * Verdicts: partition `pk` (item URI), sort `sk` (policy version), GSIs `byDecision` (`decision`, `createdAt`) and
   * `byRun` (`runId`, `createdAt`); its stream (new and old images) feeds the action function.
   */
  public readonly verdictTable: dynamodb.Table;
  /** Content cache: partition `pk`, TTL attribute `expiresAt`. */
  public readonly cacheTable: dynamodb.Table;
  /** Fast tier: S3 events or `winnow.job/v1` messages for text and images. */
  public readonly fastQueue: sqs.Queue;
  public readonly fastDeadLetterQueue: sqs.Queue;
  /** Heavy tier: `winnow.job/v1` messages for the GPU worker. */
  public readonly heavyQueue: sqs.Queue;
  public readonly heavyDeadLetterQueue: sqs.Queue;
  /** Verdict stream records the action function failed on every retry. */
  public readonly actionDeadLetterQueue: sqs.Queue;
  public readonly uploadFunction: lambda.DockerImageFunction;
  public readonly fastQueueFunction: lambda.DockerImageFunction;
  public readonly actionFunction: lambda.DockerImageFunction;
  /** The image all three functions run (built from `functions/Dockerfile` at deploy time). */
  public readonly functionsImage: ecrAssets.DockerImageAsset;
  /** The GPU worker's image (built from `gpu-worker/Dockerfile` at deploy time). */
  public readonly workerImage: ecrAssets.DockerImageAsset;
  public readonly vpc: ec2.IVpc;
  public readonly cluster: ecs.Cluster;
  public readonly workerAutoScalingGroup: autoscaling.AutoScalingGroup;
  public readonly workerCapacityProvider: ecs.AsgCapacityProvider;
  public readonly workerTaskDefinition: ecs.Ec2TaskDefinition;
  public readonly workerContainer: ecs.ContainerDefinition;
  public readonly workerService: ecs.Ec2Service;
  /** Desired-count scaling of the worker service (0 to `workerMaxTasks`). */
  public readonly workerScalableTarget: appscaling.ScalableTarget;
  public readonly eventBus: events.IEventBus;
  /** Every alarm this construct created, for wiring to other notification channels. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard?: cloudwatch.Dashboard;

  private readonly props: WinnowModerationProps;
  private readonly connections: SourceBucketConnection[] = [];

  constructor(scope: Construct, id: string, props: WinnowModerationProps = {}) {
    super(scope, id);
    this.props = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const logLevel = props.logLevel ?? 'info';
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const sourceRoot = props.sourceRoot ?? findSourceRoot();
    const excludes = dockerContextExcludes(sourceRoot);

    // ---------------------------------------------------------------------------------------------------- storage
    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      ...privateBucketDefaults(removalPolicy),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-logs', expiration: Duration.days(90) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    const loggedBucket = (id: string, extra: Partial<s3.BucketProps> = {}) => {
      const bucket = new s3.Bucket(this, id, { ...privateBucketDefaults(removalPolicy), ...extra });
      this.enableAccessLogs(bucket, `${id}/`);
      return bucket;
    };
    this.resultsBucket = loggedBucket('ResultsBucket');
    this.quarantineBucket = loggedBucket('QuarantineBucket', { versioned: true });
    if (props.hashBanks ?? true) this.bankBucket = loggedBucket('BankBucket', { versioned: true });

    // Key and index names come from the DynamoDB adapter (adapters/aws/verdict-table.ts, cache-table.ts), so the
    // tables and the code that reads them cannot drift apart.
    this.verdictTable = new dynamodb.Table(this, 'VerdictTable', {
      partitionKey: { name: VERDICT_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: VERDICT_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The action function reads the stream; the old image lets it skip re-running actions on an unchanged outcome.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy,
    });
    for (const index of [VERDICT_TABLE.byDecision, VERDICT_TABLE.byRun]) {
      this.verdictTable.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        // Only the small filter attributes: an index write costs about one unit whatever the verdict's size.
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.nonKeyAttributes],
      });
    }
    this.cacheTable = new dynamodb.Table(this, 'CacheTable', {
      partitionKey: { name: CACHE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: CACHE_TABLE.ttlAttribute,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // ----------------------------------------------------------------------------------------------------- queues
    const fastTimeout = props.fastQueueFunction?.timeout ?? Duration.seconds(120);
    const workerVisibility = props.workerVisibilityTimeout ?? Duration.seconds(120);
    this.fastDeadLetterQueue = deadLetterQueue(this, 'FastDeadLetterQueue');
    this.fastQueue = new sqs.Queue(this, 'FastQueue', {
      ...queueDefaults(),
      // AWS's advice for Lambda event sources: six times the function timeout, so retries of a batch stay hidden.
      visibilityTimeout: Duration.seconds(Math.min(fastTimeout.toSeconds() * 6, 12 * 60 * 60)),
      deadLetterQueue: { queue: this.fastDeadLetterQueue, maxReceiveCount },
    });
    this.heavyDeadLetterQueue = deadLetterQueue(this, 'HeavyDeadLetterQueue');
    this.heavyQueue = new sqs.Queue(this, 'HeavyQueue', {
      ...queueDefaults(),
      visibilityTimeout: workerVisibility,
      deadLetterQueue: { queue: this.heavyDeadLetterQueue, maxReceiveCount },
    });
    this.actionDeadLetterQueue = deadLetterQueue(this, 'ActionDeadLetterQueue');

    // -------------------------------------------------------------------------------------------------- functions
    const architecture =
      props.lambdaArchitecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64;
    this.functionsImage = new ecrAssets.DockerImageAsset(this, 'FunctionsImage', {
      directory: sourceRoot,
      file: FUNCTIONS_DOCKERFILE,
      exclude: excludes,
      ignoreMode: IgnoreMode.DOCKER,
      platform:
        architecture === lambda.Architecture.ARM_64
          ? ecrAssets.Platform.LINUX_ARM64
          : ecrAssets.Platform.LINUX_AMD64,
      displayName: 'winnow-functions',
    });
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultEventBus', 'default');

    const policyEnvironment: Record<string, string> = props.policyFile
      ? { [ENV.policyFile]: props.policyFile }
      : {};
    const commonEnvironment: Record<string, string> = {
      [ENV.logLevel]: logLevel,
      [ENV.stateDir]: LAMBDA_STATE_DIR,
      [ENV.executionProvider]: 'cpu',
      ...policyEnvironment,
    };
    this.bankEnvironment = this.bankBucket
      ? {
          [ENV.bankLocation]: `${this.bankBucket.bucketName}/${BANK_PREFIX}`,
          [ENV.bankTable]: this.cacheTable.tableName,
          [ENV.bankRefreshSec]: String((props.hashBankRefresh ?? Duration.seconds(60)).toSeconds()),
        }
      : {};
    const producerEnvironment: Record<string, string> = {
      ...commonEnvironment,
      ...this.bankEnvironment,
      [ENV.verdictTable]: this.verdictTable.tableName,
      [ENV.cacheTable]: this.cacheTable.tableName,
      [ENV.heavyQueueUrl]: this.heavyQueue.queueUrl,
      [ENV.resultsBucket]: this.resultsBucket.bucketName,
      // Objects there are quarantine copies, never moderated again.
      [ENV.quarantineLocation]: this.quarantineBucket.bucketName,
    };
    const makeFunction = (
      id: string,
      handlerFile: string,
      options: WinnowFunctionOptions | undefined,
      defaults: { memorySize: number; timeout: Duration },
      environment: Record<string, string>,
      description: string,
    ) => {
      const logGroup = new logs.LogGroup(this, `${id}Logs`, {
        retention: logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // Its own role, allowed to write to its own log group only (instead of AWSLambdaBasicExecutionRole, which lets
      // it create any log group); every other permission is granted below.
      const role = new iam.Role(this, `${id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Winnow ${handlerFile} function`,
      });
      logGroup.grantWrite(role);
      return new lambda.DockerImageFunction(this, id, {
        code: lambda.DockerImageCode.fromEcr(this.functionsImage.repository, {
          tagOrDigest: this.functionsImage.imageTag,
          cmd: [`dist/functions/${handlerFile}.handler`],
        }),
        description,
        role,
        architecture,
        memorySize: options?.memorySize ?? defaults.memorySize,
        timeout: options?.timeout ?? defaults.timeout,
        reservedConcurrentExecutions: options?.reservedConcurrentExecutions,
        environment,
        logGroup,
      });
    };

    this.uploadFunction = makeFunction(
      'UploadFunction',
      'upload-handler',
      props.uploadFunction,
      { memorySize: 2048, timeout: Duration.seconds(60) },
      producerEnvironment,
      'Winnow fast path: moderates S3 uploads (text, images), routes video/audio/uncertain items to the heavy queue',
    );
    this.fastQueueFunction = makeFunction(
      'FastQueueFunction',
      'fast-queue-handler',
      props.fastQueueFunction,
      { memorySize: 2048, timeout: fastTimeout },
      producerEnvironment,
      'Winnow fast tier: moderates batches of S3 events and job messages from the fast queue',
    );
    this.actionFunction = makeFunction(
      'ActionFunction',
      'action-handler',
      props.actionFunction,
      { memorySize: 512, timeout: Duration.seconds(60) },
      {
        ...commonEnvironment,
        [ENV.quarantineLocation]: this.quarantineBucket.bucketName,
        [ENV.statusMarker]: props.statusMarker ?? 'tag',
        [ENV.eventBusName]: this.eventBus.eventBusName,
      },
      "Winnow actions: tags, quarantine copies and EventBridge events from the verdict table's stream",
    );

    // Upload events that fail every asynchronous retry land in the fast dead-letter queue (as Lambda's destination
    // record, with the S3 event in `requestPayload`), so they raise the same alarm as failed fast-queue messages.
    this.uploadFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.fastDeadLetterQueue),
    });
    this.fastQueueFunction.addEventSource(
      new eventSources.SqsEventSource(this.fastQueue, {
        batchSize: props.fastQueueBatchSize ?? 10,
        maxConcurrency: props.fastQueueMaxConcurrency ?? 10,
        reportBatchItemFailures: true,
      }),
    );
    this.actionFunction.addEventSource(
      new eventSources.DynamoEventSource(this.verdictTable, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 25,
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: new eventSources.SqsDlq(this.actionDeadLetterQueue),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('INSERT', 'MODIFY') })],
      }),
    );

    for (const producer of [this.uploadFunction, this.fastQueueFunction]) {
      // The fast tier reads a verdict (idempotency) and writes one conditionally; the cache likewise.
      grantItems(producer, this.verdictTable, VERDICT_ITEM_ACTIONS);
      grantItems(producer, this.cacheTable, CACHE_ITEM_ACTIONS);
      this.heavyQueue.grantSendMessages(producer);
      grantObjects(producer, this.resultsBucket, RESULTS_ACTIONS);
      this.grantBankRead(producer);
    }
    // The fast-queue function consumes the fast queue through its event source, which grants that; nothing here
    // sends to it (S3 notifications with `notify: 'fast-queue'` and backfills do).
    // The action function reads verdicts from the stream only (its event source grants that), never the table.
    grantObjects(this.actionFunction, this.quarantineBucket, QUARANTINE_ACTIONS);
    // A quarantine copy first heads its destination (an existing copy is not made again); listing makes a missing
    // one a 404 rather than a 403.
    grantList(this.actionFunction, this.quarantineBucket);
    this.eventBus.grantPutEventsTo(this.actionFunction);

    // ------------------------------------------------------------------------------------------------- GPU worker
    this.workerImage = new ecrAssets.DockerImageAsset(this, 'WorkerImage', {
      directory: sourceRoot,
      file: WORKER_DOCKERFILE,
      exclude: excludes,
      ignoreMode: IgnoreMode.DOCKER,
      platform: ecrAssets.Platform.LINUX_AMD64,
      displayName: 'winnow-gpu-worker',
    });
    this.vpc = props.vpc ?? this.createVpc();
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      // Container Insights bills custom metrics and log ingestion continuously; the dashboard uses free metrics.
      containerInsightsV2: ecs.ContainerInsights.DISABLED,
    });

    const workerSecurityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: this.vpc,
      description: 'Winnow GPU worker instances: no inbound traffic; outbound HTTPS to AWS APIs and ECR',
      allowAllOutbound: true,
    });
    const instanceRole = new iam.Role(this, 'WorkerInstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Winnow GPU instances: ECS agent only (tasks use their own task role)',
    });
    const spot = props.workerSpot ?? true;
    const userData = ec2.UserData.forLinux();
    // The GPU AMI turns GPU scheduling on by default; stated here as well so a custom `workerMachineImage` gets it.
    // ecs.Cluster appends the cluster name to the same file. It adds spot draining only for a group with a spot
    // price (not for a mixed instances policy), so it is set here: on the two-minute notice ECS drains the instance
    // and the worker gets SIGTERM with the container's stop timeout to finish or hand back its jobs.
    userData.addCommands('echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config');
    if (spot) userData.addCommands('echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config');
    const launchTemplate = new ec2.LaunchTemplate(this, 'WorkerLaunchTemplate', {
      machineImage:
        props.workerMachineImage ?? ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
      userData,
      role: instanceRole,
      securityGroup: workerSecurityGroup,
      // IMDSv2 only, with a hop limit of 1: containers (bridge network, one hop further) cannot get a token, so the
      // worker cannot borrow the instance role; it uses its task role.
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      associatePublicIpAddress: props.workerAssignPublicIp ?? true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.workerRootVolumeGiB ?? 100, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    const maxTasks = props.workerMaxTasks ?? 4;
    this.workerAutoScalingGroup = new autoscaling.AutoScalingGroup(this, 'WorkerAutoScalingGroup', {
      vpc: this.vpc,
      vpcSubnets: props.workerSubnets ?? { subnetType: ec2.SubnetType.PUBLIC },
      minCapacity: 0,
      maxCapacity: maxTasks,
      capacityRebalance: spot,
      groupMetrics: [autoscaling.GroupMetrics.all()],
      mixedInstancesPolicy: {
        launchTemplate,
        launchTemplateOverrides: (props.workerInstanceTypes ?? DEFAULT_INSTANCE_TYPES).map((type) => ({
          instanceType: new ec2.InstanceType(type),
        })),
        instancesDistribution: {
          onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
          onDemandBaseCapacity: props.workerOnDemandBaseCapacity ?? 0,
          onDemandPercentageAboveBaseCapacity:
            props.workerOnDemandPercentageAboveBaseCapacity ?? (spot ? 0 : 100),
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
      },
    });
    this.workerCapacityProvider = new ecs.AsgCapacityProvider(this, 'WorkerCapacityProvider', {
      autoScalingGroup: this.workerAutoScalingGroup,
      enableManagedScaling: true,
      enableManagedTerminationProtection: true,
      enableManagedDraining: true,
      targetCapacityPercent: 100,
    });
    this.cluster.addAsgCapacityProvider(this.workerCapacityProvider);

    this.workerTaskDefinition = new ecs.Ec2TaskDefinition(this, 'WorkerTaskDefinition', {
      // Bridge mode uses the instance's network (and public IP); awsvpc ENIs on EC2 get no public IP.
      networkMode: ecs.NetworkMode.BRIDGE,
    });
    const drain = props.workerDrainTimeout ?? Duration.seconds(90);
    const stopTimeout = Duration.seconds(Math.min(drain.toSeconds() + 30, 120));
    this.workerContainer = this.workerTaskDefinition.addContainer('worker', {
      image: ecs.ContainerImage.fromDockerImageAsset(this.workerImage),
      gpuCount: 1,
      cpu: props.workerCpu ?? 2048,
      memoryReservationMiB: props.workerMemoryReservationMiB ?? 12288,
      essential: true,
      stopTimeout,
      environment: {
        [ENV.queueUrl]: this.heavyQueue.queueUrl,
        [ENV.deadLetterQueueUrl]: this.heavyDeadLetterQueue.queueUrl,
        [ENV.awsRegion]: Stack.of(this).region,
        [ENV.workerConcurrency]: String(props.workerConcurrency ?? 4),
        [ENV.visibilityTimeoutSec]: String(workerVisibility.toSeconds()),
        [ENV.pollWaitSec]: '20',
        [ENV.drainTimeoutSec]: String(drain.toSeconds()),
        [ENV.maxReceives]: String(maxReceiveCount),
        [ENV.healthFile]: WORKER_HEALTH_FILE,
        [ENV.executionProvider]: 'cuda',
        [ENV.logLevel]: logLevel,
        [ENV.verdictTable]: this.verdictTable.tableName,
        [ENV.cacheTable]: this.cacheTable.tableName,
        [ENV.resultsBucket]: this.resultsBucket.bucketName,
        ...this.bankEnvironment,
        ...policyEnvironment,
      },
      // The image's HEALTHCHECK, repeated here because ECS ignores the image's own.
      healthCheck: {
        command: ['CMD', 'node', '/app/dist/gpu-worker/healthcheck.js'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        startPeriod: Duration.seconds(120),
        retries: 3,
      },
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'gpu-worker',
        logGroup: new logs.LogGroup(this, 'WorkerLogs', {
          retention: logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      }),
    });
    const taskRole = this.workerTaskDefinition.taskRole;
    this.heavyQueue.grantConsumeMessages(taskRole);
    // Invalid messages are moved to the dead-letter queue at once (gpu-worker/README.md).
    this.heavyDeadLetterQueue.grantSendMessages(taskRole);
    // The job handler also looks up an item's latest verdict (a Query on the table, not on an index).
    grantItems(taskRole, this.verdictTable, [...VERDICT_ITEM_ACTIONS, 'dynamodb:Query']);
    grantItems(taskRole, this.cacheTable, CACHE_ITEM_ACTIONS);
    grantObjects(taskRole, this.resultsBucket, RESULTS_ACTIONS);
    this.grantBankRead(taskRole);

    this.workerService = new ecs.Ec2Service(this, 'WorkerService', {
      cluster: this.cluster,
      taskDefinition: this.workerTaskDefinition,
      // The scaling policies own the count; a deploy resets it to 0 and the scale-out alarm, still in ALARM while
      // messages wait, raises it again within a minute.
      desiredCount: 0,
      capacityProviderStrategies: [
        { capacityProvider: this.workerCapacityProvider.capacityProviderName, weight: 1 },
      ],
      // One GPU per instance: replace tasks in place during deploys instead of launching extra GPU instances.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // The cluster's capacity-provider association must exist before the service names the provider (and outlive
    // it on delete); CDK adds the association late, without that ordering.
    this.workerService.node.addDependency(this.cluster);
    this.workerScalableTarget = this.scaleWorkerOnQueue(maxTasks);

    // ---------------------------------------------------------------------------------------- sources, monitoring
    if (props.createSourceBucket ?? true) {
      this.sourceBucket = loggedBucket('SourceBucket');
      this.addSourceBucket(this.sourceBucket);
    }
    this.createAlarms();
    if (props.dashboard ?? true) this.dashboard = this.createDashboard();
    suppressConstructFindings(this);
  }

  /** The source buckets connected so far, with their prefixes and notification targets. */
  public get sourceBuckets(): readonly SourceBucketConnection[] {
    return [...this.connections];
  }

  /**
   * Moderates a bucket's new objects: ObjectCreated events (under `prefix`) go to the upload function or the fast
   * queue, and the functions, the worker and the action function get the access they need, scoped to `prefix*`:
   * read for the function and worker; read plus object tagging (plus `s3:PutObject` with the `metadata` marker) for
   * the action function. Works for buckets created elsewhere (`s3.Bucket.fromBucketName`); for an SSE-KMS bucket,
   * import it with `fromBucketAttributes({ encryptionKey })` so that decrypt is granted too.
   */
  public addSourceBucket(bucket: s3.IBucket, options: SourceBucketOptions = {}): void {
    const notify = options.notify ?? 'upload-function';
    const keys = `${options.prefix ?? ''}*`;
    const filters: s3.NotificationKeyFilter[] = options.prefix ? [{ prefix: options.prefix }] : [];
    const destination =
      notify === 'fast-queue'
        ? new s3n.SqsDestination(this.fastQueue)
        : new s3n.LambdaDestination(this.uploadFunction);
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, ...filters);

    const readers: iam.IGrantable[] = [
      this.uploadFunction,
      this.fastQueueFunction,
      this.workerTaskDefinition.taskRole,
    ];
    for (const reader of readers) grantObjects(reader, bucket, ['s3:GetObject'], keys);
    // The action function reads the object (the quarantine copy's source) and marks it.
    const markerActions = ['s3:GetObject', ...TAG_ACTIONS];
    if ((this.props.statusMarker ?? 'tag') === 'metadata') markerActions.push('s3:PutObject');
    grantObjects(this.actionFunction, bucket, markerActions, keys);
    if (bucket.encryptionKey && (this.props.statusMarker ?? 'tag') === 'metadata') {
      bucket.encryptionKey.grantEncrypt(this.actionFunction);
    }
    // Listing lets a missing object read as 404 (an `unreadable` verdict or a skipped action that says so) instead
    // of 403.
    for (const grantee of [...readers, this.actionFunction]) grantList(grantee, bucket, options.prefix);
    this.connections.push({ bucket, prefix: options.prefix, notify });
    suppressSourceBucketFindings(this, bucket, keys);
  }

  /**
   * Server access logs delivered under a bucket policy (the log bucket has ACLs disabled). Set on the L1 resource
   * because `serverAccessLogsBucket` falls back to a log-delivery ACL unless the app enables the
   * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` feature flag, and the construct must not depend on the app's flags.
   */
  /**
   * Lets `grantee` read the hash-bank snapshots under `hash-banks/`. The bank registry is an item of the cache
   * table, which every Winnow role that matches banks already reads (`dynamodb:GetItem`).
   */
  grantBankRead(grantee: iam.IGrantable): void {
    if (this.bankBucket) grantObjects(grantee, this.bankBucket, ['s3:GetObject'], `${BANK_PREFIX}*`);
  }

  private enableAccessLogs(bucket: s3.Bucket, prefix: string): void {
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.logBucket.bucketName,
      logFilePrefix: prefix,
    };
    this.logBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.logBucket.arnForObjects(`${prefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }

  private createVpc(): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      // Nothing uses the default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toS3(this.logBucket, 'vpc-flow-logs/'),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  /**
   * Step scaling on the heavy queue, in two policies with their own alarms:
   * - out: when messages wait (visible; a busy worker only receives as many as it has free slots, so waiting
   *   messages mean every running task is full), add `ceil(visible / backlogPerTask)` tasks, at most
   *   `MAX_SCALE_OUT_STEP`, then wait `workerScaleOutCooldown`. From zero tasks the same rule starts the first.
   * - in: when nothing is visible or in flight for `workerScaleInAfterIdle`, set the count to 0. Scale-in happens
   *   only with no job in flight, so it never interrupts one.
   * Target tracking cannot start from zero tasks, and backlog per running task needs a task-count metric that only
   * Container Insights (billed) provides; these two policies need only the queue's free metrics.
   */
  private scaleWorkerOnQueue(maxTasks: number): appscaling.ScalableTarget {
    const target = new appscaling.ScalableTarget(this, 'WorkerScalableTarget', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${this.cluster.clusterName}/${this.workerService.serviceName}`,
      minCapacity: 0,
      maxCapacity: maxTasks,
    });
    target.node.addDependency(this.workerService);
    const backlogPerTask = this.props.workerBacklogPerTask ?? 16;
    const minute = Duration.minutes(1);
    const visible = this.heavyQueue.metricApproximateNumberOfMessagesVisible({
      period: minute,
      statistic: 'Maximum',
    });
    const inFlight = this.heavyQueue.metricApproximateNumberOfMessagesNotVisible({
      period: minute,
      statistic: 'Maximum',
    });

    const scaleOut = new appscaling.StepScalingAction(this, 'WorkerScaleOut', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: this.props.workerScaleOutCooldown ?? Duration.minutes(5),
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    // The alarm's threshold is 1 task to add; bounds are relative to it: [0,1) adds 1, [1,2) adds 2, ...
    const steps = Math.max(1, Math.min(maxTasks, MAX_SCALE_OUT_STEP));
    for (let k = 1; k <= steps; k++) {
      scaleOut.addAdjustment({ adjustment: k, lowerBound: k - 1, upperBound: k < steps ? k : undefined });
    }
    const tasksToAdd = new cloudwatch.MathExpression({
      expression: `CEIL(FILL(visible, 0) / ${backlogPerTask})`,
      usingMetrics: { visible },
      period: minute,
      label: 'GPU worker tasks to add (waiting messages / backlog per task)',
    });
    const scaleOutAlarm = tasksToAdd.createAlarm(this, 'WorkerScaleOutAlarm', {
      alarmDescription: `Heavy-queue messages are waiting: add one GPU worker task per ${backlogPerTask} waiting messages`,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    scaleOutAlarm.addAlarmAction(new cwActions.ApplicationScalingAction(scaleOut));

    const scaleIn = new appscaling.StepScalingAction(this, 'WorkerScaleIn', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      cooldown: Duration.minutes(1),
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    scaleIn.addAdjustment({ adjustment: 0, upperBound: 0 });
    const idleMinutes = Math.max(
      1,
      Math.round((this.props.workerScaleInAfterIdle ?? Duration.minutes(15)).toMinutes()),
    );
    const backlog = new cloudwatch.MathExpression({
      expression: 'FILL(visible, 0) + FILL(inFlight, 0)',
      usingMetrics: { visible, inFlight },
      period: minute,
      label: 'Heavy-queue messages waiting or in flight',
    });
    const scaleInAlarm = backlog.createAlarm(this, 'WorkerScaleInAlarm', {
      alarmDescription: `The heavy queue has been empty for ${idleMinutes} minutes: scale the GPU worker to zero`,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: idleMinutes,
      datapointsToAlarm: idleMinutes,
      // SQS stops publishing metrics for a queue idle for six hours, long after this alarm has scaled to zero.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    scaleInAlarm.addAlarmAction(new cwActions.ApplicationScalingAction(scaleIn));
    return target;
  }

  private createAlarms(): void {
    const addAlarm = (alarm: cloudwatch.Alarm) => {
      if (this.props.alarmTopic) {
        const action = new cwActions.SnsAction(this.props.alarmTopic);
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      this.alarms.push(alarm);
    };
    const dlqs: Array<[string, sqs.Queue, string]> = [
      [
        'FastDeadLetterQueueAlarm',
        this.fastDeadLetterQueue,
        'fast-tier messages or upload events failed every retry',
      ],
      ['HeavyDeadLetterQueueAlarm', this.heavyDeadLetterQueue, 'heavy-tier job messages were dead-lettered'],
      ['ActionDeadLetterQueueAlarm', this.actionDeadLetterQueue, 'verdict actions failed every retry'],
    ];
    for (const [id, queue, what] of dlqs) {
      addAlarm(
        queue
          .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
          .createAlarm(this, id, {
            alarmDescription: `Winnow: ${what} (dead-letter queue not empty)`,
            threshold: 0,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
    }
    const ages: Array<[string, sqs.Queue, Duration]> = [
      ['FastQueueAgeAlarm', this.fastQueue, this.props.fastQueueMaxAge ?? Duration.minutes(15)],
      ['HeavyQueueAgeAlarm', this.heavyQueue, this.props.heavyQueueMaxAge ?? Duration.hours(1)],
    ];
    for (const [id, queue, maxAge] of ages) {
      addAlarm(
        queue
          .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' })
          .createAlarm(this, id, {
            alarmDescription: `Winnow: the oldest message has waited over ${maxAge.toHumanString()}`,
            threshold: maxAge.toSeconds(),
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
    }
  }

  /**
   * Every series of one of the functions' metrics (Powertools EMF, one series per dimension value such as
   * `decision`), found by a CloudWatch SEARCH so the dashboard shows whatever dimension values exist.
   */
  private searchMetric(metricName: string): cloudwatch.MathExpression {
    const namespace = this.props.metricsNamespace ?? 'Winnow';
    return new cloudwatch.MathExpression({
      expression: `SEARCH('Namespace="${namespace}" MetricName="${metricName}"', 'Sum', 300)`,
      period: Duration.minutes(5),
      label: '',
    });
  }

  private createDashboard(): cloudwatch.Dashboard {
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const queueDepth = (queue: sqs.Queue, name: string) => [
      queue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: 'Maximum',
        label: `${name} waiting`,
      }),
      queue.metricApproximateNumberOfMessagesNotVisible({
        period: minute,
        statistic: 'Maximum',
        label: `${name} in flight`,
      }),
    ];
    const functions: Array<[string, lambda.IFunction]> = [
      ['upload', this.uploadFunction],
      ['fast-queue', this.fastQueueFunction],
      ['action', this.actionFunction],
    ];
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: [...queueDepth(this.fastQueue, 'fast'), ...queueDepth(this.heavyQueue, 'heavy')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues',
        left: [
          this.fastDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            label: 'fast DLQ',
          }),
          this.heavyDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            label: 'heavy DLQ',
          }),
          this.actionDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            label: 'action DLQ',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of oldest message (s)',
        left: [
          this.fastQueue.metricApproximateAgeOfOldestMessage({ period: minute, label: 'fast' }),
          this.heavyQueue.metricApproximateAgeOfOldestMessage({ period: minute, label: 'heavy' }),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda invocations and errors',
        left: functions.map(([name, fn]) =>
          fn.metricInvocations({ period: fiveMinutes, label: `${name} invocations` }),
        ),
        right: [
          ...functions.map(([name, fn]) => fn.metricErrors({ period: fiveMinutes, label: `${name} errors` })),
          ...functions.map(([name, fn]) =>
            fn.metricThrottles({ period: fiveMinutes, label: `${name} throttles` }),
          ),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p50 / p99 (ms)',
        left: functions.flatMap(([name, fn]) => [
          fn.metricDuration({ period: fiveMinutes, statistic: 'p50', label: `${name} p50` }),
          fn.metricDuration({ period: fiveMinutes, statistic: 'p99', label: `${name} p99` }),
        ]),
        width: 12,
      }),
    );
    const asgName = this.workerAutoScalingGroup.autoScalingGroupName;
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'GPU worker: instances (one task each)',
        left: [
          new cloudwatch.Metric({
            namespace: 'AWS/AutoScaling',
            metricName: 'GroupInServiceInstances',
            dimensionsMap: { AutoScalingGroupName: asgName },
            period: minute,
            statistic: 'Maximum',
            label: 'in service',
          }),
          new cloudwatch.Metric({
            namespace: 'AWS/AutoScaling',
            metricName: 'GroupDesiredCapacity',
            dimensionsMap: { AutoScalingGroupName: asgName },
            period: minute,
            statistic: 'Maximum',
            label: 'desired',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'GPU worker: CPU and memory utilization (%)',
        left: [
          this.workerService.metricCpuUtilization({ period: minute, label: 'CPU' }),
          this.workerService.metricMemoryUtilization({ period: minute, label: 'memory' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Verdicts by decision (fast tier)',
        left: [this.searchMetric('ItemsModerated')],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Escalations to the heavy tier',
        left: [this.searchMetric('Escalations')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Actions by outcome',
        left: [this.searchMetric('Actions')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Item errors by code',
        left: [this.searchMetric('ItemErrors')],
        width: 8,
      }),
    );
    return dashboard;
  }
}

/** Object actions on the results bucket: read and write run outputs (multipart uploads included). */
const RESULTS_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'];
/** Key prefix of the hash-bank snapshots in the bank bucket (the S3 + DynamoDB bank store's default). */
const BANK_PREFIX = 'hash-banks/';
/** Object actions on the quarantine bucket: head and copy in (the copy takes no tags, so no tagging actions). */
const QUARANTINE_ACTIONS = ['s3:GetObject', 's3:PutObject'];
/** Object actions of the `tag` status marker (read the object's tags, write them back merged). */
const TAG_ACTIONS = ['s3:GetObjectTagging', 's3:PutObjectTagging'];

/** Item actions of the verdict store's `get(uri, version)` and conditional `put` (adapters/aws). */
const VERDICT_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem'];
/** Item actions of the content cache. */
const CACHE_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem'];

/**
 * Grants exactly `actions` on the table itself. CDK's `grantReadWriteData` would add batch, scan, update and delete
 * actions and every index (`<table>/index/*`), none of which the deployed code uses (index queries are the CLI's).
 */
function grantItems(grantee: iam.IGrantable, table: dynamodb.ITable, actions: string[]): void {
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [table.tableArn] });
}

/**
 * Grants exactly `actions` on the bucket's objects matching `keys` (and decrypt, for a bucket with a known KMS key).
 * CDK's `grantRead`/`grantPut` would add wildcard actions (`s3:GetObject*`, `s3:GetBucket*`, `s3:List*`, `s3:Abort*`)
 * that Winnow does not need.
 */
function grantObjects(grantee: iam.IGrantable, bucket: s3.IBucket, actions: string[], keys = '*'): void {
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [bucket.arnForObjects(keys)] });
  if (bucket.encryptionKey) bucket.encryptionKey.grantDecrypt(grantee);
}

/** `s3:ListBucket` on the bucket, limited to listing under `prefix` when there is one. */
function grantList(grantee: iam.IGrantable, bucket: s3.IBucket, prefix?: string): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:ListBucket'],
    resourceArns: [bucket.bucketArn],
    conditions: prefix ? { StringLike: { 's3:prefix': [`${prefix}*`] } } : undefined,
  });
}

function privateBucketDefaults(removalPolicy: RemovalPolicy): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    removalPolicy,
    lifecycleRules: [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ],
  };
}

function queueDefaults(): sqs.QueueProps {
  return { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };
}

function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, { ...queueDefaults(), retentionPeriod: Duration.days(14) });
}
