import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { WinnowBackfill, type WinnowBackfillProps } from './winnow-backfill';
import { WinnowModeration, type WinnowModerationProps } from './winnow-moderation';
import { type SweepSchedule, WinnowSweeps } from './winnow-sweeps';

/** A sweep of the example stack: the bucket defaults to the created source bucket. */
export interface StackSweepSchedule extends Omit<SweepSchedule, 'bucket'> {
  /**
   * The bucket to sweep; one of the backfill's source buckets.
   *
   * @default - the created source bucket
   */
  readonly bucket?: s3.IBucket;
}

/** Properties of the example stack. */
export interface WinnowStackProps extends StackProps {
  /**
   * Properties of the `WinnowModeration` construct.
   *
   * @default - the construct's defaults
   */
  readonly moderation?: WinnowModerationProps;
  /**
   * Add a `WinnowBackfill` (Step Functions Distributed Map over a bucket listing or an S3 Inventory report):
   * `true` for its defaults, or its properties. Its policy file follows `moderation.policyFile` unless given.
   *
   * @default false (true when a sweep is of kind `backfill`)
   */
  readonly backfill?: boolean | Omit<WinnowBackfillProps, 'moderation'>;
  /**
   * Scheduled sweeps (`WinnowSweeps`, EventBridge Scheduler): `rescan` sweeps invoke the sweep function, `backfill`
   * sweeps start the backfill state machine.
   *
   * @default - none
   */
  readonly sweeps?: readonly StackSweepSchedule[];
}

/** The example deployment: one `WinnowModeration` with its defaults (see infra/app.ts). */
export class WinnowStack extends Stack {
  public readonly moderation: WinnowModeration;
  public readonly backfill?: WinnowBackfill;
  public readonly sweeps?: WinnowSweeps;

  constructor(scope: Construct, id: string, props: WinnowStackProps = {}) {
    super(scope, id, {
      description:
        'Winnow: serverless batch content moderation (Lambda fast tier, GPU workers on ECS, SQS, DynamoDB)',
      ...props,
    });
    this.moderation = new WinnowModeration(this, 'Moderation', props.moderation);
    const m = this.moderation;
    const sweeps = props.sweeps ?? [];
    if (props.backfill || sweeps.some((s) => s.kind === 'backfill')) {
      const options = typeof props.backfill === 'object' ? props.backfill : {};
      this.backfill = new WinnowBackfill(this, 'Backfill', {
        policyFile: props.moderation?.policyFile,
        logLevel: props.moderation?.logLevel,
        logRetention: props.moderation?.logRetention,
        ...options,
        moderation: m,
      });
      new CfnOutput(this, 'BackfillStateMachineArn', {
        value: this.backfill.stateMachine.stateMachineArn,
        description: 'Backfills: start an execution with {"bucket": …, "prefix": …} (docs/deploy-aws.md)',
      });
    }
    if (sweeps.length > 0) {
      this.sweeps = new WinnowSweeps(this, 'Sweeps', {
        moderation: m,
        backfill: this.backfill,
        policyFile: props.moderation?.policyFile,
        logLevel: props.moderation?.logLevel,
        logRetention: props.moderation?.logRetention,
        sweeps: sweeps.map((sweep) => {
          const bucket = sweep.bucket ?? m.sourceBucket;
          if (!bucket)
            throw new Error(`sweep ${sweep.name}: give its bucket (the stack creates no source bucket)`);
          return { ...sweep, bucket };
        }),
      });
    }
    const outputs: Record<string, [string, string]> = {
      SourceBucket: [m.sourceBucket?.bucketName ?? 'none', 'Uploads here are moderated (createSourceBucket)'],
      VerdictTable: [
        m.verdictTable.tableName,
        'Verdicts (partition pk = item URI, sort sk = policy version)',
      ],
      FastQueueUrl: [
        m.fastQueue.queueUrl,
        'Fast tier: S3 events or winnow.job/v1 messages for text and images',
      ],
      HeavyQueueUrl: [m.heavyQueue.queueUrl, 'Heavy tier: winnow.job/v1 messages for the GPU worker'],
      QuarantineBucket: [m.quarantineBucket.bucketName, 'Copies of quarantined objects'],
      ResultsBucket: [m.resultsBucket.bucketName, 'Run outputs and large results'],
      WorkerService: [m.workerService.serviceName, 'ECS service of the GPU worker (0 tasks when idle)'],
      Cluster: [m.cluster.clusterName, 'ECS cluster of the GPU worker'],
    };
    for (const [id, [value, description]] of Object.entries(outputs))
      new CfnOutput(this, id, { value, description });
    if (m.dashboard) {
      new CfnOutput(this, 'DashboardUrl', {
        value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${m.dashboard.dashboardName}`,
        description: 'CloudWatch dashboard',
      });
    }
  }

  /**
   * Two availability zones chosen by CloudFormation at deploy time (`Fn::GetAZs`) instead of CDK's context lookup,
   * which a stack with an explicit account and region would otherwise do: synth never needs AWS credentials.
   */
  override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }
}
