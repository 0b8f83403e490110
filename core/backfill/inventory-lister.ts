import type { ListOptions, ListPage, ObjectInfo } from '../ports/object-store';
import type { InventoryManifest } from './inventory-manifest';
import { type InventoryRow, readInventoryRows } from './inventory-rows';

/** Options for {@link inventoryLister}. */
export interface InventoryListerOptions {
  readonly manifest: InventoryManifest;
  /** Reads one data file named in the manifest (a key of the destination bucket, or a local copy). */
  readonly readFile: (key: string) => Promise<Buffer>;
  /** Only rows of this bucket (S3 sources); unset: any bucket (a local copy of the objects). */
  readonly bucket?: string;
  /** Only rows under this key prefix, which is stripped: listed keys are relative to the source's root. */
  readonly keyPrefix?: string;
}

/** Where an inventory listing stands: the next row of the next data file. */
export interface InventoryCursor {
  readonly file: number;
  readonly row: number;
}

/** The cursor as saved in run state, `file:row`. */
export function formatInventoryCursor(c: InventoryCursor): string {
  return `${c.file}:${c.row}`;
}

/** Parses a saved cursor; throws `RangeError` for anything else. */
export function parseInventoryCursor(cursor: string | undefined): InventoryCursor {
  if (cursor === undefined) return { file: 0, row: 0 };
  const m = /^(\d+):(\d+)$/.exec(cursor);
  if (!m) throw new RangeError(`not an inventory cursor: ${JSON.stringify(cursor)}`);
  return { file: Number(m[1]), row: Number(m[2]) };
}

/**
 * Lists the objects of an S3 Inventory instead of the bucket, with the paging contract of `ObjectStore.list`: each
 * page ends with a cursor (data file index and row) that resumes right after it, also in a new process. Only the
 * data file being read is kept in memory. Rows of other buckets or outside `keyPrefix` advance the cursor
 * without being listed.
 */
export function inventoryLister(options: InventoryListerOptions): (o: ListOptions) => Promise<ListPage> {
  let loaded: { file: number; rows: readonly InventoryRow[] } | undefined;
  const rowsOf = async (file: number) => {
    if (loaded?.file !== file) {
      const key = options.manifest.files[file] as string;
      const data = await options.readFile(key);
      loaded = {
        file,
        rows: await readInventoryRows(data, options.manifest.format, options.manifest.columns),
      };
    }
    return loaded.rows;
  };
  const keyPrefix = options.keyPrefix ?? '';

  return async (o: ListOptions): Promise<ListPage> => {
    const limit = Math.max(1, Math.floor(o.limit ?? 1000));
    let { file, row } = parseInventoryCursor(o.cursor);
    const items: ObjectInfo[] = [];
    let scanned = 0;
    while (file < options.manifest.files.length && scanned < limit) {
      const rows = await rowsOf(file);
      while (row < rows.length && scanned < limit) {
        const r = rows[row] as InventoryRow;
        row++;
        scanned++;
        if (options.bucket !== undefined && r.bucket !== options.bucket) continue;
        if (!r.key.startsWith(keyPrefix)) continue;
        const key = r.key.slice(keyPrefix.length);
        if (key === '' || key.endsWith('/') || (o.prefix !== undefined && !key.startsWith(o.prefix)))
          continue;
        items.push({
          key,
          size: r.size,
          ...(r.lastModified ? { lastModified: r.lastModified } : {}),
          ...(r.etag ? { etag: r.etag } : {}),
        });
      }
      if (row >= rows.length) {
        file++;
        row = 0;
      }
    }
    const done = file >= options.manifest.files.length;
    return done ? { items } : { items, cursor: formatInventoryCursor({ file, row }) };
  };
}
