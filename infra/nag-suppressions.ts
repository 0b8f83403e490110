/**
 * The cdk-nag AwsSolutions findings the construct accepts, each with its reason, recorded through CDK's own
 * `Validations.of(...).acknowledge()` (the mechanism cdk-nag v3 reads; this module does not import cdk-nag, so the
 * construct works without it). Every acknowledgement names one rule, or one finding of a rule, on one resource.
 * test/unit/infra/cdk-nag.test.ts checks that nothing else is reported.
 */
import { Aws, Fn, Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import type { WinnowBackfill } from './winnow-backfill';
import type { WinnowModeration } from './winnow-moderation';
import type { WinnowSweeps } from './winnow-sweeps';

/** The stack-level singleton Lambda of CDK's S3 bucket-notifications custom resource. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

function acknowledge(scope: IConstruct | undefined, id: string, reason: string): void {
  if (scope) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The finding id cdk-nag gives a wildcard resource in IAM5 (`AwsSolutions-IAM5[Resource::...]`): the ARN with
 * CloudFormation references flattened as cdk-nag flattens them (`<Logical.Arn>`, `<AWS::Partition>`).
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(arn))}]`;
}

function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  const o = node as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (o['Fn::Sub']) return flattenReference(o['Fn::Sub']);
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (o['Fn::ImportValue']) return flattenReference(o['Fn::ImportValue']);
  if (o.Ref) return `<${flattenReference(o.Ref)}>`;
  return JSON.stringify(node);
}

/** Findings on the resources the construct creates in its constructor. */
export function suppressConstructFindings(m: WinnowModeration): void {
  acknowledge(
    m.cacheTable,
    'AwsSolutions-DDB3',
    'The content cache holds derived data only (detector results keyed by content hash, expiring by TTL); a lost ' +
      'entry is recomputed on the next miss, so point-in-time recovery would bill backup storage for nothing. The ' +
      'verdict table, which is the system of record, has point-in-time recovery.',
  );
  acknowledge(
    m.actionDeadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself a dead-letter queue: the on-failure destination of the action function’s DynamoDB-stream ' +
      'event source mapping (cdk-nag only recognises queues named in another queue’s redrive policy). A ' +
      'dead-letter queue of a dead-letter queue would never be read; its depth alarm is the signal.',
  );

  for (const role of [m.uploadFunction.role, m.fastQueueFunction.role, m.workerTaskDefinition.taskRole]) {
    acknowledge(
      role,
      wildcardResourceFinding(m, m.resultsBucket.arnForObjects('*')),
      'Result object keys are made per run and item at run time. Only s3:GetObject, s3:PutObject and ' +
        's3:AbortMultipartUpload are allowed, on the results bucket’s objects only.',
    );
    if (m.bankBucket) {
      acknowledge(
        role,
        wildcardResourceFinding(m, m.bankBucket.arnForObjects('hash-banks/*')),
        'Hash-bank snapshot keys carry the bank id, version and a random suffix, made when a bank changes. Only ' +
          's3:GetObject is allowed, under the bank bucket’s hash-banks/ prefix.',
      );
    }
  }
  acknowledge(
    m.actionFunction.role,
    wildcardResourceFinding(m, m.quarantineBucket.arnForObjects('*')),
    'The quarantine copy keeps the flagged object’s key, known only at run time. Only s3:GetObject (the HEAD of ' +
      'an existing copy) and s3:PutObject (the copy, which takes no tags) are allowed, on the quarantine ' +
      'bucket’s objects only.',
  );
  acknowledge(
    m.actionFunction.role,
    'AwsSolutions-IAM5[Resource::*]',
    'dynamodb:ListStreams, added by the DynamoDB event source of the verdict stream, has no resource-level ' +
      'permissions; reading the stream itself is limited to the verdict table’s stream ARN.',
  );
  acknowledge(
    m.workerTaskDefinition.executionRole,
    'AwsSolutions-IAM5[Resource::*]',
    'ecr:GetAuthorizationToken has no resource-level permissions; the image pull actions are limited to the CDK ' +
      'asset repository and log writes to the worker’s log group.',
  );
  const instanceRole = m.workerAutoScalingGroup.role;
  acknowledge(
    instanceRole,
    'AwsSolutions-IAM5[Resource::*]',
    'ECS container agent permissions that ecs.Cluster adds to the GPU instances: ecs:DiscoverPollEndpoint and ' +
      'ecr:GetAuthorizationToken have no resource-level permissions, ecs:Poll/StartTelemetrySession are ' +
      'conditioned on this cluster, and the agent writes its own logs. Containers cannot use this role (IMDSv2 ' +
      'with a hop limit of 1); the worker uses its task role.',
  );
  acknowledge(
    instanceRole,
    'AwsSolutions-IAM5[Action::ecs:Submit*]',
    'The ECS agent reports task, container and attachment state changes (ecs:SubmitTaskStateChange and siblings), ' +
      'limited to this cluster’s ARN; this is the statement ecs.Cluster adds for EC2 capacity.',
  );
  acknowledge(
    m.cluster,
    'AwsSolutions-ECS4',
    'Container Insights bills custom metrics and log ingestion continuously, against Winnow’s near-zero idle ' +
      'cost. Scaling uses the free SQS metrics; the dashboard shows the free AWS/ECS service and AWS/AutoScaling ' +
      'group metrics.',
  );
  acknowledge(
    m.workerTaskDefinition,
    'AwsSolutions-ECS2',
    'The environment holds only resource names, queue URLs and tuning numbers (the names come from ' +
      'core/config/env-names.ts); the deployment has no secrets to keep in Secrets Manager or Parameter Store.',
  );
  const asg = m.workerAutoScalingGroup.node.defaultChild;
  acknowledge(
    asg,
    'AwsSolutions-EC26',
    'The GPU instances’ only block device, the root volume, is an encrypted gp3 volume in the launch template. ' +
      'cdk-nag’s EC26 reads only a top-level LaunchTemplate and cannot follow the MixedInstancesPolicy this group ' +
      'uses for spot; the unit tests check the encryption instead.',
  );
  acknowledge(
    asg,
    'AwsSolutions-AS3',
    'The group scales to and from zero many times a day by design, so per-event notifications would be noise. ' +
      'Scaling activity is in the group’s activity history, the ECS service events and the dashboard; the queue ' +
      'age and dead-letter alarms catch a worker that does not come up.',
  );
}

/** Findings from connecting a source bucket (`addSourceBucket`): object-level grants and CDK's notifications handler. */
export function suppressSourceBucketFindings(m: WinnowModeration, bucket: s3.IBucket, keys: string): void {
  const roles: Array<iam.IRole | undefined> = [
    m.uploadFunction.role,
    m.fastQueueFunction.role,
    m.actionFunction.role,
    m.workerTaskDefinition.taskRole,
  ];
  for (const role of roles) {
    acknowledge(
      role,
      wildcardResourceFinding(m, bucket.arnForObjects(keys)),
      'Source objects are user uploads whose keys are unknown at deploy time. Access is limited to the connected ' +
        'prefix and to s3:GetObject (plus the status-marker tagging actions for the action function).',
    );
  }
  const handler = Stack.of(m).node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
  acknowledge(
    handler,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'CDK’s singleton custom resource that writes the buckets’ event-notification configuration at deploy time; ' +
      'the managed policy only lets it write its own CloudWatch logs.',
  );
}

/** Findings on a `WinnowBackfill`: its state machine's roles and policies. */
export function suppressBackfillFindings(
  b: WinnowBackfill,
  m: WinnowModeration,
  inventoryBuckets: readonly s3.IBucket[],
  mapLabels: readonly string[],
): void {
  const role = b.stateMachine.role;
  acknowledge(
    role,
    wildcardResourceFinding(b, `arn:${Aws.PARTITION}:s3:::${m.resultsBucket.bucketName}/*`),
    'The Distributed Map writes its run report (manifest.json and result files) under a key made from the map ' +
      'run id at run time; the statement allows only the result writer’s object actions on the results bucket.',
  );
  for (const bucket of inventoryBuckets) {
    acknowledge(
      role,
      wildcardResourceFinding(b, bucket.arnForObjects('*')),
      'An S3 Inventory report is read from its manifest.json and the data files it names, whose keys carry the ' +
        'report date and are known only at run time; only s3:GetObject is allowed, on the inventory bucket given.',
    );
  }
  acknowledge(
    role,
    wildcardResourceFinding(b, `${b.batchFunction.functionArn}:*`),
    'The LambdaInvoke task may call the backfill-batch function and its versions or aliases (`<arn>:*`); no ' +
      'other function can be invoked.',
  );
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray tracing (xray:PutTraceSegments and siblings) and CloudWatch Logs delivery for state machine logging ' +
      '(logs:CreateLogDelivery and siblings) have no resource-level permissions.',
  );
  const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${Fn.select(
    6,
    Fn.split(':', b.stateMachine.stateMachineArn),
  )}`;
  for (const path of ['', ...mapLabels.map((label) => `/${label}`)]) {
    acknowledge(
      b.stateMachine,
      wildcardResourceFinding(b, `${executions}${path}:*`),
      'The policy CDK adds for a Distributed Map: the state machine describes, stops and redrives its own child ' +
        'executions and map runs, whose names are made at run time; the ARN names this state machine only.',
    );
  }
}

/** Findings on a `WinnowSweeps`: its dead-letter queue, and the sweep function's reads of the swept prefixes. */
export function suppressSweepFindings(
  s: WinnowSweeps,
  m: WinnowModeration,
  rescans: readonly { readonly bucket: s3.IBucket; readonly prefix?: string }[],
): void {
  acknowledge(
    s.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself a dead-letter queue: EventBridge Scheduler puts here the sweep starts that failed every ' +
      'retry (cdk-nag only recognises queues named in another queue’s redrive policy). A dead-letter queue of a ' +
      'dead-letter queue would never be read.',
  );
  if (s.sweepFunction) {
    acknowledge(
      s.schedulerRole,
      wildcardResourceFinding(s, `${s.sweepFunction.functionArn}:*`),
      'The scheduler’s Lambda target may invoke the sweep function and its versions or aliases (`<arn>:*`), as CDK ' +
        'grants it; no other function can be invoked.',
    );
  }
  if (m.bankBucket) {
    acknowledge(
      s.sweepFunction?.role,
      wildcardResourceFinding(s, m.bankBucket.arnForObjects('hash-banks/*')),
      'Re-scored items are matched against the hash banks, whose snapshot keys are made when a bank changes. Only ' +
        's3:GetObject is allowed, under the bank bucket’s hash-banks/ prefix.',
    );
  }
  for (const { bucket, prefix } of rescans) {
    acknowledge(
      s.sweepFunction?.role,
      wildcardResourceFinding(s, bucket.arnForObjects(`${prefix ?? ''}*`)),
      'The re-scan sweep reads the objects whose scores may change, user uploads whose keys are unknown at deploy ' +
        'time. Access is limited to s3:GetObject under the swept prefix.',
    );
  }
}
