import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ffmpegBinary } from '../../../core/ffmpeg/ffmpeg-binary';
import type { Verdict } from '../../../core/verdict/verdict';
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from '../../helpers/headless-chromium';
import { reportVerdict } from '../../helpers/report-verdict';
import { parseJsonl, runCli } from '../../helpers/run-cli';

const EXAMPLES = join(__dirname, '../../../examples');
const HAVE_FFMPEG = existsSync(ffmpegBinary());
const HOSTILE_TEXT =
  '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> you are an idiot';
const HOSTILE_NAME = `hostile-<b>"name'.txt`;

const itInBrowser = HAVE_CHROMIUM ? it : it.skip;

/** The part of the browser's window the page checks use (the project compiles without DOM types). */
interface StyleWindow {
  getComputedStyle(e: unknown): { filter: string };
}

if (!HAVE_CHROMIUM) process.stdout.write(`report rendering test skipped: ${CHROMIUM} is not installed\n`);

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Verdicts a scan here would take too long to make (video) or cannot make (remote, failed items). */
function extraVerdicts(video: string): Verdict[] {
  const regions = [
    {
      kind: 'region' as const,
      frame: 5,
      x: 63,
      y: 191,
      width: 355,
      height: 24,
      text: 'CLAIM YOUR PRIZE NOW',
      start: 0,
      end: 20,
      rule: 'spam.phrase.claim-prize',
    },
    {
      kind: 'region' as const,
      frame: 5,
      x: 181,
      y: 222,
      width: 120,
      height: 31,
      text: 'bit.ly/xyz',
      start: 0,
      end: 10,
      rule: 'spam.url-shortener',
    },
  ];
  const time = { kind: 'time' as const, start: 5.06667, end: 6.06667 };
  return [
    reportVerdict({
      item: {
        uri: pathToFileURL(video).href,
        sha256: sha256(video),
        media: 'video',
        format: 'mp4',
        bytes: readFileSync(video).length,
      },
      decision: 'block',
      tier: 'heavy',
      categories: [
        { id: 'violence', score: 0.85, decision: 'block' },
        { id: 'spam', score: 0.9, decision: 'block' },
      ],
      segments: [
        {
          start: 2.934,
          end: 4.104,
          categories: [{ id: 'violence', score: 0.85, decision: 'block' }],
          evidence: [{ kind: 'time', start: 2.934, end: 4.104, rule: 'violence.threat.hurt' }],
        },
        {
          start: 5.06667,
          end: 6.06667,
          categories: [{ id: 'spam', score: 0.9, decision: 'block' }],
          evidence: [time, ...regions],
        },
      ],
      signals: [
        {
          detector: 'video-frames',
          category: 'spam',
          label: 'ocr:scam-link',
          score: 0.9,
          evidence: [time, ...regions],
        },
        {
          detector: 'video-speech',
          category: 'violence',
          label: 'transcript:threat',
          score: 0.85,
          evidence: [
            { kind: 'time', start: 2.934, end: 4.104 },
            { kind: 'note', text: 'transcript: i will hurt you' },
          ],
        },
        {
          detector: 'video-speech',
          category: null,
          label: 'speech',
          score: 1,
          evidence: [{ kind: 'time', start: 1.08, end: 4.16 }],
        },
      ],
    }),
    reportVerdict({
      item: { uri: 's3://uploads/2026/<img src=x onerror=alert(1)>.txt' },
      decision: 'review',
      categories: [{ id: 'pii', score: 0.6, decision: 'review' }],
      signals: [
        {
          detector: 'text-pii',
          category: 'pii',
          label: 'email',
          score: 0.6,
          evidence: [{ kind: 'span', start: 3, end: 20 }],
        },
      ],
    }),
    reportVerdict({
      item: { uri: 's3://uploads/2026/broken.png', sha256: '', media: 'image', format: 'png' },
      decision: 'error',
      error: { code: 'corrupt-media', message: 'cannot read the png header', retryable: false },
    }),
  ];
}

describe('winnow report', () => {
  let work: string;
  let out: string;
  let verdicts: Verdict[];
  let stdout: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-report-'));
    const input = join(work, 'input');
    mkdirSync(input);
    for (const f of [
      'text/pii-card.txt',
      'text/hate-dehumanising.txt',
      'text/harassment-zero-width.txt',
      'text/benign-greeting.txt',
      'images/scam-text.png',
      'images/photo.jpg',
    ])
      copyFileSync(join(EXAMPLES, f), join(input, f.split('/')[1] as string));
    writeFileSync(join(input, HOSTILE_NAME), HOSTILE_TEXT);
    out = join(work, 'run');
    const scan = await runCli(['scan', input, '--out', out, '--state-dir', join(work, 'state'), '--quiet'], {
      cwd: work,
    });
    expect(scan.code).toBe(0);
    const video = join(work, 'clip.mp4');
    copyFileSync(join(EXAMPLES, 'video/clip.mp4'), video);
    appendFileSync(
      join(out, 'verdicts.jsonl'),
      extraVerdicts(video)
        .map((v) => `${JSON.stringify(v)}\n`)
        .join(''),
    );
    copyFileSync(join(__dirname, 'fixtures/eval.json'), join(out, 'eval.json'));
    verdicts = parseJsonl<Verdict>(readFileSync(join(out, 'verdicts.jsonl'), 'utf8'));
    const res = await runCli(['report', out], { cwd: work });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    stdout = res.stdout;
    if (HAVE_CHROMIUM) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('writes <run-dir>/report.html, prints its path, and embeds everything it shows', () => {
    const file = join(out, 'report.html');
    expect(stdout).toBe(`${file}\n`);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).not.toMatch(/\b(src|href)="(?!#|data:)/);
    expect(html).not.toContain(HOSTILE_TEXT);
  });

  it('refuses a directory that holds no run', async () => {
    const res = await runCli(['report', join(work, 'input')], { cwd: work });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('neither verdicts.jsonl nor eval.json');
  });

  it('writes where --out says, caps the table with a note, and counts every row', async () => {
    const big = join(work, 'big-run');
    mkdirSync(big);
    const lines = Array.from({ length: 1000 }, (_, i) => {
      const flagged = i % 10 === 0;
      return JSON.stringify(
        reportVerdict({
          item: { uri: `s3://archive/item-${i}.txt` },
          decision: flagged ? 'block' : 'allow',
          categories: [{ id: 'spam', score: flagged ? 0.9 : 0.1, decision: flagged ? 'block' : 'allow' }],
        }),
      );
    });
    writeFileSync(join(big, 'verdicts.jsonl'), `${lines.join('\n')}\nnot a verdict\n`);
    const file = join(work, 'custom.html');
    const res = await runCli(['report', big, '--out', file, '--max-rows', '400', '--no-content'], {
      cwd: work,
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`${file}\n`);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('The item table lists 400 of 1,000 items');
    expect(html).toContain('1 line(s) of verdicts.jsonl are not valid verdicts');
    expect(html.match(/<tr data-decision="block"/g)).toHaveLength(100);
    if (!browser) return;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    // Rows are shown a page at a time; the rest on demand.
    expect(await page.locator('#item-table tbody tr[data-decision]:visible').count()).toBe(250);
    expect(await page.textContent('#f-count')).toBe('Showing 250 of 400 matching rows');
    await page.click('#f-more');
    expect(await page.locator('#item-table tbody tr[data-decision]:visible').count()).toBe(400);
    expect(await page.locator('.kpi .v').first().textContent()).toBe('1,000');
    await context.close();
  });

  async function open(javaScriptEnabled: boolean) {
    const context = await (browser as Browser).newContext({
      viewport: { width: 1280, height: 900 },
      javaScriptEnabled,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
    return { page, problems, requests };
  }

  const visibleRows = (page: Page) => page.locator('#item-table tbody tr[data-decision]:visible').count();
  const cardOf = (page: Page, name: string) =>
    page.locator('article.card', { has: page.locator('h3', { hasText: name }) });
  const filterOf = (page: Page, name: string) =>
    cardOf(page, name)
      .locator('.thumb img')
      .evaluate((img) => (globalThis as unknown as StyleWindow).getComputedStyle(img).filter);

  itInBrowser(
    'renders charts, table, cards and PR curves, filters by clicking and typing, with no errors or fetches',
    async () => {
      const { page, problems, requests } = await open(true);
      const count = (d: string) => verdicts.filter((v) => v.decision === d).length;

      // The page as first opened: flagged media blurred, nothing filtered.
      const shot = join(work, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(png.readUInt32BE(20)).toBeGreaterThan(3000);
      expect(png.length).toBeGreaterThan(150_000);
      if (process.env.WINNOW_REPORT_SCREENSHOT_DIR)
        copyFileSync(shot, join(process.env.WINNOW_REPORT_SCREENSHOT_DIR, 'report.png'));

      expect(await page.locator('#overview svg.bar-chart').count()).toBe(2);
      expect(await page.locator('#overview svg.stacked-chart').count()).toBe(1);
      expect(await page.locator('#overview .kpi').count()).toBe(6);
      expect(await page.locator('#evaluation svg.pr-chart').count()).toBe(3);
      expect(await page.locator('#evaluation svg.pr-chart polyline').count()).toBe(3);
      expect(await page.locator('#evaluation table.metrics').first().locator('tbody tr').count()).toBe(4);
      expect(await visibleRows(page)).toBe(verdicts.length);
      expect(await page.locator('article.card').count()).toBe(verdicts.length);

      // Hostile text and names stay text.
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(await page.evaluate('document.scripts.length')).toBe(1);
      const hostile = cardOf(page, HOSTILE_NAME);
      expect(await hostile.count()).toBe(1);
      expect(await hostile.locator('pre.excerpt').textContent()).toBe(HOSTILE_TEXT);
      expect((await hostile.locator('pre.excerpt mark').allTextContents()).join('|')).toContain('idiot');

      // Spans land on the right characters, zero-width ones included.
      expect(await cardOf(page, 'pii-card.txt').locator('mark:not(.weak)').textContent()).toBe(
        '4111 1111 1111 1111',
      );
      expect(await cardOf(page, 'hate-dehumanising.txt').locator('mark:not(.weak)').textContent()).toBe(
        'immigrants are vermin',
      );

      // A flagged image is blurred until clicked; an allowed one is not; OCR boxes are drawn.
      expect(await filterOf(page, 'scam-text.png')).toContain('blur');
      expect(await cardOf(page, 'scam-text.png').locator('svg.boxes rect').count()).toBeGreaterThanOrEqual(3);
      await cardOf(page, 'scam-text.png').locator('label.frame').click();
      expect(await filterOf(page, 'scam-text.png')).toBe('none');
      expect(await filterOf(page, 'photo.jpg')).toBe('none');

      // Video: a timeline strip per category plus speech, and a frame of the flagged segment with its boxes.
      const video = cardOf(page, 'clip.mp4');
      // Flagged categories first, highest score first.
      expect(await video.locator('svg.timeline text.lbl').allTextContents()).toEqual([
        'spam',
        'violence',
        'speech',
      ]);
      if (HAVE_FFMPEG) {
        expect(await video.locator('.thumb img').count()).toBe(1);
        expect(await video.locator('svg.boxes rect').count()).toBe(2);
        expect(await filterOf(page, 'clip.mp4')).toContain('blur');
      }

      // Remote and failed items still get a card.
      expect(await page.locator('article.card', { hasText: 'Content not available' }).count()).toBe(2);
      expect(await page.locator('article.card-error .error-box').textContent()).toContain('corrupt-media');

      // Filters: click a decision, type a search, pick a category, reset.
      await page.click('[data-filter-decision="block"]');
      expect(await visibleRows(page)).toBe(count('block'));
      expect(await page.locator('article.card:visible').count()).toBe(count('block'));
      await page.click('[data-filter-decision="block"]');
      await page.fill('#f-search', 'scam');
      expect(await visibleRows(page)).toBe(1);
      await page.fill('#f-search', 'no such item');
      expect(await page.locator('#no-match').isVisible()).toBe(true);
      await page.click('#f-reset');
      await page.selectOption('#f-category', 'pii');
      expect(await visibleRows(page)).toBe(
        verdicts.filter((v) => v.categories.some((c) => c.id === 'pii' && c.decision !== 'allow')).length,
      );
      expect(await page.textContent('#f-count')).toMatch(/^Showing 2 of \d+ rows$/);
      await page.click('#f-reset');
      expect(await visibleRows(page)).toBe(verdicts.length);

      // Sorting by decision puts blocked items first.
      await page.click('#item-table th[data-sort="severity"]');
      expect(
        await page.locator('#item-table tbody tr[data-decision]').first().getAttribute('data-decision'),
      ).toBe('block');

      expect(problems).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    },
  );

  itInBrowser(
    'reads without JavaScript: everything shown, filters hidden, flagged media still blurred and revealable',
    async () => {
      const { page, problems } = await open(false);
      expect(await page.locator('.filters').isVisible()).toBe(false);
      expect(await visibleRows(page)).toBe(verdicts.length);
      expect(await page.locator('article.card:visible').count()).toBe(verdicts.length);
      expect(await filterOf(page, 'scam-text.png')).toContain('blur');
      await cardOf(page, 'scam-text.png').locator('label.frame').click();
      expect(await filterOf(page, 'scam-text.png')).toBe('none');
      expect(problems).toEqual([]);
    },
  );
});
