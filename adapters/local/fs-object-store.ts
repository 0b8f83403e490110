import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { TransientStoreError, UnreadableItemError } from '../../core/errors';
import type { ListOptions, ListPage, ObjectInfo, ObjectStore } from '../../core/ports/object-store';
import { isWithin, type WalkEntry, walkTree } from './fs-walk';

/** Options for {@link FsObjectStore}. */
export interface FsObjectStoreOptions {
  /** Called with the absolute path each time `list` scans a directory (diagnostics and tests). */
  readonly onDirectoryScan?: (dirAbs: string) => void;
}

/** A walk left suspended after a page, ready for the page that continues from its cursor. */
interface ParkedWalk {
  readonly cursor: string;
  readonly prefix: string | undefined;
  readonly walk: AsyncGenerator<WalkEntry>;
  /** The entry read past the page's end. */
  readonly next: WalkEntry;
  readonly at: number;
}

/** How long a parked walk may be continued; after that the next page starts a fresh walk from the cursor. */
const PARK_TTL_MS = 60_000;
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

/** OS codes of write failures that may pass on their own. */
const TRANSIENT_WRITE_CODES = new Set([
  'EAGAIN',
  'EBUSY',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
  'EDQUOT',
  'ETIMEDOUT',
]);

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function etagOf(size: number, mtime: Date | undefined): string {
  return `${size.toString(16)}-${(mtime?.getTime() ?? 0).toString(16)}`;
}

/** What kind of file system entry something is, for error messages. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  return 'a special file';
}

function toInfo(entry: WalkEntry): ObjectInfo {
  return {
    key: entry.key,
    size: entry.size,
    lastModified: entry.mtime,
    etag: etagOf(entry.size, entry.mtime),
  };
}

/**
 * An {@link ObjectStore} over a local directory.
 *
 * `list` walks the tree lazily, depth first, each directory's entries ordered by code point (UTF-8 byte order),
 * comparing keys segment by segment (`a/b` before `a-b`). Its cursor is the last key of the page, so any listed
 * key resumes the listing, also in a new process; subtrees before the cursor are never read. Every entry that
 * is not a directory is listed, so nothing is skipped silently: broken or looping links, FIFOs, sockets and
 * devices are listed with size 0, and so are directories that cannot be read or would close a link cycle;
 * `get` on any of them throws {@link UnreadableItemError} naming the OS code.
 *
 * Byte ranges of `get` are inclusive at both ends, as in HTTP `Range` and S3. `head` of a directory is undefined
 * (directories are not objects), even of one that `list` reported because it could not be read.
 */
export class FsObjectStore implements ObjectStore {
  /** The absolute root directory. */
  readonly root: string;
  private readonly onDirectoryScan?: (dirAbs: string) => void;
  private parked?: ParkedWalk;

  constructor(root: string, options: FsObjectStoreOptions = {}) {
    this.root = path.resolve(root);
    this.onDirectoryScan = options.onDirectoryScan;
  }

  /**
   * Takes the walk parked by the previous page when this call continues it, so paging through a listing reads
   * each directory a few times in all rather than once per page. Any other cursor starts a fresh walk, which
   * is what makes every cursor work in a new process too.
   */
  private takeParked(options: ListOptions): ParkedWalk | undefined {
    const p = this.parked;
    if (!p || options.cursor !== p.cursor || options.prefix !== p.prefix) return undefined;
    this.parked = undefined;
    // A long-parked walk may have missed changes a fresh one would see.
    return Date.now() - p.at <= PARK_TTL_MS ? p : undefined;
  }

  uriFor(key: string): string {
    return pathToFileURL(this.resolve(key)).href;
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.limit ?? DEFAULT_PAGE)));
    let walk: AsyncGenerator<WalkEntry>;
    let next: WalkEntry | undefined;
    const parked = this.takeParked(options);
    if (parked) {
      walk = parked.walk;
      next = parked.next;
    } else {
      walk = walkTree(this.root, {
        prefix: options.prefix,
        after: options.cursor,
        batchSize: Math.max(limit + 1, 256),
        onDirectoryScan: this.onDirectoryScan,
      });
    }
    const items: ObjectInfo[] = [];
    try {
      for (;;) {
        if (next === undefined) {
          const r = await walk.next();
          if (r.done) break;
          next = r.value;
        }
        // One entry past the page tells whether the listing is complete; it is kept for the next page.
        if (items.length === limit) break;
        items.push(toInfo(next));
        next = undefined;
      }
    } catch (err) {
      throw this.listError(err);
    }
    const last = items[items.length - 1];
    if (next === undefined || !last) return { items };
    this.parked = { cursor: last.key, prefix: options.prefix, walk, next, at: Date.now() };
    return { items, cursor: last.key };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const abs = this.resolveForRead(key);
    let lst: Stats;
    try {
      lst = await fsp.lstat(abs);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new UnreadableItemError(`${code ?? 'EIO'}: cannot stat ${JSON.stringify(key)}`, { cause: err });
    }
    let st = lst;
    if (lst.isSymbolicLink()) {
      try {
        st = await fsp.stat(abs);
      } catch {
        // A broken or looping link is listed with size 0; head agrees with the listing.
        return { key, size: 0, lastModified: lst.mtime, etag: etagOf(0, lst.mtime) };
      }
    }
    if (st.isDirectory()) return undefined;
    const size = st.isFile() ? st.size : 0;
    return { key, size, lastModified: st.mtime, etag: etagOf(size, st.mtime) };
  }

  async get(
    key: string,
    options: { readonly start?: number; readonly end?: number } = {},
  ): Promise<Readable> {
    const abs = this.resolveForRead(key);
    const label = JSON.stringify(key);
    // Check the type before opening: opening a FIFO would block, and opening a device can have side effects.
    let st: Stats;
    try {
      st = await fsp.stat(abs);
    } catch (err) {
      const code = errCode(err) ?? 'EIO';
      // The listing decodes names as UTF-8; a name that is not valid UTF-8 cannot be opened by its decoded key.
      const hint = code === 'ENOENT' && key.includes('\uFFFD') ? ' (its name is not valid UTF-8)' : '';
      throw new UnreadableItemError(`${code}: cannot read ${label}${hint}`, { cause: err });
    }
    if (st.isDirectory()) throw await this.directoryError(abs, label);
    if (!st.isFile()) throw new UnreadableItemError(`ENOTREG: ${label} is ${kindOf(st)}, not a regular file`);

    let handle: FileHandle;
    try {
      // O_NONBLOCK so that a file swapped for a FIFO since the stat cannot block the open.
      handle = await fsp.open(abs, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (err) {
      const code = errCode(err) ?? 'EIO';
      throw new UnreadableItemError(`${code}: cannot read ${label}`, { cause: err });
    }
    try {
      const fst = await handle.stat();
      if (!fst.isFile())
        throw new UnreadableItemError(`ENOTREG: ${label} is ${kindOf(fst)}, not a regular file`);
      const start = options.start ?? 0;
      const end = options.end;
      if (
        !Number.isInteger(start) ||
        start < 0 ||
        (end !== undefined && (!Number.isInteger(end) || end < start))
      ) {
        throw new RangeError(`invalid byte range ${start}..${end ?? ''} for ${label}`);
      }
      return handle.createReadStream({ start, end, autoClose: true });
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    const abs = this.resolve(key);
    if (abs === this.root) throw new RangeError('cannot put an object at the store root');
    const dir = path.dirname(abs);
    const tmp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fsp.mkdir(dir, { recursive: true });
      const handle = await fsp.open(tmp, 'wx');
      try {
        if (typeof body === 'string' || Buffer.isBuffer(body)) {
          await handle.writeFile(body);
        } else {
          for await (const chunk of body) {
            await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, abs);
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      const code = errCode(err);
      if (code && TRANSIENT_WRITE_CODES.has(code)) {
        throw new TransientStoreError(`${code}: cannot write ${JSON.stringify(key)}`, { cause: err });
      }
      throw err;
    }
  }

  /** Absolute path of a key; throws `RangeError` for keys that would escape the root. */
  private resolve(key: string): string {
    if (key.includes('\0')) throw new RangeError(`invalid key ${JSON.stringify(key)}: NUL byte`);
    if (path.isAbsolute(key)) throw new RangeError(`invalid key ${JSON.stringify(key)}: absolute path`);
    const abs = path.resolve(this.root, key);
    if (
      abs !== this.root &&
      !abs.startsWith(this.root.endsWith(path.sep) ? this.root : this.root + path.sep)
    ) {
      throw new RangeError(`invalid key ${JSON.stringify(key)}: escapes the store root`);
    }
    return abs;
  }

  /** Like {@link resolve}, but a bad key is an unreadable item, as the read methods promise. */
  private resolveForRead(key: string): string {
    try {
      return this.resolve(key);
    } catch (err) {
      throw new UnreadableItemError(`EINVAL: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Says why a directory key is unreadable, as `list` found it: a directory that cannot be listed, a link
   * closing a cycle, or just a directory.
   */
  private async directoryError(abs: string, label: string): Promise<UnreadableItemError> {
    try {
      const dir = await fsp.opendir(abs);
      await dir.close();
    } catch (err) {
      const code = errCode(err) ?? 'EIO';
      return new UnreadableItemError(`${code}: ${label} is a directory that cannot be listed`, {
        cause: err,
      });
    }
    try {
      const real = await fsp.realpath(abs);
      const parentReal = await fsp.realpath(path.dirname(abs));
      if (isWithin(real, parentReal) || isWithin(real, await fsp.realpath(this.root))) {
        return new UnreadableItemError(`ELOOP: ${label} links to a directory that contains it (a cycle)`);
      }
    } catch {
      // Fall through to the plain answer.
    }
    return new UnreadableItemError(`EISDIR: ${label} is a directory`);
  }

  private listError(err: unknown): Error {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') {
      return new UnreadableItemError(`${code}: cannot list store root ${this.root}`, { cause: err });
    }
    if (code && TRANSIENT_WRITE_CODES.has(code)) {
      return new TransientStoreError(`${code}: listing ${this.root} failed`, { cause: err });
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}
