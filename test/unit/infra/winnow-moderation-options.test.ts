import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENV } from '../../../core/config/env-names';
import { dockerContextExcludes, findSourceRoot } from '../../../infra/source-root';
import { WinnowModeration } from '../../../infra/winnow-moderation';
import { actionsOn, logicalId, roleStatements, testApp } from './template-helpers';

// One stack with every option away from its default, shared by the tests in this file.
const app = testApp();
const stack = new Stack(app, 'Custom');
const vpc = new ec2.Vpc(stack, 'OwnVpc', { natGateways: 1, maxAzs: 2 });
const topic = new sns.Topic(stack, 'Alarms');
const m = new WinnowModeration(stack, 'Moderation', {
  createSourceBucket: false,
  lambdaArchitecture: 'arm64',
  uploadFunction: { memorySize: 3008, timeout: Duration.seconds(90), reservedConcurrentExecutions: 20 },
  fastQueueFunction: { timeout: Duration.minutes(5) },
  fastQueueBatchSize: 5,
  fastQueueMaxConcurrency: 4,
  maxReceiveCount: 3,
  vpc,
  workerSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
  workerAssignPublicIp: false,
  workerInstanceTypes: ['g5.2xlarge'],
  workerSpot: false,
  workerMaxTasks: 12,
  workerBacklogPerTask: 4,
  workerScaleInAfterIdle: Duration.minutes(10),
  statusMarker: 'metadata',
  alarmTopic: topic,
  dashboard: false,
  logLevel: 'debug',
  policyFile: 'policies/strict.yaml',
  removalPolicy: RemovalPolicy.DESTROY,
});
const uploads = s3.Bucket.fromBucketName(stack, 'Uploads', 'ugc-uploads');
const archive = s3.Bucket.fromBucketName(stack, 'Archive', 'ugc-archive');
m.addSourceBucket(uploads, { prefix: 'incoming/' });
m.addSourceBucket(archive, { notify: 'fast-queue' });
const template = Template.fromStack(stack);
const json = template.toJSON();
const id = (c: Parameters<typeof logicalId>[1]) => logicalId(stack, c);
const role = (f: typeof m.uploadFunction) => {
  if (!f.role) throw new Error('function without a role');
  return roleStatements(template, id(f.role));
};

describe('addSourceBucket', () => {
  it('lists the connected buckets', () => {
    expect(m.sourceBucket).toBeUndefined();
    expect(m.sourceBuckets.map((c) => [c.bucket, c.prefix, c.notify])).toEqual([
      [uploads, 'incoming/', 'upload-function'],
      [archive, undefined, 'fast-queue'],
    ]);
  });

  it('notifies the upload function for the prefix only, and the fast queue for the other bucket', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'ugc-uploads',
      Managed: false,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [id(m.uploadFunction), 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'ugc-archive',
      NotificationConfiguration: {
        QueueConfigurations: [
          { Events: ['s3:ObjectCreated:*'], QueueArn: { 'Fn::GetAtt': [id(m.fastQueue), 'Arn'] } },
        ],
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(m.fastQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
          }),
        ]),
      },
    });
  });

  it('scopes object access to the prefix, and listing with an s3:prefix condition', () => {
    const statements = role(m.uploadFunction);
    const uploadsObjects = statements.filter((s) =>
      s.resources.some((r) => r.includes(':::ugc-uploads/incoming/*')),
    );
    expect(uploadsObjects.flatMap((s) => s.actions)).toEqual(['s3:GetObject']);
    const listing = statements.filter(
      (s) => s.actions.includes('s3:ListBucket') && s.resources[0]?.includes('ugc-uploads'),
    );
    expect(listing).toEqual([
      expect.objectContaining({ condition: { StringLike: { 's3:prefix': ['incoming/*'] } } }),
    ]);
    expect(statements.some((s) => s.resources.some((r) => r.includes(':::ugc-uploads/*')))).toBe(false);
  });

  it('with the metadata marker, lets the action function (only) copy source objects in place', () => {
    const action = role(m.actionFunction).filter((s) =>
      s.resources.some((r) => r.includes(':::ugc-archive/*')),
    );
    expect(action.flatMap((s) => s.actions).sort()).toEqual([
      's3:GetObject',
      's3:GetObjectTagging',
      's3:PutObject',
      's3:PutObjectTagging',
    ]);
    for (const f of [m.uploadFunction, m.fastQueueFunction]) {
      const writes = role(f)
        .filter((s) => s.resources.some((r) => r.includes('ugc-')))
        .flatMap((s) => s.actions)
        .filter((a) => a.startsWith('s3:Put'));
      expect(writes).toEqual([]);
    }
  });
});

describe('options', () => {
  it('builds arm64 functions from an arm64 image, with the sizes given', () => {
    for (const f of [m.uploadFunction, m.fastQueueFunction, m.actionFunction]) {
      expect(json.Resources[id(f)].Properties.Architectures).toEqual(['arm64']);
    }
    expect(json.Resources[id(m.uploadFunction)].Properties).toMatchObject({
      MemorySize: 3008,
      Timeout: 90,
      ReservedConcurrentExecutions: 20,
    });
    expect(json.Resources[id(m.uploadFunction)].Properties.Environment.Variables[ENV.logLevel]).toBe('debug');
    // One policy for both tiers.
    for (const f of [m.uploadFunction, m.fastQueueFunction, m.actionFunction]) {
      expect(json.Resources[id(f)].Properties.Environment.Variables[ENV.policyFile]).toBe(
        'policies/strict.yaml',
      );
    }
    expect(
      json.Resources[id(m.workerTaskDefinition)].Properties.ContainerDefinitions[0].Environment,
    ).toContainEqual({
      Name: ENV.policyFile,
      Value: 'policies/strict.yaml',
    });
    expect(m.functionsImage.assetHash).not.toBe(m.workerImage.assetHash);
  });

  it('passes batch size, concurrency, maxReceiveCount and the fast-queue visibility through', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(m.fastQueue), 'Arn'] },
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    expect(json.Resources[id(m.fastQueue)].Properties).toMatchObject({
      VisibilityTimeout: 6 * 300,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
    const env = json.Resources[id(m.workerTaskDefinition)].Properties.ContainerDefinitions[0].Environment;
    expect(env).toContainEqual({ Name: ENV.maxReceives, Value: '3' });
  });

  it('runs the worker on demand in the given VPC’s private subnets, without public IPs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MaxSize: '12',
      CapacityRebalance: false,
      VPCZoneIdentifier: vpc.privateSubnets.map((s) => ({
        Ref: logicalId(stack, s.node.findChild('Subnet')),
      })),
      MixedInstancesPolicy: Match.objectLike({
        InstancesDistribution: Match.objectLike({ OnDemandPercentageAboveBaseCapacity: 100 }),
        LaunchTemplate: Match.objectLike({ Overrides: [{ InstanceType: 'g5.2xlarge' }] }),
      }),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false })],
      }),
    });
    // On demand: no spot draining in the agent's configuration.
    const launchTemplate = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0];
    expect(JSON.stringify(launchTemplate)).not.toContain('SPOT_INSTANCE_DRAINING');
  });

  it('caps the scale-out steps at 10 tasks and scales in after the idle time given', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 12,
    });
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
    const out = policies.find(
      (p) => p.Properties.StepScalingPolicyConfiguration.AdjustmentType === 'ChangeInCapacity',
    );
    const steps = out?.Properties.StepScalingPolicyConfiguration.StepAdjustments;
    expect(steps).toHaveLength(10);
    expect(steps[9]).toEqual({ MetricIntervalLowerBound: 9, ScalingAdjustment: 10 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'CEIL(FILL(visible, 0) / 4)' })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(visible, 0) + FILL(inFlight, 0)' })]),
      EvaluationPeriods: 10,
    });
  });

  it('notifies the topic when an alarm fires and recovers; no dashboard', () => {
    expect(m.alarms).toHaveLength(5);
    for (const alarm of m.alarms) {
      const props = json.Resources[id(alarm)].Properties;
      expect(props.AlarmActions).toEqual([{ Ref: id(topic) }]);
      expect(props.OKActions).toEqual([{ Ref: id(topic) }]);
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(m.dashboard).toBeUndefined();
  });

  it('deletes the data with the stack when asked to', () => {
    for (const bucket of [m.resultsBucket, m.quarantineBucket, m.logBucket]) {
      expect(json.Resources[id(bucket)].DeletionPolicy).toBe('Delete');
    }
    expect(json.Resources[id(m.verdictTable)].DeletionPolicy).toBe('Delete');
  });

  it('grants results-bucket writes to the producers and the worker only', () => {
    for (const f of [m.uploadFunction, m.fastQueueFunction]) {
      expect(actionsOn(role(f), id(m.resultsBucket)).sort()).toEqual([
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:PutObject',
      ]);
    }
    expect(actionsOn(role(m.actionFunction), id(m.resultsBucket))).toEqual([]);
  });
});

describe('image build contexts', () => {
  it('finds the repository root from infra/ and from dist/infra/', () => {
    const root = findSourceRoot(join(__dirname, '../../../infra'));
    expect(findSourceRoot(join(root, 'dist', 'infra'))).toBe(root);
    expect(() => findSourceRoot(tmpdir())).toThrow(/repository root/);
  });

  it('excludes gpu-worker/Dockerfile.dockerignore’s paths plus tests, docs and the CDK code', () => {
    const excludes = dockerContextExcludes(findSourceRoot());
    expect(excludes).toEqual(
      expect.arrayContaining(['node_modules', 'dist', 'cdk.out', 'models/generated', '.git']),
    );
    expect(excludes).toEqual(expect.arrayContaining(['test', 'docs', 'infra']));
    expect(excludes.some((e) => e.startsWith('#') || e === '')).toBe(false);
  });

  it('falls back to a safe list when the ignore file is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'winnow-root-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{}');
      expect(dockerContextExcludes(dir)).toEqual(expect.arrayContaining(['node_modules', 'dist', 'cdk.out']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
