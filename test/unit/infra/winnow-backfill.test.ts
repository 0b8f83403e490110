import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENV } from '../../../core/config/env-names';
import { BACKFILL_COST_KEY_PREFIX } from '../../../core/serverless/backfill-batch';
import { WinnowBackfill } from '../../../infra/winnow-backfill';
import { WinnowStack } from '../../../infra/winnow-stack';
import { actionsOn, logicalId, roleStatements, testApp } from './template-helpers';

/** CloudFormation JSON, as `Template.toJSON()` types it. */
type Json = ReturnType<Template['toJSON']>;

/** The value, which the test setup guarantees. */
function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

/** The state machine's definition with CloudFormation references replaced by `<ref>`, parsed. */
function definition(template: Template): Json {
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const body = sm?.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  return JSON.parse(body.map((p) => (typeof p === 'string' ? p : '<ref>')).join(''));
}

describe('WinnowBackfill', () => {
  const app = testApp();
  const stack = new WinnowStack(app, 'Winnow', {
    backfill: {
      itemsPerBatch: 250,
      maxConcurrency: 4,
      toleratedFailurePercentage: 2,
      inventoryBuckets: [],
    },
    moderation: { policyFile: 'policies/strict.yaml' },
  });
  const template = Template.fromStack(stack);
  const backfill = defined(stack.backfill);
  const m = stack.moderation;
  const states = definition(template).States as Json;

  it('has a Distributed Map over ListObjectsV2 with the batcher, concurrency, tolerance and report writer', () => {
    const map = states.ListObjects;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    expect(map.ItemReader.Resource).toMatch(/:states:::s3:listObjectsV2$/);
    expect(map.ItemReader.Parameters).toEqual({ 'Bucket.$': '$.bucket', 'Prefix.$': '$.prefix' });
    expect(map.ItemBatcher).toEqual({
      MaxItemsPerBatch: 250,
      BatchInput: {
        'bucket.$': '$.bucket',
        'runId.$': '$$.Execution.Name',
        'filter.$': '$.filter',
        'maxCost.$': '$.maxCost',
        'reason.$': '$.reason',
        keyEncoding: 'none',
      },
    });
    expect(map.MaxConcurrency).toBe(4);
    expect(map.ToleratedFailurePercentage).toBe(2);
    expect(map.ResultWriter.Resource).toMatch(/:states:::s3:putObject$/);
    expect(map.ResultWriter.Parameters).toEqual({ Bucket: '<ref>', Prefix: 'backfills/' });
    const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(task.Type).toBe('Task');
    expect(task.Retry.some((r: Json) => r.ErrorEquals.includes('TransientStoreError'))).toBe(true);
  });

  it('fills in the optional input, and ends as completed, stopped at the cost ceiling, or failed', () => {
    expect(states.Defaults.Result).toEqual({ prefix: '', filter: {}, maxCost: null, reason: 'backfill' });
    expect(states.ReadInput.Parameters['args.$']).toBe(
      'States.JsonMerge($.defaults, $$.Execution.Input, false)',
    );
    // Without inventory buckets a manifest input fails at once.
    expect(states.Source.Choices[0]).toMatchObject({
      Variable: '$.manifest',
      IsPresent: true,
      Next: 'NoInventoryBuckets',
    });
    expect(states.ListObjects.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReadCostLedger' },
    ]);
    expect(states.ListObjects.Next).toBe('ReadCostLedger');
    expect(states.ReadCostLedger.Parameters.Key).toEqual({
      pk: { 'S.$': `States.Format('${BACKFILL_COST_KEY_PREFIX}{}', $$.Execution.Name)` },
    });
    expect(states.Outcome.Choices).toEqual([
      { Variable: '$.ledger.Item.stoppedAt', IsPresent: true, Next: 'StoppedAtCostCeiling' },
      { Variable: '$.error', IsPresent: true, Next: 'Failed' },
    ]);
    expect(states.Outcome.Default).toBe('Completed');
    expect(states.StoppedAtCostCeiling.Type).toBe('Succeed');
  });

  it('reads S3 Inventory manifests from the inventory buckets it was given', () => {
    const withInventory = new WinnowStack(testApp(), 'Inv');
    const backfill2 = new WinnowBackfill(withInventory, 'Backfill', {
      moderation: withInventory.moderation,
      inventoryBuckets: [s3.Bucket.fromBucketName(withInventory, 'Inventory', 'ugc-inventory')],
    });
    const states2 = definition(Template.fromStack(withInventory)).States;
    const map = states2.InventoryManifest;
    expect(map.ItemReader.ReaderConfig).toEqual({ InputType: 'MANIFEST' });
    expect(map.ItemReader.Parameters).toEqual({ 'Bucket.$': '$.manifest.bucket', 'Key.$': '$.manifest.key' });
    expect(map.ItemBatcher.BatchInput.keyEncoding).toBe('url');
    const sm = backfill2.stateMachine;
    const statements = roleStatements(Template.fromStack(withInventory), logicalId(withInventory, sm.role));
    const reads = statements.filter((s) => s.actions.includes('s3:GetObject'));
    expect(reads.flatMap((s) => s.resources).join(' ')).toContain('ugc-inventory/*');
  });

  it('runs the backfill-batch handler from the functions image with env names from core/config/env-names.ts', () => {
    const fn = template.toJSON().Resources[logicalId(stack, backfill.batchFunction)];
    expect(fn.Properties.ImageConfig.Command).toEqual(['dist/functions/backfill-batch-handler.handler']);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
      [
        ENV.logLevel,
        ENV.verdictTable,
        ENV.cacheTable,
        ENV.fastQueueUrl,
        ENV.heavyQueueUrl,
        ENV.policyFile,
      ].sort(),
    );
    expect(fn.Properties.Environment.Variables[ENV.policyFile]).toBe('policies/strict.yaml');
    expect(fn.Properties.Environment.Variables[ENV.fastQueueUrl]).toEqual({
      Ref: logicalId(stack, m.fastQueue),
    });
  });

  it('grants the function only verdict reads, its ledger items and sends to the two queues', () => {
    const statements = roleStatements(template, logicalId(stack, defined(backfill.batchFunction.role)));
    expect(actionsOn(statements, logicalId(stack, m.verdictTable))).toEqual(['dynamodb:GetItem']);
    const ledger = statements.find((s) =>
      s.resources.some((r) => r.includes(logicalId(stack, m.cacheTable))),
    );
    expect(ledger?.actions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(ledger?.condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${BACKFILL_COST_KEY_PREFIX}*`] },
    });
    for (const queue of [m.fastQueue, m.heavyQueue]) {
      expect(actionsOn(statements, logicalId(stack, queue))).toEqual([
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ]);
    }
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('s3:'))).toEqual([]);
  });

  it('lets the state machine list the source bucket only, write reports to the results bucket and read its ledger', () => {
    const statements = roleStatements(template, logicalId(stack, backfill.stateMachine.role));
    const list = statements.filter((s) => s.actions.includes('s3:ListBucket'));
    expect(list).toHaveLength(1);
    expect(list[0]?.resources).toEqual([
      JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, defined(m.sourceBucket)), 'Arn'] }),
    ]);
    expect(statements.flatMap((s) => s.resources).join(' ')).not.toMatch(/"\*"\]?$/m);
    expect(actionsOn(statements, logicalId(stack, m.cacheTable))).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(statements, logicalId(stack, m.verdictTable))).toEqual([]);
    expect(statements.some((s) => s.actions.includes('s3:PutObject'))).toBe(true);
    expect(actionsOn(statements, logicalId(stack, backfill.batchFunction))).toContain(
      'lambda:InvokeFunction',
    );
  });

  it('logs every state machine event without execution data, and traces', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('refuses bad batch sizes and a deployment with nothing to read', () => {
    expect(() => new WinnowStack(testApp(), 'Bad', { backfill: { itemsPerBatch: 0 } })).toThrow(
      /itemsPerBatch/,
    );
    expect(
      () =>
        new WinnowStack(testApp(), 'Empty', { moderation: { createSourceBucket: false }, backfill: true }),
    ).toThrow(/sourceBuckets or inventoryBuckets/);
  });
});
