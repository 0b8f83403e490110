import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { WinnowStack } from '../../../infra/winnow-stack';
import { actionsOn, logicalId, roleStatements, testApp } from './template-helpers';

/** CloudFormation JSON, as `Template.toJSON()` types it. */
type Json = ReturnType<Template['toJSON']>;

/** The value, which the test setup guarantees. */
function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

/** A schedule's input with the bucket name's reference replaced by `BUCKET`. */
const input = (props: Json) =>
  JSON.parse(
    (props.Target.Input['Fn::Join'][1] as unknown[])
      .map((p) => (typeof p === 'string' ? p : 'BUCKET'))
      .join(''),
  );

describe('WinnowSweeps', () => {
  const stack = new WinnowStack(testApp(), 'Winnow', {
    sweeps: [
      { name: 'nightly-rescan', kind: 'rescan', budgetDollars: 25 },
      {
        name: 'weekly-images',
        kind: 'rescan',
        prefix: 'images/',
        schedule: scheduler.ScheduleExpression.rate(Duration.days(7)),
      },
    ],
  });
  const template = Template.fromStack(stack);
  const sweeps = defined(stack.sweeps);
  const fn = defined(sweeps.sweepFunction);
  const m = stack.moderation;
  const json = template.toJSON();

  it('schedules each rescan (daily by default) to invoke the sweep function with the sweep input', () => {
    expect(stack.backfill).toBeUndefined();
    expect(template.findResources('AWS::StepFunctions::StateMachine')).toEqual({});
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(2);
    const [nightly, weekly] = schedules.map((s) => s.Properties);
    expect(nightly.ScheduleExpression).toBe('rate(1 day)');
    expect(weekly.ScheduleExpression).toBe('rate(7 days)');
    expect(nightly.State).toBe('ENABLED');
    expect(nightly.Target.Arn).toEqual({ 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] });
    expect(nightly.Target.RoleArn).toEqual({ 'Fn::GetAtt': [logicalId(stack, sweeps.schedulerRole), 'Arn'] });
    expect(nightly.Target.DeadLetterConfig.Arn).toEqual({
      'Fn::GetAtt': [logicalId(stack, sweeps.deadLetterQueue), 'Arn'],
    });
    expect(input(nightly)).toEqual({ sweep: 'nightly-rescan', bucket: 'BUCKET', prefix: '', maxCost: 25 });
    expect(input(weekly)).toEqual({ sweep: 'weekly-images', bucket: 'BUCKET', prefix: 'images/' });
  });

  it('runs the sweep handler from the functions image, with the tables, heavy queue and bus it needs', () => {
    const props = json.Resources[logicalId(stack, fn)].Properties;
    expect(props.PackageType).toBe('Image');
    expect(props.ImageConfig.Command).toEqual(['dist/functions/sweep-handler.handler']);
    expect(props.Timeout).toBe(900);
    expect(props.ReservedConcurrentExecutions).toBe(1);
    expect(Object.keys(props.Environment.Variables).sort()).toEqual(
      [
        'WINNOW_BANK_LOCATION',
        'WINNOW_BANK_REFRESH_SEC',
        'WINNOW_BANK_TABLE',
        'WINNOW_CACHE_TABLE',
        'WINNOW_EP',
        'WINNOW_EVENT_BUS',
        'WINNOW_HEAVY_QUEUE_URL',
        'WINNOW_LOG_LEVEL',
        'WINNOW_STATE_DIR',
        'WINNOW_VERDICT_TABLE',
      ].sort(),
    );
    expect(props.Environment.Variables.WINNOW_VERDICT_TABLE).toEqual({
      Ref: logicalId(stack, m.verdictTable),
    });
  });

  it('allows the sweep function only the verdict table, cache, swept objects, hash banks, heavy queue and event bus', () => {
    const statements = roleStatements(template, logicalId(stack, defined(fn.role)));
    expect(actionsOn(statements, logicalId(stack, m.verdictTable)).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
    ]);
    expect(statements.some((s) => s.resources.some((r) => r.includes('/index/')))).toBe(false);
    expect(actionsOn(statements, logicalId(stack, m.cacheTable)).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    const source = logicalId(stack, defined(m.sourceBucket));
    const objectReads = statements.filter((s) => s.resources.some((r) => r.includes(`"${source}"`)));
    expect(objectReads.map((s) => s.actions)).toEqual([['s3:GetObject'], ['s3:GetObject']]);
    const keys = objectReads.flatMap((s) => s.resources).map((r) => JSON.parse(r)['Fn::Join'][1].at(-1));
    expect(keys).toEqual(['/*', '/images/*']);
    const banks = logicalId(stack, defined(m.bankBucket));
    const bankReads = statements.filter((s) => s.resources.some((r) => r.includes(`"${banks}"`)));
    expect(bankReads.map((s) => s.actions)).toEqual([['s3:GetObject']]);
    expect(bankReads[0]?.resources.map((r) => JSON.parse(r)['Fn::Join'][1].at(-1))).toEqual([
      '/hash-banks/*',
    ]);
    expect(actionsOn(statements, logicalId(stack, m.heavyQueue))).toContain('sqs:SendMessage');
    expect(actionsOn(statements, logicalId(stack, m.fastQueue))).toEqual([]);
    expect(statements.flatMap((s) => s.actions)).toContain('events:PutEvents');
    expect(
      statements
        .flatMap((s) => s.actions)
        .filter((a) => /^s3:(Put|Delete)|Tagging|^dynamodb:(Delete|Update)/.test(a)),
    ).toEqual([]);
  });

  it('gives the scheduler a role that can only invoke the sweep function (and dead-letter), for this account', () => {
    const role = json.Resources[logicalId(stack, sweeps.schedulerRole)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const statements = roleStatements(template, logicalId(stack, sweeps.schedulerRole));
    const allowed = statements.filter((s) => s.effect === 'Allow');
    expect(allowed.flatMap((s) => s.actions).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    for (const s of allowed) {
      for (const r of s.resources) {
        expect(
          r.includes(`"${logicalId(stack, fn)}"`) ||
            r.includes(`"${logicalId(stack, sweeps.deadLetterQueue)}"`),
        ).toBe(true);
      }
    }
  });

  it('starts the backfill state machine for a backfill sweep', () => {
    const other = new WinnowStack(testApp(), 'Both', {
      sweeps: [
        { name: 'rescan', kind: 'rescan' },
        { name: 'catch-up', kind: 'backfill', filter: { media: ['image'] }, budgetDollars: 5 },
      ],
    });
    const t = Template.fromStack(other);
    const sm = defined(other.backfill).stateMachine;
    const byName = Object.fromEntries(
      Object.values(t.findResources('AWS::Scheduler::Schedule')).map((s) => [
        s.Properties.Description,
        s.Properties,
      ]),
    );
    const catchUp = byName['Winnow backfill sweep catch-up'];
    expect(catchUp.Target.Arn).toEqual({ Ref: logicalId(other, sm) });
    expect(input(catchUp)).toEqual({
      bucket: 'BUCKET',
      prefix: '',
      reason: 'sweep',
      filter: { media: ['image'] },
      maxCost: 5,
      sweep: { name: 'catch-up', kind: 'backfill' },
    });
    expect(byName['Winnow rescan sweep rescan'].Target.Arn).toEqual({
      'Fn::GetAtt': [logicalId(other, defined(other.sweeps?.sweepFunction)), 'Arn'],
    });
    const actions = roleStatements(t, logicalId(other, defined(other.sweeps).schedulerRole)).flatMap(
      (s) => s.actions,
    );
    expect(actions.sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage', 'states:StartExecution']);
  });

  it('refuses a sweep of a bucket it may not read, a filter on a rescan, and duplicate names', () => {
    const other = new WinnowStack(testApp(), 'Other', { backfill: true });
    const elsewhere = s3.Bucket.fromBucketName(other, 'B', 'elsewhere');
    expect(
      () => new WinnowStack(testApp(), 'Bad', { sweeps: [{ name: 'x', kind: 'rescan', bucket: elsewhere }] }),
    ).toThrow(/moderation's sourceBuckets/);
    expect(
      () =>
        new WinnowStack(testApp(), 'Bad2', { sweeps: [{ name: 'x', kind: 'backfill', bucket: elsewhere }] }),
    ).toThrow(/backfill's sourceBuckets/);
    expect(
      () => new WinnowStack(testApp(), 'Bad3', { sweeps: [{ name: 'x', kind: 'rescan', filter: {} }] }),
    ).toThrow(/filter applies to backfill sweeps only/);
    expect(
      () =>
        new WinnowStack(testApp(), 'Dup', {
          sweeps: [
            { name: 'x', kind: 'rescan' },
            { name: 'x', kind: 'rescan' },
          ],
        }),
    ).toThrow(/two sweeps/);
  });
});
