import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Verdict, VerdictSchema } from '../../core/verdict/verdict';
import { parseJsonl, runCli } from '../helpers/run-cli';

const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('winnow scan on hostile and broken input', () => {
  let work: string;
  let input: string;
  let byName: Map<string, Verdict>;
  let verdicts: Verdict[];
  const expected = new Map<string, (v: Verdict) => void>();

  const file = (name: string, body: Buffer | string, check: (v: Verdict) => void) => {
    writeFileSync(join(input, name), body);
    expected.set(name, check);
  };
  const errorCode = (code: string) => (v: Verdict) =>
    expect({ decision: v.decision, code: v.error?.code }).toEqual({ decision: 'error', code });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-bad-'));
    input = join(work, 'in');
    mkdirSync(input);
    file('empty.txt', Buffer.alloc(0), errorCode('empty-item'));
    file(
      'truncated.png',
      Buffer.concat([PNG_HEADER, Buffer.from([0, 0, 0, 13, 0x49])]),
      errorCode('corrupt-media'),
    );
    file('corrupt.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0xde, 0xad]), errorCode('corrupt-media'));
    file(
      'junk.bin',
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
      errorCode('unsupported-media'),
    );
    file(
      'zip-named.txt',
      Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 1)]),
      errorCode('unsupported-media'),
    );
    file(
      'invalid-utf8.txt',
      Buffer.concat([
        Buffer.from('hello there, contact me at someone@example.com '),
        Buffer.from([0xff, 0xfe, 0x80]),
        Buffer.from(' thanks'),
      ]),
      (v) => {
        expect(v.item.media).toBe('text');
        expect(v.signals.some((s) => s.label === 'invalid-encoding')).toBe(true);
        expect(v.categories.some((c) => c.id === 'pii')).toBe(true);
      },
    );
    // 50 MB of text: over the default 16 MiB text limit, refused in bounded memory with an exact hash.
    file('huge.txt', Buffer.alloc(50 * 1024 * 1024, 'lorem ipsum '), (v) => {
      expect(v).toMatchObject({
        decision: 'error',
        error: { code: 'too-large' },
        item: { bytes: 50 * 1024 * 1024 },
      });
      expect(v.item.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
    file('name with spaces.txt', 'nothing to see', (v) => expect(v.decision).toBe('allow'));
    file('ünïcödé 名前.txt', 'nothing to see either', (v) => expect(v.decision).toBe('allow'));
    file('new\nline.txt', 'a name with a newline', (v) => expect(v.decision).toBe('allow'));
    symlinkSync(join(input, 'does-not-exist'), join(input, 'broken-link'));
    expected.set('broken-link', errorCode('unreadable'));
    symlinkSync(join(input, 'loop-b'), join(input, 'loop-a'));
    symlinkSync(join(input, 'loop-a'), join(input, 'loop-b'));
    expected.set('loop-a', errorCode('unreadable'));
    expected.set('loop-b', errorCode('unreadable'));
    mkdirSync(join(input, 'sub'));
    writeFileSync(join(input, 'sub', 'inner.txt'), 'inside a directory');
    expected.set('sub/inner.txt', (v) => expect(v.decision).toBe('allow'));
    // A directory cycle must not loop or duplicate items; the looping link itself is reported, not followed.
    symlinkSync(input, join(input, 'sub', 'cycle'));
    expected.set('sub/cycle', errorCode('unreadable'));
    execFileSync('mkfifo', [join(input, 'a-fifo')]);
    expected.set('a-fifo', errorCode('unreadable'));
    file('no-permission.txt', 'secret', (v) => {
      // root reads anything, so only check the code when permissions apply
      if (process.getuid?.() !== 0) errorCode('unreadable')(v);
    });
    chmodSync(join(input, 'no-permission.txt'), 0o000);

    const res = await runCli(
      ['scan', input, '--out', join(work, 'out'), '--state-dir', join(work, 'state')],
      { cwd: work },
    );
    expect(res.code).toBe(0);
    verdicts = parseJsonl<Verdict>(readFileSync(join(work, 'out', 'verdicts.jsonl'), 'utf8'));
    byName = new Map(
      verdicts.map((v) => [decodeURIComponent(v.item.uri.slice(pathToFileURL(input).href.length + 1)), v]),
    );
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('count in equals count out: one verdict per item, none dropped, none doubled', () => {
    expect([...byName.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(verdicts).toHaveLength(expected.size);
  });

  it('every verdict is schema-valid', () => {
    for (const v of verdicts) expect(VerdictSchema.safeParse(v).success).toBe(true);
  });

  it.each([
    'empty.txt',
    'truncated.png',
    'corrupt.jpg',
    'junk.bin',
    'zip-named.txt',
    'invalid-utf8.txt',
    'huge.txt',
    'name with spaces.txt',
    'ünïcödé 名前.txt',
    'new\nline.txt',
    'broken-link',
    'loop-a',
    'loop-b',
    'sub/inner.txt',
    'sub/cycle',
    'a-fifo',
    'no-permission.txt',
  ])('%s gets the right verdict', (name) => {
    const v = byName.get(name);
    expect(v).toBeDefined();
    expected.get(name)?.(v as Verdict);
  });
});

describe('winnow command line', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'winnow-cli-'));
    mkdirSync(join(work, 'in'));
    writeFileSync(join(work, 'in', 'card.txt'), 'my card is 4111 1111 1111 1111 exp 12/30');
    writeFileSync(join(work, 'in', 'fine.txt'), 'see you at lunch');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const scan = (...extra: string[]) =>
    runCli(
      [
        'scan',
        join(work, 'in'),
        '--out',
        join(work, 'out'),
        '--state-dir',
        join(work, 'state'),
        '--quiet',
        ...extra,
      ],
      { cwd: work },
    );

  it('exits 1 when --fail-on is met and 0 when it is not', async () => {
    expect((await scan('--fail-on', 'review')).code).toBe(1);
    expect(
      (
        await runCli(
          [
            'scan',
            join(work, 'in', 'fine.txt'),
            '--out',
            join(work, 'o2'),
            '--state-dir',
            join(work, 'state'),
            '--fail-on',
            'review',
            '--quiet',
          ],
          { cwd: work },
        )
      ).code,
    ).toBe(0);
  });

  it('exits 2 on usage errors, with a message', async () => {
    for (const args of [
      ['scan'],
      ['scan', join(work, 'nope')],
      ['scan', join(work, 'in'), '--fail-on', 'maybe'],
      ['scan', join(work, 'in'), '--concurrency', '0'],
      ['scan', join(work, 'in'), '--bogus'],
      ['frobnicate'],
    ]) {
      const res = await runCli(args, { cwd: work });
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(/^winnow: /);
    }
  });

  it('exits 2 on an invalid policy file and names the problem', async () => {
    writeFileSync(
      join(work, 'bad.yaml'),
      'id: x\nversion: "1"\ncategories:\n  - id: hate\n    thresholds: { review: 0.9, block: 0.1 }\n',
    );
    const res = await scan('--policy', join(work, 'bad.yaml'));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('categories.0.thresholds');
  });

  it('scans a single file argument and honours --policy', async () => {
    writeFileSync(
      join(work, 'strict.yaml'),
      'id: strict\nversion: "7"\ncategories:\n  - id: pii\n    thresholds: { review: 0.1, block: 0.2 }\n',
    );
    const res = await runCli(
      [
        'scan',
        join(work, 'in', 'card.txt'),
        '--out',
        join(work, 'o3'),
        '--state-dir',
        join(work, 'state'),
        '--policy',
        join(work, 'strict.yaml'),
        '--json',
      ],
      { cwd: work },
    );
    expect(res.code).toBe(0);
    const [v] = parseJsonl<Verdict>(readFileSync(join(work, 'o3', 'verdicts.jsonl'), 'utf8'));
    expect(v).toMatchObject({ decision: 'block', policy: { id: 'strict', version: '7' } });
  });
});
