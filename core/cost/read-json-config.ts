import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * Reads a JSON file and validates it against a schema. A missing file, bad JSON or a failed check is a
 * {@link ConfigError} whose message names the file and, for a failed check, every field at fault.
 */
export function readJsonConfig<T extends z.ZodType>(file: string, schema: T, what: string): z.output<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError(`${what} ${file}: ${reason}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${what} ${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseConfig(data, schema, `${what} ${file}`);
}

/** Validates data already in memory; a failure is a {@link ConfigError} naming every field at fault. */
export function parseConfig<T extends z.ZodType>(data: unknown, schema: T, what: string): z.output<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    throw new ConfigError(`${what} is invalid: ${problems}`);
  }
  return parsed.data;
}

/**
 * The repository root (the directory holding `package.json` and `bench/`), found upwards from this file so the
 * same default paths work from the sources and from `dist/`.
 */
export function repoRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new ConfigError(`no Winnow checkout above ${from}: pass the file paths explicitly`);
    dir = parent;
  }
}
