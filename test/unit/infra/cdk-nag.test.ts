import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { WinnowStack } from '../../../infra/winnow-stack';
import { testApp } from './template-helpers';

/**
 * cdk-nag 3 is a policy-validation plugin (not an aspect): `validateScope` runs the AwsSolutions rules over a
 * construct tree and returns every unacknowledged finding, errors and warnings alike. Acknowledgements are CDK's
 * `Validations.of(construct).acknowledge({ id, reason })` (infra/nag-suppressions.ts).
 */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`),
  );
}

/**
 * Every AwsSolutions acknowledgement recorded under `scope`: rule id (without CDK's `Annotation::` prefix) and reason.
 * (CDK itself acknowledges two of its default CloudFormation-Validate rules on VPC flow logs; those are not ours.)
 */
function acknowledgements(scope: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((e) =>
        Object.entries(e.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      )
      .filter(({ id }) => id.startsWith('AwsSolutions-')),
  );
}

describe('cdk-nag AwsSolutions', () => {
  const app = testApp();
  const stack = new WinnowStack(app, 'Winnow');
  const imported = new WinnowStack(app, 'WinnowImported', {
    moderation: { createSourceBucket: false, statusMarker: 'metadata', lambdaArchitecture: 'arm64' },
  });
  imported.moderation.addSourceBucket(s3.Bucket.fromBucketName(imported, 'Uploads', 'ugc-uploads'), {
    prefix: 'incoming/',
  });
  imported.moderation.addSourceBucket(s3.Bucket.fromBucketName(imported, 'Archive', 'ugc-archive'), {
    notify: 'fast-queue',
  });
  // Backfills (list and inventory) and a scheduled sweep.
  const withBackfill = new WinnowStack(app, 'WinnowBackfill', {
    sweeps: [{ name: 'nightly', kind: 'rescan' }],
  });
  const withInventory = new WinnowStack(app, 'WinnowInventory', {
    moderation: { createSourceBucket: false },
    backfill: { inventoryBuckets: [s3.Bucket.fromBucketName(imported, 'Inventory', 'ugc-inventory')] },
  });

  it('reports no unacknowledged error or warning for the example stack', () => {
    expect(findings(stack)).toEqual([]);
  });

  it('reports none either with imported source buckets, prefixes, the metadata marker and arm64', () => {
    expect(findings(imported)).toEqual([]);
  });

  it('reports none either with a backfill (bucket listing or S3 Inventory) and scheduled sweeps', () => {
    expect(findings(withBackfill)).toEqual([]);
    expect(findings(withInventory)).toEqual([]);
  });

  it('gives every acknowledgement a specific reason', () => {
    const all = [
      ...acknowledgements(stack),
      ...acknowledgements(imported),
      ...acknowledgements(withBackfill),
      ...acknowledgements(withInventory),
    ];
    expect(all.length).toBeGreaterThan(10);
    for (const { id, reason } of all) {
      expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(reason.length).toBeGreaterThan(80);
    }
    // One rule per acknowledgement, on a resource or its role: never the whole stack or the whole construct.
    for (const { path } of all) {
      expect([
        stack.node.path,
        imported.node.path,
        withBackfill.node.path,
        `${stack.node.path}/Moderation`,
        `${withBackfill.node.path}/Backfill`,
        `${withBackfill.node.path}/Sweeps`,
      ]).not.toContain(path);
    }
  });

  it('acknowledges only the rules this document lists', () => {
    const rules = new Set(
      [
        ...acknowledgements(stack),
        ...acknowledgements(imported),
        ...acknowledgements(withBackfill),
        ...acknowledgements(withInventory),
      ].map(({ id }) => id.replace(/\[.*\]$/, '')),
    );
    expect([...rules].sort()).toEqual([
      'AwsSolutions-AS3',
      'AwsSolutions-DDB3',
      'AwsSolutions-EC26',
      'AwsSolutions-ECS2',
      'AwsSolutions-ECS4',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SQS3',
    ]);
    // IAM4 only for CDK's own S3-notifications handler; Winnow's roles attach no managed policy.
    const iam4 = [...acknowledgements(stack)].filter(({ id }) => id.startsWith('AwsSolutions-IAM4'));
    expect(iam4.map(({ path }) => path)).toEqual([
      'Winnow/BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    ]);
  });

  it('does catch findings (control): an unprotected bucket is reported', () => {
    const control = new Stack(testApp(), 'Control');
    new s3.Bucket(control, 'Open');
    const reported = findings(control).join('\n');
    expect(reported).toContain('AwsSolutions-S1');
    expect(reported).toContain('AwsSolutions-S10');
  });

  it('runs as a validation plugin during synth (as `cdk synth -c winnow:nag=true` does): Winnow passes', () => {
    const pluginApp = testApp();
    new WinnowStack(pluginApp, 'Winnow', { sweeps: [{ name: 'nightly', kind: 'rescan' }] });
    Validations.of(pluginApp).addPlugins(new AwsSolutionsChecks(pluginApp));
    expect(() => pluginApp.synth()).not.toThrow();
  });

  it('runs as a validation plugin during synth: a finding fails the synth (control)', () => {
    const pluginApp = testApp();
    new s3.Bucket(new Stack(pluginApp, 'Control'), 'Open');
    Validations.of(pluginApp).addPlugins(new AwsSolutionsChecks(pluginApp));
    expect(() => pluginApp.synth()).toThrow(/AwsSolutions-S1/);
  });
});
