import { ENV } from '../core/config/env-names';
import { checkHealth } from '../core/worker/health-file';

/** Container health check: exit 0 when the worker's health file says it is alive, 1 otherwise. */
const file = process.env[ENV.healthFile];
if (!file) {
  process.stdout.write(`unhealthy: ${ENV.healthFile} is not set\n`);
  process.exit(1);
}
// Written every 5 s; a minute without an update (or without a receive while slots are free) means stuck.
const result = checkHealth(file, 60_000);
process.stdout.write(`${result.healthy ? 'healthy' : 'unhealthy'}: ${result.reason}\n`);
process.exit(result.healthy ? 0 : 1);
