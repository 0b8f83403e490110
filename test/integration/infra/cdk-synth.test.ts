import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `cdk synth` through the real CLI and cdk.json, offline: the compiled app (`dist/infra/app.js`, rebuilt here when
 * a source is newer), no AWS credentials, no lookups, no bundling (the functions and the worker are Docker image
 * assets, which synth only copies). About 10-15 s on 2 cores, plus a build when one is needed.
 */
const root = join(__dirname, '../../..');
const outdir = mkdtempSync(join(tmpdir(), 'winnow-cdk-out-'));

/** Sources the compiled app is made of; a newer one than its output means `npm run build` is due. */
function buildIsStale(): boolean {
  const compiled = join(root, 'dist/infra/app.js');
  if (!existsSync(compiled)) return true;
  const builtAt = statSync(compiled).mtimeMs;
  const sources = [
    ...readdirSync(join(root, 'infra'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(root, 'infra', f)),
    join(root, 'core/config/env-names.ts'),
    join(root, 'adapters/aws/verdict-table.ts'),
    join(root, 'adapters/aws/cache-table.ts'),
  ];
  return sources.some((f) => statSync(f).mtimeMs > builtAt);
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

let template: Template;
let assets: { dockerImages: Record<string, { source: { directory: string; dockerFile: string } }> };
let cliOutput = '';

beforeAll(() => {
  if (buildIsStale()) {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
  }
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--no-notices', '-q', '-o', outdir],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        CDK_DISABLE_CLI_TELEMETRY: '1',
        // No credential probing against the EC2 metadata service: synth needs no AWS account.
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  cliOutput = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`cdk synth failed (${run.status ?? run.signal}):\n${cliOutput}`);
  process.stderr.write(`cdk synth took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  template = JSON.parse(readFileSync(join(outdir, 'WinnowStack.template.json'), 'utf8'));
  assets = JSON.parse(readFileSync(join(outdir, 'WinnowStack.assets.json'), 'utf8'));
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const count = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type).length;

describe('cdk synth (CLI, offline)', () => {
  it('synthesises the WinnowStack with every part of the deployment', () => {
    expect(cliOutput).not.toMatch(/\[Error|failed/i);
    expect(count('AWS::SQS::Queue')).toBe(5);
    expect(count('AWS::S3::Bucket')).toBe(5); // source, results, quarantine, hash banks, access logs
    expect(count('AWS::DynamoDB::Table')).toBe(2);
    expect(count('AWS::Lambda::Function')).toBe(4); // three Winnow functions + CDK's notifications handler
    expect(count('AWS::ECS::Cluster')).toBe(1);
    expect(count('AWS::ECS::CapacityProvider')).toBe(1);
    expect(count('AWS::ECS::TaskDefinition')).toBe(1);
    expect(count('AWS::ECS::Service')).toBe(1);
    expect(count('AWS::AutoScaling::AutoScalingGroup')).toBe(1);
    expect(count('AWS::ApplicationAutoScaling::ScalingPolicy')).toBe(2);
    expect(count('AWS::CloudWatch::Alarm')).toBe(7);
    expect(count('AWS::CloudWatch::Dashboard')).toBe(1);
    expect(count('AWS::EC2::NatGateway')).toBe(0);
  });

  it('uses no context lookups (availability zones come from Fn::GetAZs)', () => {
    expect(existsSync(join(root, 'cdk.context.json'))).toBe(false);
    const subnets = Object.values(template.Resources).filter((r) => r.Type === 'AWS::EC2::Subnet');
    for (const subnet of subnets)
      expect(JSON.stringify(subnet.Properties?.AvailabilityZone)).toContain('Fn::GetAZs');
  });

  it('stages the two image build contexts without node_modules', () => {
    const images = Object.values(assets.dockerImages).map((i) => i.source);
    expect(images.map((i) => i.dockerFile).sort()).toEqual(['functions/Dockerfile', 'gpu-worker/Dockerfile']);
    for (const image of images) {
      const entries = readdirSync(join(outdir, image.directory));
      expect(entries).toContain('package-lock.json');
      expect(entries).not.toContain('node_modules');
    }
  });
});
