import { lstat, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FsObjectStore } from '../adapters/local';
import type { ScanSource } from '../core/pipeline/batch-scan';
import { UsageError } from './usage-error';

/**
 * Turns command-line paths into scan sources: a directory is listed; anything else is one item. Winnow's own state
 * and output folders are left out when they sit inside a scanned directory, so a scan never moderates itself.
 */
export async function resolveSources(
  paths: readonly string[],
  ownDirs: readonly string[],
): Promise<ScanSource[]> {
  const sources: ScanSource[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    let isDir = false;
    try {
      const st = await lstat(abs);
      isDir = st.isDirectory() || (st.isSymbolicLink() && (await isDirectoryTarget(abs)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UsageError(`no such file or directory: ${p}`);
      throw new UsageError(`cannot access ${p}: ${(err as Error).message}`);
    }
    const id = pathToFileURL(abs).href;
    if (seen.has(id)) continue;
    seen.add(id);
    const excludePrefixes = ownDirs
      .map((d) => relative(abs, d))
      .filter((r) => r !== '' && !r.startsWith('..') && !isAbsolute(r))
      .map((r) => `${r.split(sep).join('/')}/`);
    sources.push(
      isDir
        ? { id, store: new FsObjectStore(abs), excludePrefixes }
        : { id, store: new FsObjectStore(dirname(abs)), keys: [basename(abs)] },
    );
  }
  return sources;
}

async function isDirectoryTarget(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isDirectory();
  } catch {
    return false;
  }
}
