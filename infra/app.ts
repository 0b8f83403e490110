#!/usr/bin/env node
/**
 * The example CDK app: `npm run build && npx cdk deploy` (cdk.json runs the compiled `dist/infra/app.js`).
 * See docs/deploy-aws.md. `-c winnow:nag=true` adds the cdk-nag AwsSolutions checks to the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WinnowStack } from './winnow-stack';

const app = new App();
new WinnowStack(app, 'WinnowStack', {
  // The CLI's account and region (from the AWS profile) when it has credentials; without them the stack stays
  // environment-agnostic. No lookups either way, so `cdk synth` works offline.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
const nag = app.node.tryGetContext('winnow:nag');
if (nag === true || nag === 'true')
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
