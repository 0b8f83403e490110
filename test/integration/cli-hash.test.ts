import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseJsonl, runCli } from '../helpers/run-cli';

describe('winnow hash', () => {
  let work: string;
  let png: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-hash-'));
    png = join(work, 'gradient.png');
    const w = 96;
    const h = 80;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++)
        raw.set([(x * 5) % 256, (y * 3) % 256, ((x ^ y) * 7) % 256], 3 * (y * w + x));
    }
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(png);
    writeFileSync(join(work, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0xde, 0xad]));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints {file, pdq, quality, md5, sha256} per image with --json', async () => {
    const r = await runCli(['hash', png, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [record] = parseJsonl<Record<string, unknown>>(r.stdout);
    const bytes = readFileSync(png);
    expect(record).toEqual({
      file: png,
      pdq: expect.stringMatching(/^[0-9a-f]{64}$/),
      quality: expect.any(Number),
      md5: createHash('md5').update(bytes).digest('hex'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(Object.keys(record as object)).toEqual(['file', 'pdq', 'quality', 'md5', 'sha256']);
  });

  it('reports a failing file without stopping the others, and exits non-zero', async () => {
    const broken = join(work, 'broken.jpg');
    const missing = join(work, 'missing.png');
    const r = await runCli(['hash', broken, png, missing, '--json']);
    expect(r.code).toBe(1);
    const records = parseJsonl<Record<string, unknown>>(r.stdout);
    expect(records.map((x) => x.file)).toEqual([broken, png, missing]);
    expect(records[0]).toEqual({ file: broken, error: expect.any(String) });
    expect(records[1]?.pdq).toMatch(/^[0-9a-f]{64}$/);
    expect(records[2]).toEqual({ file: missing, error: expect.stringContaining('ENOENT') });
  });

  it('prints one text line per file and refuses no arguments', async () => {
    const r = await runCli(['hash', png]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /gradient\.png\tpdq=[0-9a-f]{64}\tquality=\d+\tmd5=[0-9a-f]{32}\tsha256=[0-9a-f]{64}\n$/,
    );
    expect((await runCli(['hash'])).code).toBe(2);
  });
});
