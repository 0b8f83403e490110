import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ENV } from '../../config/env-names';

/** Environment variable naming the shared folder (the one holding `data/`), as the test helpers read it. */
export const SHARED_DIR_ENV = ENV.sharedDir;

/** Where the three public sets live under the shared data folder, by their dataset names. */
export const SHARED_DATASETS: Readonly<Record<string, string>> = {
  'openai-moderation': join('text', 'openai-moderation', 'samples-1680.jsonl.gz'),
  davidson: join('text', 'davidson-hate-offensive', 'labeled_data.csv'),
  'multilingual-hatecheck': join('text', 'multilingual-hatecheck'),
};

/** The package root: the first folder above this file holding `package.json` and `policies/`. */
function packageRoot(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'policies'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * The shared data folder: `$WINNOW_SHARED_DIR/data` when that variable is set, else `../shared/data` beside the
 * package root. It may not exist; callers check.
 */
export function sharedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[SHARED_DIR_ENV];
  if (fromEnv) return resolve(fromEnv, 'data');
  const root = packageRoot() ?? process.cwd();
  return resolve(root, '..', 'shared', 'data');
}

/** The path of a shared set by name (`openai-moderation`, `davidson`, `multilingual-hatecheck`), or `undefined`. */
export function sharedDatasetPath(name: string, dataDir = sharedDataDir()): string | undefined {
  const rel = Object.hasOwn(SHARED_DATASETS, name) ? SHARED_DATASETS[name] : undefined;
  return rel === undefined ? undefined : join(dataDir, rel);
}
