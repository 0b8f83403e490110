import type { Readable } from 'node:stream';

/** Metadata of one stored object. */
export interface ObjectInfo {
  /** Key relative to the store's root, `/`-separated. */
  readonly key: string;
  /** Size in bytes (0 when it cannot be known, e.g. a broken link; `get` then fails). */
  readonly size: number;
  readonly lastModified?: Date;
  /** Opaque version tag (S3 ETag, or size+mtime locally). */
  readonly etag?: string;
}

/** One page of a listing. */
export interface ListPage {
  readonly items: readonly ObjectInfo[];
  /** Pass back to `list` to continue after the last item; absent when the listing is complete. */
  readonly cursor?: string;
}

/** Options for {@link ObjectStore.list}. */
export interface ListOptions {
  /** Only keys starting with this prefix. */
  readonly prefix?: string;
  /** Resume after this point: a cursor from a previous page, or any key previously listed. */
  readonly cursor?: string;
  /** Most items in one page (the store may return fewer). */
  readonly limit?: number;
}

/**
 * Where items live: a directory on disk, an S3 bucket. Listing order is stable, so a cursor taken from any
 * listed key resumes the listing right after that key, also in a new process.
 */
export interface ObjectStore {
  /** URI of an object, e.g. `file:///data/a.txt` or `s3://bucket/a.txt`. */
  uriFor(key: string): string;
  /** Lists objects in a stable order, one page at a time. */
  list(options?: ListOptions): Promise<ListPage>;
  /** Metadata of one object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Streams an object's bytes, or the inclusive byte range `start..end` (as HTTP and S3 ranges). Throws
   * `UnreadableItemError` when it cannot be read.
   */
  get(key: string, options?: { readonly start?: number; readonly end?: number }): Promise<Readable>;
  /** Writes an object, creating parents as needed. */
  put(key: string, body: Buffer | string | Readable): Promise<void>;
}
