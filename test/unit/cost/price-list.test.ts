import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPriceList } from '../../../core/cost/price-list';
import { ConfigError } from '../../../core/errors';
import { committedPrices, PRICES_FILE } from './fixtures';

describe('price list', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-prices-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, data: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    return file;
  };

  it('loads the committed, dated price list', () => {
    const p = loadPriceList();
    expect(p.version).toMatch(/^aws-us-east-1-\d{4}-\d{2}-\d{2}$/);
    expect(p.version.endsWith(p.asOf)).toBe(true);
    expect(p.rekognition.imageModerationPerThousand).toBe(1);
    expect(p.rekognition.videoModerationPerMinute).toBe(0.1);
    expect(p.lambda.perGbSecond.arm64).toBeLessThan(p.lambda.perGbSecond.x86_64);
    for (const i of Object.values(p.ec2.instances)) expect(i.spotPerHour).toBeLessThan(i.onDemandPerHour);
  });

  it('names the field at fault', () => {
    const p = committedPrices() as unknown as { lambda: { perGbSecond: Record<string, unknown> } };
    p.lambda.perGbSecond.x86_64 = 'cheap';
    expect(() => loadPriceList(write('bad-type.json', p))).toThrow(/lambda\.perGbSecond\.x86_64/);

    const missing = committedPrices() as unknown as Record<string, Record<string, unknown>>;
    delete missing.dynamodb?.perMillionWriteUnits;
    expect(() => loadPriceList(write('missing.json', missing))).toThrow(/dynamodb\.perMillionWriteUnits/);

    const negative = committedPrices();
    (negative.sqs as { perMillionRequests: number }).perMillionRequests = -1;
    expect(() => loadPriceList(write('negative.json', negative))).toThrow(/sqs\.perMillionRequests/);
  });

  it('refuses a worker instance type without a price', () => {
    const p = committedPrices();
    (p.deployment as { workerInstanceType: string }).workerInstanceType = 'p5.48xlarge';
    expect(() => loadPriceList(write('instance.json', p))).toThrow(
      /deployment\.workerInstanceType: "p5\.48xlarge" has no price/,
    );
  });

  it('refuses a version without a date', () => {
    const p = { ...committedPrices(), version: 'latest' };
    expect(() => loadPriceList(write('version.json', p))).toThrow(/version: must look like/);
  });

  it('reports a missing file and bad JSON as ConfigError naming the file', () => {
    const gone = join(dir, 'gone.json');
    expect(() => loadPriceList(gone)).toThrow(ConfigError);
    expect(() => loadPriceList(gone)).toThrow(`price list ${gone}: no such file`);
    const broken = write('broken.json', '{ "version": ');
    expect(() => loadPriceList(broken)).toThrow(/broken\.json: not valid JSON/);
  });

  it('agrees with the defaults of the CDK construct and the GPU worker', () => {
    const infra = readFileSync(join(__dirname, '../../../infra/winnow-moderation.ts'), 'utf8');
    const worker = readFileSync(join(__dirname, '../../../gpu-worker/config.ts'), 'utf8');
    const d = loadPriceList(PRICES_FILE).deployment;
    const grab = (text: string, re: RegExp) => re.exec(text)?.[1];
    expect(grab(infra, /props\.fastQueueFunction,\s*\{ memorySize: (\d+)/)).toBe(String(d.fastTierMemoryMiB));
    expect(grab(infra, /props\.uploadFunction,\s*\{ memorySize: (\d+)/)).toBe(String(d.fastTierMemoryMiB));
    expect(grab(infra, /batchSize: props\.fastQueueBatchSize \?\? (\d+)/)).toBe(String(d.fastQueueBatchSize));
    expect(grab(infra, /DEFAULT_INSTANCE_TYPES = \['([^']+)'/)).toBe(d.workerInstanceType);
    expect(grab(infra, /props\.workerConcurrency \?\? (\d+)/)).toBe(String(d.workerConcurrency));
    expect(grab(infra, /props\.workerRootVolumeGiB \?\? (\d+)/)).toBe(String(d.workerRootVolumeGiB));
    expect(grab(worker, /workerConcurrency\]: int\(1, 256\)\.default\((\d+)\)/)).toBe(
      String(d.workerConcurrency),
    );
    const visibility = Number(grab(infra, /workerVisibilityTimeout \?\? Duration\.seconds\((\d+)\)/));
    expect(d.workerHeartbeatSec).toBe(visibility / 3);
    expect(d.lambdaArchitecture).toBe('x86_64');
  });
});
