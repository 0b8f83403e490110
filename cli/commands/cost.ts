import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCostReport } from '../../core/cost/cost-report';
import { formatCostTable } from '../../core/cost/format-cost-report';
import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { EXIT, UsageError } from '../usage-error';

export const COST_USAGE = `Usage: winnow cost [options]

Dollars per 1,000 items by media type and tier on AWS, computed from the latencies the benchmarks measured
(bench/measured.json) and a dated AWS price list (core/cost/aws-prices.json), next to Amazon Rekognition's list
price. The method is in docs/cost.md.

Options:
  --json                   print the report as one JSON object
  --prices FILE            price list (default: core/cost/aws-prices.json)
  --measured FILE          measured figures (default: bench/measured.json)
  --duration SEC           length of the audio and video items priced (default 60)
  --lambda-cpu-factor X    Lambda compute time = measured time × X (default 1: a Lambda vCPU as fast as the
                           bench machine's core; above 1 when Lambda is slower)
  -h, --help               this text`;

/** `winnow cost`: parses flags, prices the table with the core cost model, prints it. */
export async function costCommand(argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      prices: { type: 'string' },
      measured: { type: 'string' },
      duration: { type: 'string' },
      'lambda-cpu-factor': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${COST_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`cost takes no arguments, got "${positionals.join(' ')}"`);
  const durationSec = positiveNumber('--duration', values.duration, 24 * 60 * 60);
  const lambdaCpuFactor = positiveNumber('--lambda-cpu-factor', values['lambda-cpu-factor'], 100);

  const report = buildCostReport({
    prices: values.prices === undefined ? undefined : resolve(values.prices),
    measured: values.measured === undefined ? undefined : resolve(values.measured),
    durationSec,
    lambdaCpuFactor,
  });
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatCostTable(report)}\n`);
  return EXIT.ok;
}

function positiveNumber(flag: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new UsageError(`${flag} must be a number above 0 and at most ${max}, got "${raw}"`);
  }
  return n;
}
