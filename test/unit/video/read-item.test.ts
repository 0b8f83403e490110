import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SNIFF_BYTES } from '../../../core/media/sniff';
import { readItem, removeSpool } from '../../../core/pipeline/read-item';
import { makeTempDir, noiseBytes, removeDir } from '../../helpers/media-fixtures';

/** The built module, for the check that must run in its own process (`npm run build` first). */
const DIST_READ_ITEM = join(__dirname, '../../../dist/core/pipeline/read-item.js');

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `bytes` as a stream of `chunk`-sized pieces. */
function chunked(bytes: Buffer, chunk: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts);
}

/** A stream that yields `good` then fails. */
function failingAfter(good: Buffer[], error: Error): Readable {
  return Readable.from(
    (async function* () {
      for (const b of good) {
        yield b;
        await new Promise((r) => setImmediate(r));
      }
      throw error;
    })(),
  );
}

describe('readItem', () => {
  let dir = '';
  let spoolDir = '';
  beforeAll(() => {
    dir = makeTempDir('winnow-read-');
  });
  afterAll(() => removeDir(dir));
  beforeEach(() => {
    spoolDir = makeTempDir('winnow-spool-test-');
  });
  afterEach(() => removeDir(spoolDir));

  describe('spooled to a temporary file', () => {
    const item = noiseBytes(300_000 + 123, 42);

    it.each([
      ['one chunk', item.length],
      ['64 KiB chunks', 64 * 1024],
      ['odd 1000-byte chunks', 1000],
      ['chunks smaller than the sniff head (100 bytes)', 100],
    ])('keeps the exact bytes and hash (%s)', async (_name, chunk) => {
      const spoolWhen = jest.fn(() => true);
      const read = await readItem(chunked(item, chunk), { keepLimit: 16, spoolWhen, spoolDir });
      expect(spoolWhen).toHaveBeenCalledTimes(1);
      expect(spoolWhen.mock.calls[0]).toEqual([item.subarray(0, SNIFF_BYTES)]);
      expect(read.sha256).toBe(sha256(item));
      expect(read.bytes).toBe(item.length);
      expect(read.head.equals(item.subarray(0, SNIFF_BYTES))).toBe(true);
      expect(read.content).toBeUndefined();
      expect(read.spoolPath).toBeDefined();
      const spoolPath = read.spoolPath as string;
      expect(spoolPath.startsWith(join(spoolDir, 'winnow-spool-'))).toBe(true);
      const copy = readFileSync(spoolPath);
      expect(copy.length).toBe(item.length);
      expect(copy.equals(item)).toBe(true);
      expect(sha256(copy)).toBe(read.sha256);
      // Private to this process's user.
      expect(statSync(spoolPath).mode & 0o777).toBe(0o600);
      await removeSpool(spoolPath);
    });

    it('removeSpool deletes the copy; a missing or undefined path is fine', async () => {
      const read = await readItem(chunked(item, 65536), { keepLimit: 0, spoolWhen: () => true, spoolDir });
      const spoolPath = read.spoolPath as string;
      expect(existsSync(spoolPath)).toBe(true);
      await removeSpool(spoolPath);
      expect(existsSync(spoolPath)).toBe(false);
      await expect(removeSpool(spoolPath)).resolves.toBeUndefined();
      await expect(removeSpool(undefined)).resolves.toBeUndefined();
      expect(readdirSync(spoolDir)).toEqual([]);
    });

    it('each read gets its own spool file', async () => {
      const [a, b] = await Promise.all([
        readItem(chunked(item, 4096), { keepLimit: 0, spoolWhen: () => true, spoolDir }),
        readItem(chunked(item, 4096), { keepLimit: 0, spoolWhen: () => true, spoolDir }),
      ]);
      expect(a.spoolPath).not.toBe(b.spoolPath);
      expect(readdirSync(spoolDir)).toHaveLength(2);
    });

    it('an item shorter than the sniff head still calls spoolWhen (once, with all of it) and is spooled', async () => {
      const short = Buffer.from('#EXTM3U\n#EXTINF:1,\nseg.ts\n');
      const spoolWhen = jest.fn(() => true);
      const read = await readItem(chunked(short, 5), { keepLimit: 1024, spoolWhen, spoolDir });
      expect(spoolWhen).toHaveBeenCalledTimes(1);
      expect(spoolWhen.mock.calls[0]).toEqual([short]);
      expect(read.head.equals(short)).toBe(true);
      expect(read.content).toBeUndefined();
      expect(readFileSync(read.spoolPath as string).equals(short)).toBe(true);
      expect(read.sha256).toBe(sha256(short));
    });

    it('an empty stream calls spoolWhen with an empty head', async () => {
      const spoolWhen = jest.fn(() => false);
      const read = await readItem(Readable.from([]), { keepLimit: 1024, spoolWhen, spoolDir });
      expect(spoolWhen).toHaveBeenCalledTimes(1);
      expect(spoolWhen.mock.calls[0]).toEqual([Buffer.alloc(0)]);
      expect(read).toMatchObject({ bytes: 0, sha256: sha256(Buffer.alloc(0)) });
      expect(read.content?.length).toBe(0);
    });

    it('a stream that fails midway removes the partial spool file and rejects with its error', async () => {
      const boom = new Error('connection reset by peer');
      const parts = [item.subarray(0, 5000), item.subarray(5000, 70_000), item.subarray(70_000, 200_000)];
      await expect(
        readItem(failingAfter(parts, boom), { keepLimit: 0, spoolWhen: () => true, spoolDir }),
      ).rejects.toBe(boom);
      expect(readdirSync(spoolDir)).toEqual([]);
    });

    it('a stream that fails before the head is complete rejects and leaves nothing behind', async () => {
      const boom = new Error('early');
      await expect(
        readItem(failingAfter([item.subarray(0, 100)], boom), {
          keepLimit: 0,
          spoolWhen: () => true,
          spoolDir,
        }),
      ).rejects.toBe(boom);
      expect(readdirSync(spoolDir)).toEqual([]);
    });

    // BUG (core/pipeline/read-item.ts, `createWriteStream(spoolPath, …)` in decide()): the spool WriteStream has
    // no 'error' listener. When the temp folder cannot be written (missing, read-only, ENOSPC) the write callback
    // rejects with TransientStoreError as intended, but the stream *also* emits 'error' with nobody listening,
    // which Node turns into an uncaught exception that kills the CLI or the worker instead of failing one item.
    // Expected: only the TransientStoreError rejection; actual: an uncaught ENOENT as well. Run in a child
    // process (on the built dist/) so the uncaught exception cannot disturb this test file.
    (existsSync(DIST_READ_ITEM) ? it : it.skip)(
      'an unwritable spool folder rejects with TransientStoreError and nothing else',
      async () => {
        const script = `
        const { Readable } = require('node:stream');
        const { readItem } = require(${JSON.stringify(DIST_READ_ITEM)});
        const out = { uncaught: [], rejected: null };
        process.on('uncaughtException', (e) => out.uncaught.push(String(e && e.message)));
        readItem(Readable.from([Buffer.alloc(100000, 1)]), {
          keepLimit: 0,
          spoolWhen: () => true,
          spoolDir: ${JSON.stringify(join(dir, 'does-not-exist'))},
        }).then(
          () => (out.rejected = 'resolved'),
          (e) => (out.rejected = { name: e.name, code: e.code }),
        );
        setTimeout(() => console.log(JSON.stringify(out)), 300);
      `;
        const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
        expect(child.status).toBe(0);
        const out = JSON.parse(child.stdout) as { uncaught: string[]; rejected: unknown };
        expect(out.rejected).toEqual({ name: 'TransientStoreError', code: 'transient-store' });
        expect(out.uncaught).toEqual([]);
      },
    );
  });

  describe('kept in memory', () => {
    const item = noiseBytes(10_000, 7);

    it('keeps the content when it fits keepLimit exactly', async () => {
      const read = await readItem(chunked(item, 1500), { keepLimit: item.length });
      expect(read.content?.equals(item)).toBe(true);
      expect(read.spoolPath).toBeUndefined();
      expect(read.sha256).toBe(sha256(item));
      expect(read.bytes).toBe(item.length);
    });

    it('drops the content one byte above keepLimit, with the hash and size still exact', async () => {
      const read = await readItem(chunked(item, 1500), { keepLimit: item.length - 1 });
      expect(read.content).toBeUndefined();
      expect(read.spoolPath).toBeUndefined();
      expect(read.sha256).toBe(sha256(item));
      expect(read.bytes).toBe(item.length);
      expect(read.head.equals(item.subarray(0, SNIFF_BYTES))).toBe(true);
    });

    it('spoolWhen returning false keeps the item in memory', async () => {
      const spoolWhen = jest.fn(() => false);
      const read = await readItem(chunked(item, 3000), { keepLimit: 1 << 20, spoolWhen, spoolDir });
      expect(spoolWhen).toHaveBeenCalledTimes(1);
      expect(read.content?.equals(item)).toBe(true);
      expect(read.spoolPath).toBeUndefined();
      expect(readdirSync(spoolDir)).toEqual([]);
    });

    it('a huge stream costs bounded memory: nothing kept, exact hash', async () => {
      const block = noiseBytes(1 << 20, 99);
      const blocks = 24;
      const hash = createHash('sha256');
      for (let i = 0; i < blocks; i++) hash.update(block);
      const stream = Readable.from(
        (function* () {
          for (let i = 0; i < blocks; i++) yield block;
        })(),
      );
      const read = await readItem(stream, { keepLimit: 1 << 20 });
      expect(read.content).toBeUndefined();
      expect(read.bytes).toBe(blocks << 20);
      expect(read.sha256).toBe(hash.digest('hex'));
    });

    // BUG (core/pipeline/read-item.ts, the keepLimit check runs only once `decided`): an item shorter than
    // SNIFF_BYTES (4096) is kept whole whatever keepLimit says, because the limit is only applied inside the loop
    // after the head is complete. With a policy `limits.maxTextBytes: 100`, a 3,000-byte text item is scored
    // instead of getting `too-large`. Expected content undefined for a 3,000-byte item with keepLimit 100.
    it('drops a short item (under the sniff head) that is above keepLimit', async () => {
      const short = Buffer.alloc(3000, 'a');
      const read = await readItem(chunked(short, 3000), { keepLimit: 100 });
      expect(read.bytes).toBe(3000);
      expect(read.content).toBeUndefined();
    });
  });
});
