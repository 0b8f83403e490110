import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WinnowModeration, type WinnowModerationProps } from './winnow-moderation';

/** Properties of the example stack. */
export interface WinnowStackProps extends StackProps {
  /**
   * Properties of the `WinnowModeration` construct.
   *
   * @default - the construct's defaults
   */
  readonly moderation?: WinnowModerationProps;
}

/** The example deployment: one `WinnowModeration` with its defaults (see infra/app.ts). */
export class WinnowStack extends Stack {
  public readonly moderation: WinnowModeration;

  constructor(scope: Construct, id: string, props: WinnowStackProps = {}) {
    super(scope, id, {
      description:
        'Winnow: serverless batch content moderation (Lambda fast tier, GPU workers on ECS, SQS, DynamoDB)',
      ...props,
    });
    this.moderation = new WinnowModeration(this, 'Moderation', props.moderation);
    const m = this.moderation;
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
