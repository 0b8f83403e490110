import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PolicyError } from '../errors';
import { type Policy, PolicySchema } from './policy';

/** Validates a parsed policy object, with every problem listed by path in the error message. */
export function parsePolicy(raw: unknown, source = 'policy'): Policy {
  const result = PolicySchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('\n');
    throw new PolicyError(`${source} is not a valid policy:\n${problems}`);
  }
  return result.data;
}

/** Reads and validates a policy file (YAML or JSON; JSON is YAML). */
export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError(`cannot read policy file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`policy file ${file} is not valid YAML/JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parsePolicy(raw, `policy file ${file}`);
}

/** Path of the bundled default policy (`policies/default.yaml` at the package root). */
export function defaultPolicyPath(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'policies', 'default.yaml');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new PolicyError(
    `the bundled default policy (policies/default.yaml) was not found above ${resolve(__dirname)}`,
  );
}

/** Loads the policy at `file`, or the bundled default policy when no file is given. */
export function loadPolicy(file?: string): Policy {
  return loadPolicyFile(file ?? defaultPolicyPath());
}
