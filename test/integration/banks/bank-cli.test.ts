import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/run-cli';

const A = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const B = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
/** A with the first 8 bits flipped. */
const A8 = `07${A.slice(2)}`;

describe('winnow bank', () => {
  let dir: string;
  let stateDir: string;
  const bank = (...args: string[]) => runCli(['bank', ...args, '--state-dir', stateDir]);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-bank-cli-'));
    stateDir = join(dir, 'state');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports CSV and HMA files, lists, matches, removes and exports', async () => {
    writeFileSync(join(dir, 'known.csv'), `hash,category,source\n${A},csam,ncmec\n${MD5},spam,team\n`);
    writeFileSync(join(dir, 'partner.txt'), `pdq ${B}\nurl https://example.com/skipped\n`);

    let res = await bank('import', 'known', join(dir, 'known.csv'));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('2 added');
    res = await bank('import', 'partner', join(dir, 'partner.txt'));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('1 skipped');

    res = await bank('list', '--json');
    expect(res.code).toBe(0);
    const banks = JSON.parse(res.stdout) as { name: string; version: number; entryCount: number }[];
    expect(banks.map((b) => [b.name, b.version, b.entryCount])).toEqual([
      ['known', 1, 2],
      ['partner', 1, 1],
    ]);
    res = await bank('list');
    expect(res.stdout).toMatch(/known\s+1\s+2/);

    res = await bank('match', A8, MD5, B, '--json');
    expect(res.code).toBe(0);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].matches).toEqual([
      expect.objectContaining({
        bankName: 'known',
        distance: 8,
        matchedHash: A,
        label: 'csam',
        source: 'ncmec',
      }),
    ]);
    expect(lines[1].matches[0]).toMatchObject({ kind: 'md5', label: 'spam' });
    expect(lines[2].matches[0]).toMatchObject({ bankName: 'partner' });
    res = await bank('match', A8, '--radius', '7');
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('no match');

    writeFileSync(join(dir, 'queries.txt'), `${A},100\n`);
    res = await bank('match', '--file', join(dir, 'queries.txt'));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('known  distance 0');

    res = await bank('remove', 'known', A);
    expect(res.stdout).toContain('1 removed');
    expect((await bank('match', A)).code).toBe(1);

    res = await bank('export', 'known', '--format', 'hma', '--out', join(dir, 'out.txt'));
    expect(res.code).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe(`video_md5 ${MD5}\n`);
  });

  it('rejects bad input with usage errors and imports nothing from a file with bad lines', async () => {
    writeFileSync(join(dir, 'bad.txt'), `${A}\nnot-a-hash\n`);
    let res = await bank('import', 'bad', join(dir, 'bad.txt'));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('bad.txt:2');
    expect((await bank('list', '--json')).stdout).not.toContain('"bad"');
    res = await bank('match', A, '--radius', '40');
    expect(res.code).toBe(2);
    res = await bank('export', 'nope');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no hash bank named "nope"');
    res = await bank('frob');
    expect(res.code).toBe(2);
  });
});
