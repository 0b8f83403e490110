import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { inventoryLister } from '../../../core/backfill/inventory-lister';
import { parseInventoryManifest } from '../../../core/backfill/inventory-manifest';
import { parseCsv, readInventoryRows } from '../../../core/backfill/inventory-rows';
import type { ObjectInfo } from '../../../core/ports/object-store';

const CSV_SCHEMA = 'Bucket, Key, Size, LastModifiedDate, ETag, StorageClass';

function csvManifest(files: string[]) {
  return JSON.stringify({
    sourceBucket: 'photos',
    destinationBucket: 'arn:aws:s3:::inventory-dest',
    version: '2016-11-30',
    creationTimestamp: '1700000000000',
    fileFormat: 'CSV',
    fileSchema: CSV_SCHEMA,
    files: files.map((key) => ({ key, size: 1, MD5checksum: 'x' })),
  });
}

function csvFile(rows: [string, string, number, string, string][]): Buffer {
  const text = rows
    .map((r) => [...r, 'STANDARD'].map((f) => `"${String(f).replace(/"/g, '""')}"`).join(','))
    .join('\n');
  return gzipSync(Buffer.from(`${text}\n`));
}

describe('S3 Inventory manifests', () => {
  it('parses a CSV manifest with its column names and data files', () => {
    const m = parseInventoryManifest(csvManifest(['inv/data/a.csv.gz', 'inv/data/b.csv.gz']));
    expect(m).toEqual({
      sourceBucket: 'photos',
      destinationBucket: 'inventory-dest',
      format: 'CSV',
      columns: ['Bucket', 'Key', 'Size', 'LastModifiedDate', 'ETag', 'StorageClass'],
      files: ['inv/data/a.csv.gz', 'inv/data/b.csv.gz'],
    });
  });

  it('refuses what is not a manifest, and ORC data files', () => {
    expect(() => parseInventoryManifest('nope')).toThrow(/not JSON/);
    expect(() => parseInventoryManifest('{"files": []}')).toThrow(/not an S3 Inventory manifest/);
    expect(() =>
      parseInventoryManifest(JSON.stringify({ sourceBucket: 'b', fileFormat: 'ORC', files: [] })),
    ).toThrow(/ORC/);
  });
});

describe('inventory data files', () => {
  it('reads quoted CSV fields with commas, quotes and line ends inside', () => {
    expect(parseCsv('"a,b","say ""hi""",3\r\n"x\ny",,\n\n')).toEqual([
      ['a,b', 'say "hi"', '3'],
      ['x\ny', '', ''],
    ]);
  });

  it('reads gzipped CSV rows, decoding URL-encoded keys', async () => {
    const data = csvFile([
      ['photos', 'a/cat%20pic.jpg', 120, '2024-01-02T03:04:05.000Z', 'e1'],
      ['photos', 'a/dog+pic%2B1.png', 7, '2024-02-02T00:00:00.000Z', 'e2'],
    ]);
    const rows = await readInventoryRows(data, 'CSV', CSV_SCHEMA.split(', '));
    expect(rows).toEqual([
      {
        bucket: 'photos',
        key: 'a/cat pic.jpg',
        size: 120,
        lastModified: new Date('2024-01-02T03:04:05.000Z'),
        etag: 'e1',
      },
      {
        bucket: 'photos',
        key: 'a/dog pic+1.png',
        size: 7,
        lastModified: new Date('2024-02-02T00:00:00.000Z'),
        etag: 'e2',
      },
    ]);
  });

  it('reads Parquet rows by their own column names, leaving out delete markers', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'bucket', data: ['photos', 'photos', 'photos'], type: 'STRING' },
        { name: 'key', data: ['x/1.jpg', 'x/2 two.mp4', 'x/gone.txt'], type: 'STRING' },
        { name: 'size', data: [10n, 2000n, 0n], type: 'INT64' },
        {
          name: 'last_modified_date',
          data: [new Date('2024-03-01T00:00:00Z'), new Date('2024-03-02T00:00:00Z'), new Date(0)],
          type: 'TIMESTAMP',
        },
        { name: 'e_tag', data: ['p1', 'p2', 'p3'], type: 'STRING' },
        { name: 'is_delete_marker', data: [false, false, true], type: 'BOOLEAN' },
      ],
    });
    const rows = await readInventoryRows(Buffer.from(buf), 'Parquet', []);
    expect(rows).toEqual([
      {
        bucket: 'photos',
        key: 'x/1.jpg',
        size: 10,
        lastModified: new Date('2024-03-01T00:00:00Z'),
        etag: 'p1',
      },
      {
        bucket: 'photos',
        key: 'x/2 two.mp4',
        size: 2000,
        lastModified: new Date('2024-03-02T00:00:00Z'),
        etag: 'p2',
      },
    ]);
  });

  it('says so when a Parquet file is damaged', async () => {
    await expect(readInventoryRows(Buffer.from('PAR1 not really'), 'Parquet', [])).rejects.toThrow(
      /not readable Parquet/,
    );
  });
});

describe('inventoryLister', () => {
  // Two data files: 5 rows and 4 rows, one row of another bucket and one outside the prefix.
  const files: Record<string, Buffer> = {
    'd/1.csv.gz': csvFile([
      ['photos', 'in/a.txt', 1, '2024-01-01T00:00:00Z', 'e-a'],
      ['photos', 'in/b.txt', 2, '2024-01-01T00:00:00Z', 'e-b'],
      ['other', 'in/x.txt', 3, '2024-01-01T00:00:00Z', 'e-x'],
      ['photos', 'in/c.txt', 4, '2024-01-01T00:00:00Z', 'e-c'],
      ['photos', 'out/d.txt', 5, '2024-01-01T00:00:00Z', 'e-d'],
    ]),
    'd/2.csv.gz': csvFile([
      ['photos', 'in/e.txt', 6, '2024-01-01T00:00:00Z', 'e-e'],
      ['photos', 'in/f.txt', 7, '2024-01-01T00:00:00Z', 'e-f'],
      ['photos', 'in/sub/', 0, '2024-01-01T00:00:00Z', 'e-dir'],
      ['photos', 'in/g.txt', 8, '2024-01-01T00:00:00Z', 'e-g'],
    ]),
  };
  const manifest = parseInventoryManifest(csvManifest(['d/1.csv.gz', 'd/2.csv.gz']));

  function lister(reads: string[] = []) {
    return inventoryLister({
      manifest,
      bucket: 'photos',
      keyPrefix: 'in/',
      readFile: async (key) => {
        reads.push(key);
        const f = files[key];
        if (!f) throw new Error(`no ${key}`);
        return f;
      },
    });
  }

  it('lists the rows of the source bucket under the prefix, keys relative to it, across files', async () => {
    const list = lister();
    const seen: ObjectInfo[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list({ cursor, limit: 3 });
      seen.push(...page.items);
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    expect(seen.map((o) => o.key)).toEqual(['a.txt', 'b.txt', 'c.txt', 'e.txt', 'f.txt', 'g.txt']);
    expect(seen[0]).toEqual({
      key: 'a.txt',
      size: 1,
      lastModified: new Date('2024-01-01T00:00:00Z'),
      etag: 'e-a',
    });
    expect(pages).toBe(3);
  });

  it('resumes from a saved cursor in a new lister (a new process) without listing anything twice', async () => {
    const first = await lister()({ limit: 4 });
    expect(first.items.map((o) => o.key)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    expect(first.cursor).toBe('0:4');
    const reads: string[] = [];
    const again = lister(reads);
    const rest: string[] = [];
    let cursor = first.cursor;
    while (cursor !== undefined) {
      const page = await again({ cursor, limit: 2 });
      rest.push(...page.items.map((o) => o.key));
      cursor = page.cursor;
    }
    expect(rest).toEqual(['e.txt', 'f.txt', 'g.txt']);
    // Each data file is read once by a lister, however many pages it spans.
    expect(reads).toEqual(['d/1.csv.gz', 'd/2.csv.gz']);
  });

  it('refuses a cursor that is not its own', async () => {
    await expect(lister()({ cursor: 'some/key.txt' })).rejects.toThrow(/not an inventory cursor/);
  });
});
