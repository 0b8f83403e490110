import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Verdict, VerdictSchema } from '../../core/verdict/verdict';
import { parseJsonl, runCli } from '../helpers/run-cli';

const EXAMPLES = join(__dirname, '../../examples');
const HAVE_ASR = spawnSync('sh', ['-c', 'command -v pocketsphinx_continuous']).status === 0;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('winnow scan examples (the Quickstart job)', () => {
  let work: string;
  let verdicts: Verdict[];
  let stdout: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-examples-'));
    const res = await runCli(
      ['scan', EXAMPLES, '--out', join(work, 'out'), '--state-dir', join(work, 'state')],
      { cwd: work },
    );
    stdout = res.stdout;
    // Only progress lines (printed on long scans) may reach stderr.
    expect(res.stderr.split('\n').filter((l) => l && !/^winnow: \d+\/\d+ /.test(l))).toEqual([]);
    expect(res.code).toBe(0);
    verdicts = parseJsonl<Verdict>(readFileSync(join(work, 'out', 'verdicts.jsonl'), 'utf8'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('writes exactly one schema-valid verdict per example file', () => {
    const files = filesUnder(EXAMPLES);
    expect(verdicts).toHaveLength(files.length);
    expect(new Set(verdicts.map((v) => v.item.uri))).toEqual(
      new Set(files.map((f) => pathToFileURL(f).href)),
    );
    for (const v of verdicts) expect(VerdictSchema.safeParse(v).success).toBe(true);
  });

  it('flags every example text in its expected categories, and nothing else', () => {
    const expected = JSON.parse(readFileSync(join(EXAMPLES, 'expected.json'), 'utf8')) as Record<
      string,
      { media: string; expect: string[] }
    >;
    const byPath = new Map(verdicts.map((v) => [relative(EXAMPLES, new URL(v.item.uri).pathname), v]));
    for (const [path, want] of Object.entries(expected)) {
      const v = byPath.get(path);
      expect({ path, media: v?.item.media }).toEqual({ path, media: want.media });
      if (want.media === 'audio' && !HAVE_ASR) continue;
      const flagged = (v?.categories ?? [])
        .filter((c) => c.decision !== 'allow')
        .map((c) => c.id)
        .sort();
      // Without a speech recogniser a video is judged on its frames only.
      const expected =
        want.media === 'video' && !HAVE_ASR ? want.expect.filter((c) => c !== 'violence') : want.expect;
      expect({ path, flagged }).toEqual({ path, flagged: [...expected].sort() });
      expect({ path, decision: v?.decision }).toEqual({
        path,
        decision: expected.length ? expect.stringMatching(/review|block/) : 'allow',
      });
    }
  });

  it('without a speech recogniser, audio gets an explicit error verdict, never an allow', () => {
    if (!HAVE_ASR) {
      for (const v of verdicts.filter((x) => x.item.media === 'audio')) {
        expect(v).toMatchObject({ decision: 'error', error: { code: 'detectors-skipped' } });
      }
    }
  });

  it('classifies every example image with the NSFW model and reads its text with OCR', () => {
    const images = verdicts.filter((v) => v.item.media === 'image');
    expect(images.length).toBeGreaterThan(0);
    for (const v of images) {
      expect(v.detectors.find((d) => d.id === 'image-nsfw')).toMatchObject({
        status: 'ok',
        model: { id: 'nsfw-mobilenet-v2-mid' },
      });
      expect(v.detectors.find((d) => d.id === 'image-ocr')).toMatchObject({
        status: 'ok',
        model: { id: 'ocr-det-ppocr-v4+ocr-rec-ppocr-v4+ocr-cls-ppocr-mobile-v2' },
      });
      expect(v.categories.find((c) => c.id === 'sexual')?.decision).toBe('allow');
    }
  });

  it('catches the scam text on an image through OCR, with boxes and the recognised strings', () => {
    const scam = verdicts.find((v) => v.item.uri.endsWith('/images/scam-text.png'));
    expect(scam?.decision).toBe('block');
    const spam = scam?.signals.find((s) => s.detector === 'image-ocr' && s.category === 'spam');
    const regions = (spam?.evidence ?? []).filter((e) => e.kind === 'region');
    expect(regions.length).toBeGreaterThan(0);
    // The link shortener sits in the blue button at x 110-330, y 168-212 of the 440x240 picture.
    const link = regions.find((e) => e.kind === 'region' && e.rule === 'spam.url-shortener');
    expect(link).toMatchObject({ frame: 0, text: expect.stringContaining('bit.ly') });
    if (link?.kind === 'region') {
      expect(link.x).toBeGreaterThanOrEqual(100);
      expect(link.x + link.width).toBeLessThanOrEqual(340);
      expect(link.y).toBeGreaterThanOrEqual(160);
      expect(link.y + link.height).toBeLessThanOrEqual(220);
    }
    // The benign meme's caption is read but flags nothing.
    const meme = verdicts.find((v) => v.item.uri.endsWith('/images/meme.png'));
    const text = meme?.signals.find((s) => s.label === 'ocr-text')?.evidence ?? [];
    const read = text.map((e) => (e.kind === 'region' ? e.text : '')).join(' ');
    expect(read.replace(/\s+/g, '')).toContain('WHENTHEBUILDPASSES');
    expect(meme?.decision).toBe('allow');
  });

  it('catches the spoken threat in audio with a segment time', () => {
    if (!HAVE_ASR) {
      console.warn(
        'pocketsphinx is not installed: skipping the speech check (apt-get install pocketsphinx pocketsphinx-en-us)',
      );
      return;
    }
    const threat = verdicts.find((v) => v.item.uri.endsWith('/audio/threat.wav'));
    expect(threat?.decision).toBe('block');
    const segment = threat?.segments.find((s) => s.categories.some((c) => c.id === 'violence'));
    // flite says "If you come back here again, I will hurt you."; the threat is the second clause, about 2-3 s in.
    expect(segment?.start).toBeGreaterThan(1);
    expect(segment?.end).toBeLessThan(4);
  });

  it('finds the spoken threat and the on-screen scam text in the example video at the right times', () => {
    const clip = verdicts.find((v) => v.item.uri.endsWith('/video/clip.mp4'));
    expect(clip?.tier).toBe('heavy');
    expect(clip?.detectors.find((d) => d.id === 'video-frames')?.status).toBe('ok');
    // The generator overlays the caption from 5.0 to 8.0 s; frames are sampled about once a second.
    const spam = clip?.segments.find((s) =>
      s.categories.some((c) => c.id === 'spam' && c.decision !== 'allow'),
    );
    expect(spam?.start).toBeGreaterThanOrEqual(4);
    expect(spam?.start).toBeLessThanOrEqual(6.5);
    const read = spam?.evidence
      .filter((e) => e.kind === 'region')
      .map((e) => (e.kind === 'region' ? e.text : ''));
    expect(read?.join(' ')).toContain('bit.ly');
    if (HAVE_ASR) {
      // flite speaks from 1.0 s; "I will hurt you" is about 2.5-3.8 s in.
      const threat = clip?.segments.find((s) => s.categories.some((c) => c.id === 'violence'));
      expect(threat?.start).toBeGreaterThan(1.5);
      expect(threat?.end).toBeLessThan(5);
      expect(threat?.evidence.some((e) => e.kind === 'note' && e.text.includes('hurt'))).toBe(true);
    }
    // The category scores agree with the timeline: every flagged category peaks inside a segment.
    for (const c of clip?.categories.filter((x) => x.decision !== 'allow') ?? []) {
      const peak = Math.max(
        ...(clip?.segments ?? []).flatMap((s) =>
          s.categories.filter((x) => x.id === c.id).map((x) => x.score),
        ),
      );
      expect(peak).toBe(c.score);
    }
  });

  it('prints a summary table with decisions and categories', () => {
    expect(stdout).toMatch(/items in .* items\/s/);
    expect(stdout).toMatch(/^block\s+\d+$/m);
    expect(stdout).toMatch(/^pii\s+\d+\s+\d+$/m);
    expect(stdout).toContain('verdicts.jsonl');
    const summary = JSON.parse(readFileSync(join(work, 'out', 'summary.json'), 'utf8'));
    expect(summary.items).toBe(verdicts.length);
  });

  it('reuses cached scores on a second run and still writes every verdict', async () => {
    const res = await runCli(
      ['scan', EXAMPLES, '--out', join(work, 'out2'), '--state-dir', join(work, 'state'), '--json'],
      { cwd: work },
    );
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    const again = parseJsonl<Verdict>(readFileSync(join(work, 'out2', 'verdicts.jsonl'), 'utf8'));
    expect(again).toHaveLength(verdicts.length);
    const textCount = verdicts.filter((v) => v.item.media === 'text').length;
    expect(summary.cached).toBeGreaterThanOrEqual(textCount);
    expect(statSync(join(work, 'out2', 'verdicts.jsonl')).size).toBeGreaterThan(0);
  });

  it('answers queries on the local verdict store', async () => {
    const res = await runCli(['verdicts', '--decision', 'block', '--state-dir', join(work, 'state')], {
      cwd: work,
    });
    expect(res.code).toBe(0);
    const rows = parseJsonl<Verdict>(res.stdout);
    expect(rows.length).toBe(verdicts.filter((v) => v.decision === 'block').length);
    expect(rows.every((r) => r.decision === 'block')).toBe(true);
    const pii = parseJsonl<Verdict>(
      (await runCli(['verdicts', '--category', 'pii', '--state-dir', join(work, 'state')], { cwd: work }))
        .stdout,
    );
    expect(pii.length).toBeGreaterThan(0);
    expect(pii.every((r) => r.categories.some((c) => c.id === 'pii' && c.decision !== 'allow'))).toBe(true);
  });
});
