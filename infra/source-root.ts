import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Dockerfiles of the two images, relative to the repository root (the Docker build context of both). */
export const FUNCTIONS_DOCKERFILE = 'functions/Dockerfile';
export const WORKER_DOCKERFILE = 'gpu-worker/Dockerfile';

/**
 * Paths left out of both images' build contexts on top of `gpu-worker/Dockerfile.dockerignore`: nothing in them runs
 * in an image (the CDK code included), and leaving them out keeps the asset hashes, and so the image rebuilds at
 * deploy, stable when only tests, docs or infrastructure change. `*.md` matches root-level files only.
 */
const EXTRA_EXCLUDES = ['test', 'docs', '.ci', '.github', 'infra', 'cdk.json', '*.md'];

/**
 * The repository root: the nearest directory above `from` that holds `package.json` and `gpu-worker/Dockerfile`.
 * Works from `infra/` (ts-jest) and from `dist/infra/` (the compiled app that `cdk.json` runs).
 */
export function findSourceRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, WORKER_DOCKERFILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`could not find the Winnow repository root (with ${WORKER_DOCKERFILE}) above ${from}`);
    }
    dir = parent;
  }
}

/**
 * Exclude patterns (Docker ignore syntax) for the image assets. CDK copies the build context into `cdk.out` at synth
 * time and reads only a root `.dockerignore`, not BuildKit's per-Dockerfile `gpu-worker/Dockerfile.dockerignore`, so
 * that file's patterns are passed explicitly: without them the copy would include `node_modules` (gigabytes).
 */
export function dockerContextExcludes(sourceRoot: string): string[] {
  const file = join(sourceRoot, `${WORKER_DOCKERFILE}.dockerignore`);
  const fromFile = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
    : ['.git', 'node_modules', 'dist', 'cdk.out', 'models/generated', 'examples'];
  return [...new Set([...fromFile, ...EXTRA_EXCLUDES])];
}
