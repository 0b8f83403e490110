import { promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Lifecycle of a queue worker, as its health file reports it. */
export type WorkerState = 'starting' | 'running' | 'draining' | 'stopped';

/** What a worker's health file holds (JSON). Counts only: never message bodies. */
export interface WorkerHealth {
  readonly state: WorkerState;
  readonly pid: number;
  readonly concurrency: number;
  /** Messages being handled now. */
  readonly inFlight: number;
  /** Messages handled and deleted since start. */
  readonly processed: number;
  /** Handler failures (each message was left to be retried). */
  readonly failed: number;
  /** Invalid messages sent to the dead-letter queue. */
  readonly deadLettered: number;
  /** Messages handed back unfinished while stopping. */
  readonly released: number;
  /** When the last receive returned (ISO), if any. */
  readonly lastPollAt?: string;
  readonly startedAt: string;
  readonly updatedAt: string;
}

/** Writes the health file atomically (temp file and rename), so a reader never sees half a file. */
export async function writeHealthFile(file: string, health: WorkerHealth): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(tmp, `${JSON.stringify(health)}\n`);
  await fsp.rename(tmp, file);
}

/** The verdict of {@link checkHealth}. */
export interface HealthCheck {
  readonly healthy: boolean;
  readonly reason: string;
}

/**
 * Judges a worker from its health file: healthy while it is starting, running or draining, the file is fresh,
 * and it has polled recently unless every slot is busy (long jobs legitimately stop polling).
 */
export function checkHealth(file: string, maxAgeMs: number, now: Date = new Date()): HealthCheck {
  let health: WorkerHealth;
  try {
    health = JSON.parse(readFileSync(file, 'utf8')) as WorkerHealth;
  } catch (err) {
    return { healthy: false, reason: `cannot read ${file}: ${(err as Error).message}` };
  }
  const age = (iso: string | undefined): number =>
    iso === undefined ? Number.POSITIVE_INFINITY : now.getTime() - Date.parse(iso);
  if (health.state === 'stopped') return { healthy: false, reason: 'the worker has stopped' };
  if (!(age(health.updatedAt) <= maxAgeMs)) {
    return { healthy: false, reason: `the health file is stale (updated ${health.updatedAt})` };
  }
  const busy = health.inFlight >= health.concurrency;
  if (health.state === 'running' && !busy && !(age(health.lastPollAt ?? health.startedAt) <= maxAgeMs)) {
    return { healthy: false, reason: `no receive since ${health.lastPollAt ?? health.startedAt}` };
  }
  return { healthy: true, reason: `${health.state}, ${health.inFlight} in flight, ${health.processed} done` };
}
