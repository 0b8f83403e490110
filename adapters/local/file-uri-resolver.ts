import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnreadableItemError } from '../../core/errors';
import type { ItemSource } from '../../core/pipeline/moderation-engine';
import type { ItemResolver, ResolveHints } from '../../core/ports/item-resolver';
import { FsObjectStore } from './fs-object-store';
import { isWithin } from './fs-walk';

/** Options for {@link FileUriResolver}. */
export interface FileUriResolverOptions {
  /**
   * Directories whose files may be read. A job names any path it likes, so nothing outside these roots is
   * served, also not through a symbolic link. Empty: every `file://` URI is refused.
   */
  readonly roots: readonly string[];
}

/**
 * An {@link ItemResolver} for `file://` URIs inside allowed root directories. Items are read through an
 * {@link FsObjectStore} per root, so FIFOs, devices, directories and broken links become `unreadable` verdicts as
 * in a scan, and the verdict's URI is the store's canonical form of the path (as `winnow scan` writes it).
 */
export class FileUriResolver implements ItemResolver {
  private readonly stores: readonly FsObjectStore[];

  constructor(options: FileUriResolverOptions) {
    this.stores = options.roots.map((r) => new FsObjectStore(r));
  }

  async resolve(uri: string, hints: ResolveHints = {}): Promise<ItemSource> {
    if (!/^file:/i.test(uri)) {
      throw new UnreadableItemError(
        `unsupported URI scheme in ${schemeOf(uri)}: this resolver reads file:// only`,
      );
    }
    let abs: string;
    try {
      abs = fileURLToPath(uri);
    } catch (err) {
      throw new UnreadableItemError(`EINVAL: not a local file URI: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const store = this.stores.find((s) => isWithin(s.root, abs) && abs !== s.root);
    if (!store) throw new UnreadableItemError('EACCES: the file is outside the allowed roots');
    await this.checkRealPath(store, abs);
    const key = path.relative(store.root, abs).split(path.sep).join('/');
    const info = await store.head(key).catch(() => undefined);
    return {
      uri: store.uriFor(key),
      size: info?.size ?? hints.size ?? 0,
      open: () => store.get(key),
    };
  }

  /** Refuses a path that a symbolic link leads out of its root. A path that does not resolve is left to `open`. */
  private async checkRealPath(store: FsObjectStore, abs: string): Promise<void> {
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([fsp.realpath(abs), fsp.realpath(store.root)]);
    } catch {
      return;
    }
    if (!isWithin(realRoot, real)) {
      throw new UnreadableItemError('EACCES: the file links outside the allowed roots');
    }
  }
}

/** The scheme of a URI, for messages that must not quote the URI's path. */
function schemeOf(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(uri);
  return m ? `${m[1]}:` : 'a URI without a scheme';
}
