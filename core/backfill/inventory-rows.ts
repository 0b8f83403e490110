import { gunzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { ConfigError } from '../errors';
import type { InventoryFormat } from './inventory-manifest';

/** One object as an S3 Inventory lists it. */
export interface InventoryRow {
  readonly bucket: string;
  /** The object key, decoded (CSV inventories URL-encode keys). */
  readonly key: string;
  readonly size: number;
  readonly lastModified?: Date;
  readonly etag?: string;
}

/** Column names compared without case, spaces or underscores: `LastModifiedDate` is `last_modified_date`. */
const norm = (name: string) => name.toLowerCase().replace(/[\s_]/g, '');

/**
 * Reads the rows of one inventory data file: gzipped (or plain) CSV with the manifest's `columns`, or Parquet,
 * which names its own columns. Delete markers and noncurrent versions (versioned inventories) are left out.
 */
export async function readInventoryRows(
  data: Buffer,
  format: InventoryFormat,
  columns: readonly string[],
): Promise<InventoryRow[]> {
  const records = format === 'CSV' ? csvRecords(data, columns) : await parquetRecords(data);
  const rows: InventoryRow[] = [];
  for (const r of records) {
    if (truthy(r.isdeletemarker) || r.islatest === false || r.islatest === 'false') continue;
    const bucket = text(r.bucket);
    const rawKey = text(r.key);
    if (bucket === undefined || rawKey === undefined || rawKey === '') continue;
    const key = format === 'CSV' ? decodeCsvKey(rawKey) : rawKey;
    const lastModified = date(r.lastmodifieddate);
    const etag = text(r.etag);
    rows.push({
      bucket,
      key,
      size: Number(r.size ?? 0) || 0,
      ...(lastModified ? { lastModified } : {}),
      ...(etag ? { etag } : {}),
    });
  }
  return rows;
}

type RawRecord = Record<string, unknown>;

function csvRecords(data: Buffer, columns: readonly string[]): RawRecord[] {
  // gzip magic: inventories are gzipped, but an unpacked copy reads the same.
  const textData = (data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data).toString('utf8');
  const names = columns.map(norm);
  return parseCsv(textData).map((fields) => {
    const rec: RawRecord = {};
    names.forEach((n, i) => {
      rec[n] = fields[i];
    });
    return rec;
  });
}

async function parquetRecords(data: Buffer): Promise<RawRecord[]> {
  const file = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file });
  } catch (err) {
    throw new ConfigError(`an inventory data file is not readable Parquet: ${(err as Error).message}`);
  }
  return rows.map((row) => {
    const rec: RawRecord = {};
    for (const [k, v] of Object.entries(row)) rec[norm(k)] = v;
    return rec;
  });
}

/**
 * Parses CSV text (RFC 4180: quoted fields with `""` for a quote, CRLF or LF line ends) into records of fields.
 * Blank lines are skipped.
 */
export function parseCsv(input: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') records.push(fields);
    fields = [];
    field = '';
  };
  while (i < input.length) {
    const c = input[i];
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n') endRecord();
    else if (c !== '\r') field += c;
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

/** CSV inventories URL-encode keys as S3 does in listings (a space may be `+`). */
function decodeCsvKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return String(v);
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true';
}

function date(v: unknown): Date | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const d = v instanceof Date ? v : new Date(typeof v === 'bigint' ? Number(v) : (v as string | number));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
