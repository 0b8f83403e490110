import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CACHE_TABLE } from '../../../adapters/aws/cache-table';
import { VERDICT_TABLE } from '../../../adapters/aws/verdict-table';
import { ENV } from '../../../core/config/env-names';
import { WinnowStack } from '../../../infra/winnow-stack';
import { actionsOn, logicalId, roleStatements, testApp } from './template-helpers';

// One synthesised stack, with the construct's defaults, shared by every test in this file.
const app = testApp();
const stack = new WinnowStack(app, 'Winnow');
const m = stack.moderation;
const template = Template.fromStack(stack);
const json = template.toJSON();
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);

const sourceBucket = () => {
  if (!m.sourceBucket) throw new Error('the default stack creates a source bucket');
  return m.sourceBucket;
};
const functionRole = (fn: { role?: Parameters<typeof logicalId>[1] }) => {
  if (!fn.role) throw new Error('function without a role');
  return id(fn.role);
};

describe('queues', () => {
  it('creates the fast and heavy queues, each with a dead-letter queue, plus the action DLQ', () => {
    template.resourceCountIs('AWS::SQS::Queue', 5);
    for (const [queue, dlq] of [
      [m.fastQueue, m.fastDeadLetterQueue],
      [m.heavyQueue, m.heavyDeadLetterQueue],
    ] as const) {
      expect(json.Resources[id(queue)].Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [id(dlq), 'Arn'] },
        maxReceiveCount: 5,
      });
    }
    for (const dlq of [m.fastDeadLetterQueue, m.heavyDeadLetterQueue, m.actionDeadLetterQueue]) {
      expect(json.Resources[id(dlq)].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('sizes visibility timeouts: the worker heartbeat period, and six times the fast-queue function timeout', () => {
    expect(json.Resources[id(m.heavyQueue)].Properties.VisibilityTimeout).toBe(120);
    expect(json.Resources[id(m.fastQueue)].Properties.VisibilityTimeout).toBe(6 * 120);
  });

  it('encrypts every queue and denies requests without TLS', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    for (const queue of Object.values(queues)) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    for (const queueId of Object.keys(queues)) {
      const policy = policies.find((p) =>
        (p.Properties.Queues as Array<{ Ref: string }>).some((q) => q.Ref === queueId),
      );
      expect(policy?.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });
});

describe('buckets', () => {
  const buckets = template.findResources('AWS::S3::Bucket');

  it('creates the source, results, quarantine, hash-bank and log buckets', () => {
    expect(Object.keys(buckets).sort()).toEqual(
      [
        sourceBucket(),
        m.resultsBucket,
        m.quarantineBucket,
        m.bankBucket as NonNullable<typeof m.bankBucket>,
        m.logBucket,
      ]
        .map(id)
        .sort(),
    );
  });

  it('blocks all public access, encrypts, and denies requests without TLS, on every bucket', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    for (const [bucketId, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
      const policy = policies.find((p) => p.Properties.Bucket.Ref === bucketId);
      expect(policy?.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });

  it('logs access to the data buckets in the log bucket, under a bucket policy (ACLs stay disabled)', () => {
    for (const bucket of [sourceBucket(), m.resultsBucket, m.quarantineBucket]) {
      expect(json.Resources[id(bucket)].Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: id(m.logBucket) },
        LogFilePrefix: expect.stringMatching(/\/$/),
      });
    }
    expect(json.Resources[id(m.logBucket)].Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
  });

  it('keeps the data when the stack is destroyed', () => {
    for (const bucket of [sourceBucket(), m.resultsBucket, m.quarantineBucket]) {
      expect(json.Resources[id(bucket)].DeletionPolicy).toBe('Retain');
    }
    expect(json.Resources[id(m.verdictTable)].DeletionPolicy).toBe('Retain');
    expect(json.Resources[id(m.cacheTable)].DeletionPolicy).toBe('Delete');
  });
});

describe('tables', () => {
  it('creates the verdict table with the adapter’s keys, both indexes, PITR, encryption and a stream', () => {
    const index = (i: typeof VERDICT_TABLE.byDecision | typeof VERDICT_TABLE.byRun) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' },
        { AttributeName: i.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...i.nonKeyAttributes] },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byDecision',
          KeySchema: [
            { AttributeName: 'decision', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        }),
      ]),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(json.Resources[id(m.verdictTable)].Properties.GlobalSecondaryIndexes).toEqual([
      index(VERDICT_TABLE.byDecision),
      index(VERDICT_TABLE.byRun),
    ]);
  });

  it('creates the cache table keyed by pk with TTL on expiresAt', () => {
    expect(CACHE_TABLE.ttlAttribute).toBe('expiresAt');
    expect(json.Resources[id(m.cacheTable)].Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('functions', () => {
  const fn = (f: typeof m.uploadFunction) => json.Resources[id(f)].Properties;

  it('runs the three handlers from one container image built from functions/Dockerfile on Node.js 22', () => {
    template.resourceCountIs('AWS::Lambda::Function', 4); // + CDK's S3 notifications handler
    for (const [f, file] of [
      [m.uploadFunction, 'upload-handler'],
      [m.fastQueueFunction, 'fast-queue-handler'],
      [m.actionFunction, 'action-handler'],
    ] as const) {
      expect(fn(f)).toMatchObject({
        PackageType: 'Image',
        Architectures: ['x86_64'],
        ImageConfig: { Command: [`dist/functions/${file}.handler`] },
      });
      expect(fn(f).Code.ImageUri).toEqual(fn(m.uploadFunction).Code.ImageUri);
    }
    // The image's base is the nodejs22.x runtime (a zip function would say `Runtime: nodejs22.x`).
    const dockerfile = readFileSync(join(__dirname, '../../../functions/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=public\.ecr\.aws\/lambda\/nodejs:22$/m);
    expect(dockerfile).toMatch(/^FROM \$\{BASE_IMAGE\}$/m);
  });

  it('ships the cost model files in both images, where createCostModel looks for them', () => {
    for (const file of ['functions/Dockerfile', 'gpu-worker/Dockerfile']) {
      const dockerfile = readFileSync(join(__dirname, '../../../', file), 'utf8');
      expect(dockerfile).toMatch(/^COPY .*\/core\/cost\/aws-prices\.json \.\/core\/cost\/aws-prices\.json$/m);
      expect(dockerfile).toMatch(/^COPY .*\/bench\/measured\.json \.\/bench\/measured\.json$/m);
      expect(dockerfile).toMatch(/^COPY .*package\.json/m);
    }
  });

  it('sizes the functions from their defaults', () => {
    expect(fn(m.uploadFunction)).toMatchObject({ MemorySize: 2048, Timeout: 60 });
    expect(fn(m.fastQueueFunction)).toMatchObject({ MemorySize: 2048, Timeout: 120 });
    expect(fn(m.actionFunction)).toMatchObject({ MemorySize: 512, Timeout: 60 });
    for (const f of [m.uploadFunction, m.fastQueueFunction, m.actionFunction]) {
      expect(fn(f).ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('sets the environment the handlers read, by the shared names', () => {
    const moderation = {
      [ENV.verdictTable]: { Ref: id(m.verdictTable) },
      [ENV.cacheTable]: { Ref: id(m.cacheTable) },
      [ENV.heavyQueueUrl]: { Ref: id(m.heavyQueue) },
      [ENV.resultsBucket]: { Ref: id(m.resultsBucket) },
      [ENV.quarantineLocation]: { Ref: id(m.quarantineBucket) },
      [ENV.stateDir]: '/tmp/winnow',
      [ENV.executionProvider]: 'cpu',
      [ENV.logLevel]: 'info',
      [ENV.bankLocation]: {
        'Fn::Join': ['', [{ Ref: id(m.bankBucket as NonNullable<typeof m.bankBucket>) }, '/hash-banks/']],
      },
      [ENV.bankTable]: { Ref: id(m.cacheTable) },
      [ENV.bankRefreshSec]: '60',
    };
    expect(fn(m.uploadFunction).Environment.Variables).toEqual(moderation);
    expect(fn(m.fastQueueFunction).Environment.Variables).toEqual(moderation);
    expect(fn(m.actionFunction).Environment.Variables).toEqual({
      [ENV.quarantineLocation]: { Ref: id(m.quarantineBucket) },
      [ENV.statusMarker]: 'tag',
      [ENV.eventBusName]: 'default',
      [ENV.stateDir]: '/tmp/winnow',
      [ENV.executionProvider]: 'cpu',
      [ENV.logLevel]: 'info',
    });
    // AWS_REGION is reserved: the Lambda runtime sets it.
    expect(fn(m.uploadFunction).Environment.Variables[ENV.awsRegion]).toBeUndefined();
  });

  it('sends the source bucket’s ObjectCreated events to the upload function', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: id(sourceBucket()) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            LambdaFunctionArn: { 'Fn::GetAtt': [id(m.uploadFunction), 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [id(m.uploadFunction), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [id(sourceBucket()), 'Arn'] },
    });
  });

  it('retries failed upload events twice, then parks them in the fast dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(m.uploadFunction) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(m.fastDeadLetterQueue), 'Arn'] } } },
    });
  });

  it('feeds the fast queue to the fast-queue function in batches with partial failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(m.fastQueueFunction) },
      EventSourceArn: { 'Fn::GetAtt': [id(m.fastQueue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('feeds inserted and modified verdicts from the stream to the action function, failures to its DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(m.actionFunction) },
      EventSourceArn: { 'Fn::GetAtt': [id(m.verdictTable), 'StreamArn'] },
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'] }) }] },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [id(m.actionDeadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('gives each function its own log group with a retention', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 4); // three functions + the worker
    for (const f of [m.uploadFunction, m.fastQueueFunction, m.actionFunction]) {
      const group = fn(f).LoggingConfig.LogGroup.Ref as string;
      expect(json.Resources[group].Properties.RetentionInDays).toBe(30);
    }
  });
});

describe('GPU worker', () => {
  it('runs on a GPU Auto Scaling group from zero, spot first, across GPU instance types', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '4',
      CapacityRebalance: true,
      NewInstancesProtectedFromScaleIn: true,
      MixedInstancesPolicy: {
        InstancesDistribution: {
          OnDemandBaseCapacity: 0,
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: 'price-capacity-optimized',
        },
        LaunchTemplate: {
          Overrides: [
            { InstanceType: 'g4dn.xlarge' },
            { InstanceType: 'g5.xlarge' },
            { InstanceType: 'g6.xlarge' },
          ],
        },
      },
    });
  });

  it('launches the ECS GPU-optimised Amazon Linux 2023 AMI with an encrypted root volume and IMDSv2', () => {
    const params = json.Parameters as Record<string, { Default?: string }>;
    expect(Object.values(params).map((p) => p.Default)).toContain(
      '/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id',
    );
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { Encrypted: true, VolumeSize: 100, VolumeType: 'gp3', DeleteOnTermination: true },
          },
        ],
        // Containers cannot reach the instance role: IMDSv2 tokens do not survive the bridge network's extra hop.
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true })],
      }),
    });
  });

  it('configures the ECS agent for GPUs, this cluster and spot draining', () => {
    const userData = JSON.stringify(
      Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0]?.Properties.LaunchTemplateData
        .UserData,
    );
    for (const line of [
      'ECS_ENABLE_GPU_SUPPORT=true',
      'ECS_CLUSTER=',
      'ECS_ENABLE_SPOT_INSTANCE_DRAINING=true',
    ]) {
      expect(userData).toContain(line);
    }
  });

  it('uses a capacity provider with managed scaling, termination protection and draining', () => {
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: {
        ManagedScaling: { Status: 'ENABLED', TargetCapacity: 100 },
        ManagedTerminationProtection: 'ENABLED',
        ManagedDraining: 'ENABLED',
      },
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: [{ Ref: Match.anyValue() }],
    });
  });

  it('runs one GPU per task with the worker’s environment, health check and a 120 s stop timeout', () => {
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]?.Properties;
    expect(task.NetworkMode).toBe('bridge');
    const container = task.ContainerDefinitions[0];
    expect(container.ResourceRequirements).toEqual([{ Type: 'GPU', Value: '1' }]);
    expect(container.StopTimeout).toBe(120);
    expect(container.HealthCheck).toEqual({
      Command: ['CMD', 'node', '/app/dist/gpu-worker/healthcheck.js'],
      Interval: 30,
      Timeout: 5,
      StartPeriod: 120,
      Retries: 3,
    });
    const env = Object.fromEntries(
      (container.Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]),
    );
    expect(env).toMatchObject({
      [ENV.queueUrl]: { Ref: id(m.heavyQueue) },
      [ENV.deadLetterQueueUrl]: { Ref: id(m.heavyDeadLetterQueue) },
      [ENV.awsRegion]: { Ref: 'AWS::Region' },
      [ENV.workerConcurrency]: '4',
      [ENV.visibilityTimeoutSec]: '120',
      [ENV.drainTimeoutSec]: '90',
      [ENV.maxReceives]: '5',
      [ENV.executionProvider]: 'cuda',
      [ENV.healthFile]: '/tmp/winnow/health.json',
      [ENV.verdictTable]: { Ref: id(m.verdictTable) },
      [ENV.cacheTable]: { Ref: id(m.cacheTable) },
    });
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
  });

  it('starts the service at zero tasks on the capacity provider, after the provider joins the cluster', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 0,
      CapacityProviderStrategy: [{ CapacityProvider: Match.anyValue(), Weight: 1 }],
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0, MaximumPercent: 100 }),
    });
    const [association] = Object.keys(
      template.findResources('AWS::ECS::ClusterCapacityProviderAssociations'),
    );
    expect(json.Resources[id(m.workerService)].DependsOn).toContain(association);
  });

  it('scales the service between 0 and 4 tasks on the heavy queue', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
      ServiceNamespace: 'ecs',
    });
    const policies = Object.entries(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
    const scaleOut = policies.find(
      ([, p]) => p.Properties.StepScalingPolicyConfiguration.AdjustmentType === 'ChangeInCapacity',
    );
    const scaleIn = policies.find(
      ([, p]) => p.Properties.StepScalingPolicyConfiguration.AdjustmentType === 'ExactCapacity',
    );
    expect(scaleOut?.[1].Properties.StepScalingPolicyConfiguration).toMatchObject({
      Cooldown: 300,
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 1, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 1, MetricIntervalUpperBound: 2, ScalingAdjustment: 2 },
        { MetricIntervalLowerBound: 2, MetricIntervalUpperBound: 3, ScalingAdjustment: 3 },
        { MetricIntervalLowerBound: 3, ScalingAdjustment: 4 },
      ],
    });
    expect(scaleIn?.[1].Properties.StepScalingPolicyConfiguration).toMatchObject({
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }],
    });

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const triggering = (policyId: string | undefined) =>
      alarms.find((a) => (a.Properties.AlarmActions ?? []).some((x: { Ref?: string }) => x.Ref === policyId))
        ?.Properties;
    const heavyMetric = (name: string) =>
      Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: Match.objectLike({
            MetricName: name,
            Namespace: 'AWS/SQS',
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(m.heavyQueue), 'QueueName'] } }],
          }),
        }),
      });
    // Out: waiting messages / backlog per task, one minute; in: nothing waiting or in flight for 15 minutes.
    expect(triggering(scaleOut?.[0])).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    Template.fromJSON({
      Resources: { A: { Type: 'X', Properties: triggering(scaleOut?.[0]) } },
    }).hasResourceProperties('X', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'CEIL(FILL(visible, 0) / 16)' }),
        heavyMetric('ApproximateNumberOfMessagesVisible'),
      ]),
    });
    expect(triggering(scaleIn?.[0])).toMatchObject({
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      Threshold: 0,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
    });
    Template.fromJSON({
      Resources: { A: { Type: 'X', Properties: triggering(scaleIn?.[0]) } },
    }).hasResourceProperties('X', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(visible, 0) + FILL(inFlight, 0)' }),
        heavyMetric('ApproximateNumberOfMessagesVisible'),
        heavyMetric('ApproximateNumberOfMessagesNotVisible'),
      ]),
    });
  });

  it('places the instances in public subnets of a VPC without NAT gateways, with S3/DynamoDB endpoints', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 's3' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
      SecurityGroupIngress: Match.absent(),
    });
  });
});

describe('monitoring', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const onQueue = (queue: typeof m.fastQueue, metric: string) =>
    alarms.filter(
      (a) =>
        a.MetricName === metric &&
        JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(queue), 'QueueName'] } }]),
    );

  it('alarms when any dead-letter queue holds a message', () => {
    for (const dlq of [m.fastDeadLetterQueue, m.heavyDeadLetterQueue, m.actionDeadLetterQueue]) {
      expect(onQueue(dlq, 'ApproximateNumberOfMessagesVisible')).toEqual([
        expect.objectContaining({
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
        }),
      ]);
    }
  });

  it('alarms on the age of the oldest message of both queues', () => {
    expect(onQueue(m.fastQueue, 'ApproximateAgeOfOldestMessage')).toEqual([
      expect.objectContaining({ Threshold: 900, ComparisonOperator: 'GreaterThanThreshold' }),
    ]);
    expect(onQueue(m.heavyQueue, 'ApproximateAgeOfOldestMessage')).toEqual([
      expect.objectContaining({ Threshold: 3600, ComparisonOperator: 'GreaterThanThreshold' }),
    ]);
    expect(m.alarms).toHaveLength(5);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7); // + the two scaling alarms
  });

  it('builds a dashboard of queues, functions, worker capacity and verdicts by decision', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const text of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Errors',
      'Duration',
      'GroupInServiceInstances',
      'MetricName=\\\\\\"ItemsModerated\\\\\\"',
    ]) {
      expect(body).toContain(text);
    }
  });
});

describe('least-privilege IAM', () => {
  const upload = roleStatements(template, functionRole(m.uploadFunction));
  const fast = roleStatements(template, functionRole(m.fastQueueFunction));
  const action = roleStatements(template, functionRole(m.actionFunction));
  const worker = roleStatements(template, id(m.workerTaskDefinition.taskRole));
  const roles = { upload, fast, action, worker };
  const source = id(sourceBucket());

  it('lets the upload, fast-queue and worker roles read the source bucket, never write it', () => {
    for (const statements of [upload, fast, worker]) {
      expect(actionsOn(statements, source).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    }
  });

  it('lets only the action function tag source objects and copy to the quarantine bucket', () => {
    expect(actionsOn(action, source).sort()).toEqual([
      's3:GetObject',
      's3:GetObjectTagging',
      's3:ListBucket',
      's3:PutObjectTagging',
    ]);
    expect(actionsOn(action, id(m.quarantineBucket)).sort()).toEqual([
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    for (const statements of [upload, fast, worker]) {
      expect(actionsOn(statements, id(m.quarantineBucket))).toEqual([]);
      expect(statements.flatMap((s) => s.actions).filter((a) => /Tagging|s3:CopyObject/.test(a))).toEqual([]);
    }
  });

  it('lets only the action function put events, on the default bus', () => {
    for (const [name, statements] of Object.entries(roles)) {
      const put = statements.filter((s) => s.actions.includes('events:PutEvents'));
      if (name === 'action') {
        expect(put).toHaveLength(1);
        expect(put[0]?.resources[0]).toContain(':event-bus/default');
      } else {
        expect(put).toEqual([]);
      }
    }
  });

  it('lets the fast tier and the worker read and write items only, send jobs, and the worker consume them', () => {
    for (const statements of [upload, fast]) {
      expect(actionsOn(statements, id(m.verdictTable)).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
      expect(actionsOn(statements, id(m.cacheTable)).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
    }
    expect(actionsOn(worker, id(m.verdictTable)).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(actionsOn(worker, id(m.cacheTable)).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    // On the tables themselves, never on their indexes.
    for (const statements of [upload, fast, worker]) {
      expect(statements.flatMap((s) => s.resources).filter((r) => r.includes('/index/'))).toEqual([]);
    }
    for (const statements of [upload, fast]) {
      expect(actionsOn(statements, id(m.heavyQueue))).toContain('sqs:SendMessage');
      expect(actionsOn(statements, id(m.heavyQueue))).not.toContain('sqs:ReceiveMessage');
    }
    expect(actionsOn(upload, id(m.fastQueue))).toEqual([]);
    expect(actionsOn(fast, id(m.fastQueue))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
    expect(actionsOn(worker, id(m.heavyQueue))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
    expect(actionsOn(worker, id(m.heavyQueue))).not.toContain('sqs:SendMessage');
    expect(actionsOn(worker, id(m.heavyDeadLetterQueue))).toContain('sqs:SendMessage');
    expect(actionsOn(worker, id(m.fastQueue))).toEqual([]);
  });

  it('keeps the action function off the verdict table itself: it reads the stream only', () => {
    const onTable = action.filter((s) => s.resources.some((r) => r.includes(`"${id(m.verdictTable)}"`)));
    expect(onTable.flatMap((s) => s.actions).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    expect(onTable.every((s) => s.resources.every((r) => r.includes('StreamArn')))).toBe(true);
  });

  it('grants no wildcard S3 actions and no AWS managed policies to Winnow’s roles', () => {
    for (const statements of Object.values(roles)) {
      expect(
        statements.flatMap((s) => s.actions).filter((a) => a.startsWith('s3:') && a.includes('*')),
      ).toEqual([]);
    }
    for (const role of [m.uploadFunction.role, m.fastQueueFunction.role, m.actionFunction.role]) {
      if (!role) throw new Error('function without a role');
      expect(json.Resources[id(role)].Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets each function write only to its own log group', () => {
    for (const [f, statements] of [
      [m.uploadFunction, upload],
      [m.fastQueueFunction, fast],
      [m.actionFunction, action],
    ] as const) {
      const logGroup = json.Resources[id(f)].Properties.LoggingConfig.LogGroup.Ref;
      const logs = statements.filter((s) => s.actions.some((a) => a.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      expect(logs[0]?.resources).toEqual([JSON.stringify({ 'Fn::GetAtt': [logGroup, 'Arn'] })]);
    }
  });
});

describe('image assets', () => {
  const manifest = JSON.parse(readFileSync(join(app.outdir, `${stack.artifactId}.assets.json`), 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform?: string } }>;
  };
  const images = Object.values(manifest.dockerImages).map((i) => i.source);

  it('builds two images at deploy time: the functions and the GPU worker, both from the repository root', () => {
    expect(images.map((i) => i.dockerFile).sort()).toEqual(['functions/Dockerfile', 'gpu-worker/Dockerfile']);
    expect(images.every((i) => i.platform === 'linux/amd64')).toBe(true);
  });

  it('copies only the sources into cdk.out: no node_modules, dist, generated models, tests or CDK code', () => {
    const { readdirSync, existsSync } = require('node:fs') as typeof import('node:fs');
    for (const image of images) {
      const dir = join(app.outdir, image.directory);
      const entries = readdirSync(dir);
      for (const absent of ['node_modules', 'dist', 'cdk.out', 'test', 'examples', 'infra', '.git']) {
        expect(entries).not.toContain(absent);
      }
      for (const present of [
        'package.json',
        'package-lock.json',
        'core',
        'functions',
        'gpu-worker',
        'models',
        'policies',
      ]) {
        expect(entries).toContain(present);
      }
      expect(existsSync(join(dir, image.dockerFile))).toBe(true);
      expect(existsSync(join(dir, 'models', 'generated'))).toBe(false);
    }
  });
});

describe('WinnowStack with an explicit account and region', () => {
  it('synthesises without context lookups (no credentials needed), over two AZs from Fn::GetAZs', () => {
    const envApp = testApp();
    const envStack = new WinnowStack(envApp, 'WinnowEnv', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const assembly = envApp.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
    const subnets = Template.fromStack(envStack).findResources('AWS::EC2::Subnet');
    expect(Object.values(subnets).map((s) => JSON.stringify(s.Properties.AvailabilityZone))).toEqual([
      expect.stringContaining('"Fn::GetAZs":""'),
      expect.stringContaining('"Fn::GetAZs":""'),
    ]);
  });
});
