import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/** An app that never bundles (no Lambda in Winnow is bundled, but a construct added later must not slow tests). */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

/** The logical id of a construct's CloudFormation resource (its default child, or itself). */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.getLogicalId(element);
}

export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  /** Each resource as JSON, so a reference to a logical id can be found with `includes`. */
  readonly resources: string[];
  readonly condition?: unknown;
}

/** Every statement of the inline and attached (AWS::IAM::Policy) policies of one role. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const out: Statement[] = [];
  const toStatements = (doc: { Statement?: Array<Record<string, unknown>> }) =>
    (doc.Statement ?? []).map((s) => ({
      effect: String(s.Effect),
      actions: ([] as unknown[]).concat(s.Action ?? []).map(String),
      resources: ([] as unknown[]).concat(s.Resource ?? []).map((r) => JSON.stringify(r)),
      condition: s.Condition,
    }));
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles ?? []) as Array<{ Ref?: string }>;
    if (roles.some((r) => r.Ref === roleLogicalId))
      out.push(...toStatements(policy.Properties.PolicyDocument));
  }
  const role = template.toJSON().Resources[roleLogicalId];
  for (const inline of role?.Properties?.Policies ?? []) out.push(...toStatements(inline.PolicyDocument));
  return out;
}

/** The actions a role may take on resources whose JSON mentions `resourceLogicalId` (a bucket, queue, table). */
export function actionsOn(statements: Statement[], resourceLogicalId: string): string[] {
  return statements
    .filter((s) => s.effect === 'Allow' && s.resources.some((r) => r.includes(`"${resourceLogicalId}"`)))
    .flatMap((s) => s.actions);
}
