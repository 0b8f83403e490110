import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeasuredFigures } from '../../../core/cost/measured-figures';
import type { PriceList } from '../../../core/cost/price-list';

export const PRICES_FILE = join(__dirname, '../../../core/cost/aws-prices.json');
export const MEASURED_FILE = join(__dirname, '../../../bench/measured.json');

/** The committed price list as plain JSON, to alter in tests. */
export function committedPrices(): PriceList {
  return JSON.parse(readFileSync(PRICES_FILE, 'utf8'));
}

/** The committed measured figures as plain JSON. */
export function committedMeasured(): MeasuredFigures {
  return JSON.parse(readFileSync(MEASURED_FILE, 'utf8'));
}

const figure = (value: number, unit: 'ms' | 'x-real-time') => ({
  value,
  unit,
  method: 'fixture',
  machine: 'fixture',
  measured: '2026-01-01',
});

/** Round prices, so every line can be checked by hand. */
export function roundPrices(): PriceList {
  const p = committedPrices();
  return {
    ...p,
    lambda: { ...p.lambda, perGbSecond: { x86_64: 0.00001, arm64: 0.000005 }, perRequest: 0.000001 },
    ec2: {
      ...p.ec2,
      instances: {
        'g4dn.xlarge': { onDemandPerHour: 3.6, spotPerHour: 1.8, vcpus: 4, gpu: 'T4', notes: 'fixture' },
      },
      ebsGp3PerGbMonth: 0,
    },
    sqs: { ...p.sqs, perMillionRequests: 1 },
    s3: { ...p.s3, getPerThousand: 0.001, putPerThousand: 0.01 },
    dynamodb: { ...p.dynamodb, perMillionWriteUnits: 1, perMillionReadUnits: 0.5 },
    cloudwatchLogs: { ...p.cloudwatchLogs, perGbIngested: 1 },
    deployment: {
      ...p.deployment,
      lambdaArchitecture: 'x86_64',
      fastTierMemoryMiB: 1024,
      fastQueueBatchSize: 10,
      workerInstanceType: 'g4dn.xlarge',
      workerConcurrency: 4,
      workerHeartbeatSec: 40,
    },
    assumptions: {
      ...p.assumptions,
      awsCallWaitMs: { value: 10, notes: 'fixture' },
      s3ReadMBps: { value: 1, notes: 'fixture' },
      coldStartsPerThousandItems: { value: 0, notes: 'fixture' },
      routingComputeMs: { value: 5, notes: 'fixture' },
      heavyJobsPerInstance: { value: 2, notes: 'fixture' },
      heavyUtilization: { value: 0.5, notes: 'fixture' },
      verdictItemKiB: { value: 1, notes: 'fixture' },
      verdictIndexes: { value: 1, notes: 'fixture' },
      cacheItemKiB: { value: 1, notes: 'fixture' },
      logKiBPerItem: { value: 0, notes: 'fixture' },
      typicalBytes: { value: { text: 1000, image: 1000, unknown: 1000 }, notes: 'fixture' },
      typicalDurationSec: { value: 60, notes: 'fixture' },
    },
  };
}

/** Round figures: a 100 ms image (p50) and 200 ms (p95), a 1 ms text, video at 10× real time. */
export function roundMeasured(): MeasuredFigures {
  return {
    figures: {
      'fast-tier.image.no-text.ocr-on.p50': figure(100, 'ms'),
      'fast-tier.image.no-text.ocr-on.p95': figure(200, 'ms'),
      'fast-tier.text.per-item': figure(1, 'ms'),
      'fast-tier.cold-start': figure(1000, 'ms'),
      'heavy-tier.video.rtf': figure(10, 'x-real-time'),
      'heavy-tier.video.rtf.slowest': figure(5, 'x-real-time'),
      'heavy-tier.audio.rtf': figure(20, 'x-real-time'),
    },
  };
}
