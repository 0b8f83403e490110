import { resolve } from 'node:path';
import { z } from 'zod';
import { ENV } from '../core/config/env-names';
import { ConfigError } from '../core/errors';

const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error', 'silent']);

const CliEnvSchema = z.object({
  [ENV.stateDir]: z.string().min(1).optional(),
  [ENV.logLevel]: LogLevelSchema.default('warn'),
  [ENV.policyFile]: z.string().min(1).optional(),
});

/** The CLI's configuration from the environment, read and validated once. */
export interface CliConfig {
  readonly stateDir: string;
  readonly logLevel: z.infer<typeof LogLevelSchema>;
  readonly policyFile?: string;
}

/** Reads the CLI's environment once and validates it; a bad value fails with a message naming the variable. */
export function readCliConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CliConfig {
  const parsed = CliEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid environment: ${problems}`);
  }
  const e = parsed.data;
  return {
    stateDir: resolve(cwd, e[ENV.stateDir] ?? '.winnow'),
    logLevel: e[ENV.logLevel],
    policyFile: e[ENV.policyFile],
  };
}
