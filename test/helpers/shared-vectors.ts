import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** The shared data folder: `WINNOW_SHARED_DIR`, else `../shared` beside the repository. */
export function sharedDir(): string {
  const fromEnv = process.env.WINNOW_SHARED_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : resolve(REPO_ROOT, '..', 'shared');
}

/**
 * The folder `vectors/<sub>` of the shared data when it exists, else `undefined` after printing a notice (so a
 * suite that depends on it can skip visibly rather than fail on machines without the data).
 */
export function vectorsDir(sub: string, suite: string): string | undefined {
  const dir = join(sharedDir(), 'vectors', sub);
  if (existsSync(dir)) return dir;
  console.warn(
    `${suite}: skipped, test vectors not found at ${dir} (set WINNOW_SHARED_DIR to the folder holding vectors/)`,
  );
  return undefined;
}

/** Rows of a simple CSV file (no quoted commas) as objects keyed by the header. */
export function readCsv(path: string): Record<string, string>[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = (lines.shift() ?? '').split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

/** Rows of a tab-separated file as objects keyed by the header. */
export function readTsv(path: string): Record<string, string>[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = (lines.shift() ?? '').split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

/**
 * `describe` when `dir` is defined. Otherwise the suite is reported as skipped (the notice was printed by
 * {@link vectorsDir}) without running its body: a skipped `describe` still runs its callback to collect tests, and
 * the bodies read the vectors while collecting.
 */
export function describeWith(dir: string | undefined): (name: string, body: () => void) => void {
  if (dir !== undefined) return (name, body) => describe(name, body);
  return (name) =>
    describe.skip(name, () => {
      it('needs the shared test vectors', () => undefined);
    });
}
