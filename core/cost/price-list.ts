import { join } from 'node:path';
import { z } from 'zod';
import { readJsonConfig, repoRoot } from './read-json-config';

const price = z.number().nonnegative();
const positive = z.number().positive();
const text = z.string().min(1);

/** An assumption the benches do not measure, with the reason for its value. */
const assumption = <T extends z.ZodType>(value: T) => z.object({ value, notes: text });

const InstancePriceSchema = z.object({
  onDemandPerHour: positive,
  spotPerHour: positive,
  vcpus: z.number().int().positive(),
  gpu: text,
  notes: text,
});

/** Schema of the dated price list (`core/cost/aws-prices.json`). */
export const PriceListSchema = z
  .object({
    version: z
      .string()
      .regex(/^aws-[a-z0-9-]+-\d{4}-\d{2}-\d{2}$/, 'must look like aws-us-east-1-2026-11-01'),
    asOf: z.iso.date(),
    region: text,
    currency: z.literal('USD'),
    about: text,
    lambda: z.object({
      perGbSecond: z.object({ x86_64: positive, arm64: positive }),
      perRequest: price,
      source: text,
      notes: text,
    }),
    ec2: z.object({
      instances: z.record(z.string(), InstancePriceSchema),
      ebsGp3PerGbMonth: price,
      hoursPerMonth: positive,
      source: text,
      notes: text,
    }),
    sqs: z.object({ perMillionRequests: price, source: text, notes: text }),
    s3: z.object({ getPerThousand: price, putPerThousand: price, source: text, notes: text }),
    dynamodb: z.object({
      perMillionWriteUnits: price,
      perMillionReadUnits: price,
      source: text,
      notes: text,
    }),
    cloudwatchLogs: z.object({ perGbIngested: price, source: text, notes: text }),
    rekognition: z.object({
      imageModerationPerThousand: positive,
      videoModerationPerMinute: positive,
      source: text,
      notes: text,
    }),
    deployment: z.object({
      lambdaArchitecture: z.enum(['x86_64', 'arm64']),
      fastTierMemoryMiB: z.number().int().min(128).max(10240),
      fastQueueBatchSize: z.number().int().min(1).max(10000),
      workerInstanceType: text,
      workerConcurrency: z.number().int().min(1),
      workerRootVolumeGiB: z.number().int().positive(),
      workerHeartbeatSec: positive,
      notes: text,
    }),
    assumptions: z.object({
      awsCallWaitMs: assumption(price),
      s3ReadMBps: assumption(positive),
      coldStartsPerThousandItems: assumption(price),
      routingComputeMs: assumption(price),
      heavyJobsPerInstance: assumption(positive),
      heavyUtilization: assumption(z.number().positive().max(1)),
      verdictItemKiB: assumption(positive),
      verdictIndexes: assumption(z.number().int().nonnegative()),
      cacheItemKiB: assumption(positive),
      logKiBPerItem: assumption(price),
      typicalBytes: assumption(
        z.object({
          text: z.number().int().positive(),
          image: z.number().int().positive(),
          unknown: z.number().int().positive(),
        }),
      ),
      typicalDurationSec: assumption(positive),
    }),
  })
  .superRefine((p, ctx) => {
    if (!(p.deployment.workerInstanceType in p.ec2.instances)) {
      ctx.addIssue({
        code: 'custom',
        path: ['deployment', 'workerInstanceType'],
        message: `"${p.deployment.workerInstanceType}" has no price in ec2.instances`,
      });
    }
  });

/** The dated AWS price list and the deployment facts and assumptions the cost model prices with. */
export type PriceList = z.output<typeof PriceListSchema>;

/** The committed price list. */
export function defaultPriceListPath(): string {
  return join(repoRoot(), 'core/cost/aws-prices.json');
}

/**
 * Reads and validates a price list (default: the committed `core/cost/aws-prices.json`). A bad file is a
 * `ConfigError` naming each field at fault; the deployment's worker instance type must be priced.
 */
export function loadPriceList(file = defaultPriceListPath()): PriceList {
  return readJsonConfig(file, PriceListSchema, 'price list');
}
