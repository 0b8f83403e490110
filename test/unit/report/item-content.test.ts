import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { evidenceFrame } from '../../../core/report/evidence-frame';
import { loadItemContent } from '../../../core/report/item-content';
import { localPathOf } from '../../../core/report/item-location';
import { reportVerdict } from '../../helpers/report-verdict';

const OPTIONS = { textExcerptChars: 20_000, thumbnail: true, thumbnailMaxSide: 320, frameMaxSide: 640 };

function itemOf(path: string, bytes: Buffer, media: 'text' | 'image', format: string) {
  return {
    uri: pathToFileURL(path).href,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    media,
    format,
  };
}

describe('localPathOf', () => {
  it('maps file URLs and paths, and refuses remote URIs', () => {
    expect(localPathOf('file:///d/a%20b.txt', '/base')).toBe('/d/a b.txt');
    expect(localPathOf('rel/a.txt', '/base')).toBe('/base/rel/a.txt');
    expect(localPathOf('/abs/a.txt', '/base')).toBe('/abs/a.txt');
    expect(localPathOf('s3://bucket/key', '/base')).toBeUndefined();
    expect(localPathOf('https://example.com/a', '/base')).toBeUndefined();
  });
});

describe('loadItemContent', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-content-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes text as the engine does (UTF-16 with a BOM), so span offsets line up', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hi idiot', 'utf16le')]);
    const path = join(dir, 'u16.txt');
    writeFileSync(path, bytes);
    const c = await loadItemContent(reportVerdict({ item: itemOf(path, bytes, 'text', 'utf-16le') }), {
      ...OPTIONS,
      baseDir: dir,
    });
    expect(c.text?.excerpt).toBe('hi idiot');
  });

  it('cuts long text to the excerpt and says so', async () => {
    const bytes = Buffer.from('x'.repeat(50));
    const path = join(dir, 'long.txt');
    writeFileSync(path, bytes);
    const c = await loadItemContent(reportVerdict({ item: itemOf(path, bytes, 'text', 'utf-8') }), {
      ...OPTIONS,
      textExcerptChars: 10,
      baseDir: dir,
    });
    expect(c.text).toEqual({ excerpt: 'x'.repeat(10), totalChars: 50 });
    expect(c.notes).toEqual(['Showing the first 10 of 50 characters.']);
  });

  it('shows nothing of a file that changed since the scan, or of one that is remote or missing', async () => {
    const bytes = Buffer.from('before');
    const path = join(dir, 'changed.txt');
    writeFileSync(path, bytes);
    const v = reportVerdict({ item: itemOf(path, bytes, 'text', 'utf-8') });
    writeFileSync(path, 'after!');
    const changed = await loadItemContent(v, { ...OPTIONS, baseDir: dir });
    expect(changed.text).toBeUndefined();
    expect(changed.notes[0]).toMatch(/changed since the scan/);
    const remote = await loadItemContent(reportVerdict({ item: { uri: 's3://b/k.txt' } }), {
      ...OPTIONS,
      baseDir: dir,
    });
    expect(remote.notes[0]).toMatch(/^Content not available/);
    const missing = await loadItemContent(
      reportVerdict({ item: { uri: pathToFileURL(join(dir, 'nope')).href } }),
      {
        ...OPTIONS,
        baseDir: dir,
      },
    );
    expect(missing.notes[0]).toMatch(/^Content not available/);
  });

  it('makes a JPEG thumbnail at most 320 px, in the pixel space of the evidence boxes', async () => {
    const bytes = await sharp({ create: { width: 800, height: 400, channels: 3, background: '#ffcc00' } })
      .png()
      .toBuffer();
    const path = join(dir, 'wide.png');
    writeFileSync(path, bytes);
    const c = await loadItemContent(reportVerdict({ item: itemOf(path, bytes, 'image', 'png') }), {
      ...OPTIONS,
      baseDir: dir,
    });
    expect(c.thumbnail).toMatchObject({ width: 320, height: 160, sourceWidth: 800, sourceHeight: 400 });
    expect(c.thumbnail?.dataUri.startsWith('data:image/jpeg;base64,/9j/')).toBe(true);
    const skipped = await loadItemContent(reportVerdict({ item: itemOf(path, bytes, 'image', 'png') }), {
      ...OPTIONS,
      thumbnail: false,
      baseDir: dir,
    });
    expect(skipped.thumbnail).toBeUndefined();
    expect(skipped.notes[0]).toMatch(/^Thumbnail left out/);
  });
});

describe('evidenceFrame', () => {
  it('picks the first flagged video segment with boxes, at its frame time', () => {
    const region = { kind: 'region' as const, frame: 5, x: 1, y: 2, width: 3, height: 4 };
    const v = reportVerdict({
      item: { media: 'video', format: 'mp4' },
      decision: 'block',
      categories: [
        { id: 'spam', score: 0.9, decision: 'block' },
        { id: 'violence', score: 0.9, decision: 'block' },
        { id: 'hate', score: 0.1, decision: 'allow' },
      ],
      signals: [
        { detector: 'video-frames', category: 'hate', label: 'ocr:hate', score: 0.1, evidence: [region] },
        { detector: 'video-frames', category: 'spam', label: 'ocr:scam', score: 0.9, evidence: [region] },
        {
          detector: 'video-frames',
          category: 'hate',
          label: 'ocr:hate',
          score: 0.1,
          evidence: [{ ...region, x: 50 }],
        },
      ],
      segments: [
        { start: 0, end: 1, categories: [{ id: 'spam', score: 0.1, decision: 'allow' }], evidence: [] },
        {
          start: 2,
          end: 3,
          categories: [{ id: 'violence', score: 0.9, decision: 'block' }],
          evidence: [{ kind: 'time', start: 2, end: 3 }],
        },
        {
          start: 5,
          end: 6,
          categories: [{ id: 'spam', score: 0.9, decision: 'block' }],
          evidence: [{ kind: 'time', start: 5.07, end: 6.07 }, region],
        },
      ],
    });
    const f = evidenceFrame(v);
    expect(f.timeSec).toBe(5.07);
    // One box per place, tagged with the flagged category; boxes only scored under the threshold are neutral.
    expect(f.regions.map((r) => [r.region.x, r.category])).toEqual([
      [1, 'spam'],
      [50, null],
    ]);
  });
});
