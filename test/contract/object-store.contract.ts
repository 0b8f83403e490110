import { Readable } from 'node:stream';
import { UnreadableItemError } from '../../core/errors';
import type { ListOptions, ObjectInfo, ObjectStore } from '../../core/ports/object-store';
import { readAll } from './contract-helpers';

/** What a backend can store, so the suite only checks what it allows. */
export interface ObjectStoreCapabilities {
  /** Keys may contain a newline (a file name can; an S3 key can, but some tools choke on it). */
  readonly newlineInKeys?: boolean;
}

/** One store under test, empty when created. */
export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  /** A new store instance over the same data, as another process would open it. */
  reopen(): Promise<ObjectStore>;
  cleanup(): Promise<void>;
}

/** Lists everything with the given options, page by page, checking page invariants on the way. */
async function listAll(store: ObjectStore, options: ListOptions = {}): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  let cursor = options.cursor;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.list({ ...options, cursor });
    if (options.limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(options.limit);
    out.push(...page.items);
    if (page.cursor === undefined) return out;
    cursor = page.cursor;
  }
  throw new Error('listing did not end');
}

const keysOf = (items: readonly ObjectInfo[]): string[] => items.map((i) => i.key);

/**
 * The {@link ObjectStore} contract, using only the port. Listing order is not fixed by the port (a directory
 * lists segment by segment, S3 by whole key), so the suite checks that the order is stable and that every
 * cursor resumes right after its key, not any particular order.
 */
export function describeObjectStoreContract(
  name: string,
  factory: () => Promise<ObjectStoreFixture>,
  capabilities: ObjectStoreCapabilities = {},
): void {
  const contents = new Map<string, string>([
    ['a.txt', 'alpha'],
    ['b/c.txt', 'charlie!'],
    ['b/d/e.txt', 'echo'],
    ['b/d/f.txt', 'foxtrot'],
    ['b/d2/g.txt', 'golf'],
    ['b-x.txt', 'x-ray'],
    ['with space.txt', 'spaces are fine'],
    ['ünïcödé/日本語.txt', 'こんにちは'],
    ['emoji-😀.txt', '😀'],
    ['z/y/x/w.txt', 'deep'],
  ]);
  if (capabilities.newlineInKeys) contents.set('new\nline.txt', 'newline');
  const allKeys = [...contents.keys()];

  describe(`ObjectStore contract: ${name}`, () => {
    describe('listing', () => {
      let fx: ObjectStoreFixture;
      let full: string[];

      beforeAll(async () => {
        fx = await factory();
        for (const [key, body] of contents) await fx.store.put(key, body);
        full = keysOf(await listAll(fx.store, { limit: 1000 }));
      });
      afterAll(async () => {
        await fx?.cleanup();
      });

      it('lists every object exactly once, with its size', async () => {
        expect([...full].sort()).toEqual([...allKeys].sort());
        const items = await listAll(fx.store);
        for (const item of items) {
          expect(item.size).toBe(Buffer.byteLength(contents.get(item.key) as string));
        }
      });

      it('lists in a stable order', async () => {
        expect(keysOf(await listAll(fx.store))).toEqual(full);
        expect(keysOf(await listAll(fx.store, { limit: 1000 }))).toEqual(full);
      });

      it('pages: small pages add up to the full listing, only the last without a cursor', async () => {
        let cursor: string | undefined;
        const seen: string[] = [];
        for (;;) {
          const page = await fx.store.list({ limit: 3, cursor });
          expect(page.items.length).toBeLessThanOrEqual(3);
          seen.push(...keysOf(page.items));
          if (!page.cursor) break;
          expect(page.items.length).toBeGreaterThan(0);
          cursor = page.cursor;
        }
        expect(seen).toEqual(full);
      });

      it('resumes right after any listed key', async () => {
        for (const [i, key] of full.entries()) {
          expect(keysOf(await listAll(fx.store, { cursor: key }))).toEqual(full.slice(i + 1));
        }
      });

      it('resumes from a cursor or key in a new store instance', async () => {
        const first = await fx.store.list({ limit: 4 });
        expect(first.cursor).toBeDefined();
        const other = await fx.reopen();
        expect(keysOf(await listAll(other, { cursor: first.cursor, limit: 2 }))).toEqual(full.slice(4));
        const mid = full[6] as string;
        expect(keysOf(await listAll(other, { cursor: mid }))).toEqual(full.slice(7));
      });

      it('filters by prefix, as a string prefix of the key', async () => {
        const expectPrefix = async (prefix: string) => {
          const want = full.filter((k) => k.startsWith(prefix));
          expect(keysOf(await listAll(fx.store, { prefix }))).toEqual(want);
          expect(keysOf(await listAll(fx.store, { prefix, limit: 1 }))).toEqual(want);
          return want;
        };
        expect(await expectPrefix('b/')).toHaveLength(4);
        expect(await expectPrefix('b')).toHaveLength(5);
        expect(await expectPrefix('b/d')).toHaveLength(3);
        expect(await expectPrefix('ünïcödé/')).toHaveLength(1);
        expect(await expectPrefix('with')).toEqual(['with space.txt']);
        expect(await expectPrefix('nothing-here/')).toEqual([]);
      });

      it('combines prefix and cursor', async () => {
        const want = full.filter((k) => k.startsWith('b/'));
        const first = want[0] as string;
        expect(keysOf(await listAll(fx.store, { prefix: 'b/', cursor: first }))).toEqual(want.slice(1));
      });
    });

    describe('objects', () => {
      let fx: ObjectStoreFixture;
      beforeEach(async () => {
        fx = await factory();
      });
      afterEach(async () => {
        await fx?.cleanup();
      });

      it('lists nothing in an empty store', async () => {
        const page = await fx.store.list();
        expect(page.items).toEqual([]);
        expect(page.cursor).toBeUndefined();
      });

      it('heads an object, and a missing one as undefined', async () => {
        await fx.store.put('dir/obj.bin', Buffer.from([1, 2, 3, 4, 5]));
        const info = await fx.store.head('dir/obj.bin');
        expect(info).toMatchObject({ key: 'dir/obj.bin', size: 5 });
        expect(await fx.store.head('dir/missing.bin')).toBeUndefined();
        expect(await fx.store.head('no-such-dir/missing.bin')).toBeUndefined();
      });

      it('streams contents, whole and by inclusive byte range', async () => {
        await fx.store.put('digits.txt', '0123456789');
        expect((await readAll(await fx.store.get('digits.txt'))).toString()).toBe('0123456789');
        expect((await readAll(await fx.store.get('digits.txt', { start: 2, end: 5 }))).toString()).toBe(
          '2345',
        );
        expect((await readAll(await fx.store.get('digits.txt', { start: 7 }))).toString()).toBe('789');
        expect((await readAll(await fx.store.get('digits.txt', { start: 0, end: 0 }))).toString()).toBe('0');
      });

      it('throws UnreadableItemError for a missing object', async () => {
        await expect(fx.store.get('missing.txt')).rejects.toBeInstanceOf(UnreadableItemError);
      });

      it('puts from a buffer, a string and a stream, and overwrites', async () => {
        await fx.store.put('p/buf', Buffer.from('from a buffer'));
        await fx.store.put('p/str', 'from a string');
        await fx.store.put('p/stream', Readable.from([Buffer.from('from '), Buffer.from('a stream')]));
        expect((await readAll(await fx.store.get('p/buf'))).toString()).toBe('from a buffer');
        expect((await readAll(await fx.store.get('p/str'))).toString()).toBe('from a string');
        expect((await readAll(await fx.store.get('p/stream'))).toString()).toBe('from a stream');

        await fx.store.put('p/str', 'replaced, and longer than before');
        expect((await readAll(await fx.store.get('p/str'))).toString()).toBe(
          'replaced, and longer than before',
        );
        expect((await fx.store.head('p/str'))?.size).toBe(32);
        expect(keysOf(await listAll(fx.store)).sort()).toEqual(['p/buf', 'p/str', 'p/stream']);
      });

      it('round-trips special names', async () => {
        const names = [
          'with space.txt',
          'ünïcödé/日本語.txt',
          'emoji-😀.txt',
          'quote\'and"double',
          'per%cent#hash?q',
        ];
        if (capabilities.newlineInKeys) names.push('new\nline.txt');
        for (const key of names) await fx.store.put(key, `body of ${key}`);
        expect(keysOf(await listAll(fx.store)).sort()).toEqual([...names].sort());
        for (const key of names) {
          expect((await readAll(await fx.store.get(key))).toString()).toBe(`body of ${key}`);
          expect((await fx.store.head(key))?.key).toBe(key);
        }
      });

      it('gives every key its own URI', async () => {
        const uris = ['a', 'b', 'a/b', 'with space', 'ünï'].map((k) => fx.store.uriFor(k));
        expect(new Set(uris).size).toBe(uris.length);
        for (const uri of uris) expect(uri).toMatch(/^[a-z][a-z0-9+.-]*:/);
      });
    });
  });
}
