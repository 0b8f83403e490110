import { execFileSync } from 'node:child_process';
import nodeFs, * as fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FsObjectStore } from '../../../adapters/local/fs-object-store';
import { compareKeys, compareNames, walkTree } from '../../../adapters/local/fs-walk';
import { UnreadableItemError } from '../../../core/errors';
import type { ObjectInfo, ObjectStore } from '../../../core/ports/object-store';

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(join(tmpdir(), 'winnow-fs-store-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

function write(rel: string, body = rel): void {
  const abs = join(root, rel);
  fs.mkdirSync(join(abs, '..'), { recursive: true });
  fs.writeFileSync(abs, body);
}

async function listAll(
  store: ObjectStore,
  options: { prefix?: string; cursor?: string; limit?: number } = {},
) {
  const out: ObjectInfo[] = [];
  let cursor = options.cursor;
  for (;;) {
    const page = await store.list({ ...options, cursor });
    out.push(...page.items);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

const keys = (items: readonly ObjectInfo[]) => items.map((i) => i.key);

async function expectUnreadable(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnreadableItemError);
  expect((err as Error).message).toContain(code);
}

describe('ordering', () => {
  it('compares names by code point (UTF-8 byte order), not UTF-16 code unit', () => {
    expect(compareNames('a', 'b')).toBeLessThan(0);
    expect(compareNames('a', 'a')).toBe(0);
    expect(compareNames('a', 'ab')).toBeLessThan(0);
    // U+1F600 is a surrogate pair (0xD83D...) which UTF-16 order puts before U+E000; code point order after.
    expect(compareNames('\u{1F600}', '\uE000')).toBeGreaterThan(0);
    expect(compareNames('\uFFFF', '\u{10000}')).toBeLessThan(0);
    const names = ['\u{1F600}', '\uE000', 'Z', 'a', 'é', ' '];
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareNames)).toEqual(byBytes);
  });

  it('lists depth first, segment by segment', async () => {
    for (const rel of ['a-b', 'a/x', 'a/y/z', 'a.txt', 'B', 'b', '\uE000', '\u{1F600}', ' lead']) write(rel);
    const listed = keys(await listAll(new FsObjectStore(root)));
    expect(listed).toEqual([' lead', 'B', 'a/x', 'a/y/z', 'a-b', 'a.txt', 'b', '\uE000', '\u{1F600}']);
    expect([...listed].sort(compareKeys)).toEqual(listed);
  });

  it('walks large directories in bounded batches without losing or repeating entries', async () => {
    const rels: string[] = [];
    for (let i = 0; i < 150; i++) rels.push(`flat/f${(i * 7919) % 1000}`);
    for (let i = 0; i < 40; i++) rels.push(`flat/d${i % 5}/g${i}`);
    for (const rel of rels) write(rel);
    const walked: string[] = [];
    for await (const e of walkTree(root, { batchSize: 16 })) walked.push(e.key);
    expect(walked).toEqual([...rels].sort(compareKeys));
    const resumed: string[] = [];
    for await (const e of walkTree(root, { batchSize: 16, after: walked[100] })) resumed.push(e.key);
    expect(resumed).toEqual(walked.slice(101));
  });
});

describe('special entries', () => {
  it('lists a broken link with size 0; get throws ENOENT', async () => {
    write('ok.txt', 'fine');
    fs.symlinkSync('does-not-exist', join(root, 'broken'));
    const store = new FsObjectStore(root);
    const items = await listAll(store);
    expect(items.map((i) => [i.key, i.size])).toEqual([
      ['broken', 0],
      ['ok.txt', 4],
    ]);
    expect(await store.head('broken')).toMatchObject({ key: 'broken', size: 0 });
    await expectUnreadable(store.get('broken'), 'ENOENT');
  });

  it('lists a looping link with size 0; get throws ELOOP', async () => {
    fs.symlinkSync('self', join(root, 'self'));
    fs.symlinkSync('pong', join(root, 'ping'));
    fs.symlinkSync('ping', join(root, 'pong'));
    const store = new FsObjectStore(root);
    expect(keys(await listAll(store))).toEqual(['ping', 'pong', 'self']);
    await expectUnreadable(store.get('self'), 'ELOOP');
    await expectUnreadable(store.get('ping'), 'ELOOP');
  });

  it('follows links to directories, but never around a cycle', async () => {
    write('real/file.txt', 'x');
    write('real/sub/deep.txt', 'y');
    fs.symlinkSync('..', join(root, 'real/sub/up'));
    fs.symlinkSync('.', join(root, 'here'));
    fs.symlinkSync('real', join(root, 'alias'));
    fs.symlinkSync(join(root, '..'), join(root, 'above-root'));
    const store = new FsObjectStore(root);
    const listed = keys(await listAll(store, { limit: 2 }));
    expect(listed).toEqual([
      'above-root',
      'alias/file.txt',
      'alias/sub/deep.txt',
      'alias/sub/up',
      'here',
      'real/file.txt',
      'real/sub/deep.txt',
      'real/sub/up',
    ]);
    expect((await store.head('alias/sub/deep.txt'))?.size).toBe(1);
    await expectUnreadable(store.get('here'), 'ELOOP');
    await expectUnreadable(store.get('real/sub/up'), 'ELOOP');
    await expectUnreadable(store.get('above-root'), 'ELOOP');
    await expectUnreadable(store.get('real'), 'EISDIR');
    expect(await store.head('real')).toBeUndefined();
  });

  it('lists a FIFO with size 0, and get throws at once instead of blocking', async () => {
    execFileSync('mkfifo', [join(root, 'pipe')]);
    fs.symlinkSync('pipe', join(root, 'pipe-link'));
    const store = new FsObjectStore(root);
    expect((await listAll(store)).map((i) => [i.key, i.size])).toEqual([
      ['pipe', 0],
      ['pipe-link', 0],
    ]);
    expect(await store.head('pipe')).toMatchObject({ size: 0 });
    const started = Date.now();
    await expectUnreadable(store.get('pipe'), 'ENOTREG');
    await expectUnreadable(store.get('pipe-link'), 'ENOTREG');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('lists a socket with size 0; get throws', async () => {
    // Socket paths are limited to ~107 bytes, so this one lives in a short directory.
    const short = fs.mkdtempSync('/tmp/wsk-');
    const server: Server = createServer();
    try {
      await new Promise<void>((resolve) => server.listen(join(short, 's'), resolve));
      const store = new FsObjectStore(short);
      expect((await listAll(store)).map((i) => [i.key, i.size])).toEqual([['s', 0]]);
      await expectUnreadable(store.get('s'), 'ENOTREG');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(short, { recursive: true, force: true });
    }
  });

  it('reports a directory it cannot read as an item whose get throws EACCES', async () => {
    write('a/before.txt');
    write('a/locked/secret.txt');
    write('a/zafter.txt');
    const lockedAbs = join(root, 'a/locked');
    const realOpendir = fs.opendirSync;
    const realOpendirAsync = fs.promises.opendir;
    const denied = () =>
      Object.assign(new Error(`EACCES: permission denied, opendir '${lockedAbs}'`), { code: 'EACCES' });
    // The module object itself: the namespace import's properties cannot be redefined.
    jest.spyOn(nodeFs, 'opendirSync').mockImplementation((p, o) => {
      if (String(p) === lockedAbs) throw denied();
      return realOpendir(p, o);
    });
    jest.spyOn(fs.promises, 'opendir').mockImplementation(async (p, o) => {
      if (String(p) === lockedAbs) throw denied();
      return realOpendirAsync(p, o);
    });
    const store = new FsObjectStore(root);
    const items = await listAll(store);
    expect(items.map((i) => [i.key, i.size])).toEqual([
      ['a/before.txt', 12],
      ['a/locked', 0],
      ['a/zafter.txt', 12],
    ]);
    await expectUnreadable(store.get('a/locked'), 'EACCES');
    // Resuming after the reported directory goes on with what follows it.
    expect(keys(await listAll(store, { cursor: 'a/locked' }))).toEqual(['a/zafter.txt']);
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? it.skip : it)('reports a directory without read permission (real chmod)', async () => {
    write('locked/secret.txt');
    write('open.txt');
    fs.chmodSync(join(root, 'locked'), 0o000);
    try {
      const store = new FsObjectStore(root);
      expect(keys(await listAll(store))).toEqual(['locked', 'open.txt']);
      await expectUnreadable(store.get('locked'), 'EACCES');
      await expectUnreadable(store.get('locked/secret.txt'), 'EACCES');
    } finally {
      fs.chmodSync(join(root, 'locked'), 0o755);
    }
  });
});

describe('names and keys', () => {
  it('lists and reads names with newlines, spaces, quotes and unicode', async () => {
    const names = [
      'new\nline.txt',
      '  spaced  out .txt',
      'tab\there',
      'q\'uo"te',
      'ünï/日本語 ファイル.txt',
      '😀/🎉',
    ];
    for (const n of names) write(n, `body:${n}`);
    const store = new FsObjectStore(root);
    const listed = keys(await listAll(store, { limit: 1 }));
    expect([...listed].sort()).toEqual([...names].sort());
    for (const n of names) {
      const chunks: Buffer[] = [];
      for await (const c of await store.get(n)) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe(`body:${n}`);
      expect(store.uriFor(n)).toBe(pathToFileURL(join(root, n)).href);
    }
    // Resuming from a key with a newline works like any other.
    const i = listed.indexOf('new\nline.txt');
    expect(keys(await listAll(store, { cursor: 'new\nline.txt' }))).toEqual(listed.slice(i + 1));
  });

  it('rejects keys that escape the root', async () => {
    write('inside.txt');
    const outsideName = `${basename(root)}-outside.txt`;
    const outside = join(root, '..', outsideName);
    fs.writeFileSync(outside, 'outside');
    try {
      const store = new FsObjectStore(root);
      for (const key of ['../x', 'a/../../x', `../${outsideName}`, '/etc/passwd']) {
        await expectUnreadable(store.get(key), 'EINVAL');
        await expectUnreadable(store.head(key), 'EINVAL');
        await expect(store.put(key, 'nope')).rejects.toThrow(RangeError);
        expect(() => store.uriFor(key)).toThrow(RangeError);
      }
      expect(fs.readFileSync(outside, 'utf8')).toBe('outside');
      expect(await store.head('a/../inside.txt')).toMatchObject({ size: 10 });
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });

  it('puts atomically, creating parents and leaving no temp files', async () => {
    const store = new FsObjectStore(root);
    await store.put('x/y/z.txt', 'one');
    await store.put('x/y/z.txt', 'two');
    expect(fs.readdirSync(join(root, 'x/y'))).toEqual(['z.txt']);
    expect(fs.readFileSync(join(root, 'x/y/z.txt'), 'utf8')).toBe('two');
  });

  it('rejects bad byte ranges', async () => {
    write('r.txt', '0123456789');
    const store = new FsObjectStore(root);
    await expect(store.get('r.txt', { start: 5, end: 2 })).rejects.toThrow(RangeError);
    await expect(store.get('r.txt', { start: -1 })).rejects.toThrow(RangeError);
  });

  it('fails clearly when the root does not exist', async () => {
    const store = new FsObjectStore(join(root, 'missing'));
    await expect(store.list()).rejects.toThrow(UnreadableItemError);
  });
});

describe('resuming', () => {
  /** 10 top directories × 4 subdirectories × 3 files. */
  function buildTree(): string[] {
    const rels: string[] = [];
    for (let d = 0; d < 10; d++) {
      for (let s = 0; s < 4; s++) {
        for (let f = 0; f < 3; f++) rels.push(`d${d}/s${s}/f${f}.txt`);
      }
    }
    for (const rel of rels) write(rel, 'x');
    return rels;
  }

  it('prunes: resuming deep in the tree reads only the cursor path and what follows', async () => {
    const rels = buildTree();
    const scanned: string[] = [];
    const store = new FsObjectStore(root, { onDirectoryScan: (d) => scanned.push(relative(root, d)) });
    const cursor = 'd7/s2/f1.txt';
    expect(keys(await listAll(store, { cursor }))).toEqual(rels.slice(rels.indexOf(cursor) + 1));
    expect(scanned).toEqual([
      '',
      'd7',
      'd7/s2',
      'd7/s3',
      'd8',
      'd8/s0',
      'd8/s1',
      'd8/s2',
      'd8/s3',
      'd9',
      'd9/s0',
      'd9/s1',
      'd9/s2',
      'd9/s3',
    ]);
  });

  it('reads no more of the tree than one page needs', async () => {
    buildTree();
    const scanned: string[] = [];
    const store = new FsObjectStore(root, { onDirectoryScan: (d) => scanned.push(relative(root, d)) });
    const page = await store.list({ limit: 5 });
    expect(keys(page.items)).toEqual([
      'd0/s0/f0.txt',
      'd0/s0/f1.txt',
      'd0/s0/f2.txt',
      'd0/s1/f0.txt',
      'd0/s1/f1.txt',
    ]);
    expect(page.cursor).toBe('d0/s1/f1.txt');
    expect(scanned).toEqual(['', 'd0', 'd0/s0', 'd0/s1']);
  });

  it('pages through a wide directory reading it a few times, not once per page', async () => {
    fs.mkdirSync(join(root, 'wide'));
    for (let i = 0; i < 1200; i++) fs.writeFileSync(join(root, 'wide', `f${i}`), '');
    const scanned: string[] = [];
    const store = new FsObjectStore(root, { onDirectoryScan: (d) => scanned.push(relative(root, d)) });
    const listed = keys(await listAll(store, { limit: 50 }));
    expect(listed).toHaveLength(1200);
    expect(new Set(listed).size).toBe(1200);
    expect(scanned.filter((d) => d === 'wide').length).toBeLessThanOrEqual(6);
  });

  it('resumes after a key that no longer exists, at its place in the order', async () => {
    const rels = buildTree();
    const store = new FsObjectStore(root);
    fs.rmSync(join(root, 'd3'), { recursive: true });
    const after = keys(await listAll(store, { cursor: 'd3/s1/f0.txt' }));
    expect(after).toEqual(rels.filter((r) => compareKeys(r, 'd3/s1/f0.txt') > 0 && !r.startsWith('d3/')));
  });

  it('descends straight to a prefix without reading the directories above it', async () => {
    buildTree();
    const scanned: string[] = [];
    const store = new FsObjectStore(root, { onDirectoryScan: (d) => scanned.push(relative(root, d)) });
    expect(keys(await listAll(store, { prefix: 'd4/s1/' }))).toEqual([
      'd4/s1/f0.txt',
      'd4/s1/f1.txt',
      'd4/s1/f2.txt',
    ]);
    expect(scanned).toEqual(['d4/s1']);
    expect(keys(await listAll(store, { prefix: 'd4/s1/f1' }))).toEqual(['d4/s1/f1.txt']);
    expect(keys(await listAll(store, { prefix: 'd4/s1/f', cursor: 'd4/s1/f0.txt' }))).toEqual([
      'd4/s1/f1.txt',
      'd4/s1/f2.txt',
    ]);
    expect(keys(await listAll(store, { prefix: 'd4/s1/f', cursor: 'd5' }))).toEqual([]);
    expect(keys(await listAll(store, { prefix: 'd4/s1/f', cursor: 'c' }))).toHaveLength(3);
  });
});
