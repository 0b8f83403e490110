import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The local file an item URI names: a `file:` URL or a plain path (relative ones resolved against `baseDir`).
 * Undefined for anything else (`s3://`, `https://`): a report never fetches remote content.
 */
export function localPathOf(uri: string, baseDir: string): string | undefined {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  if (uri === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) || uri.includes('\u0000')) return undefined;
  return isAbsolute(uri) ? uri : resolve(baseDir, uri);
}
