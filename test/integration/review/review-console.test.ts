import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { openStateDir, SqliteReviewStore, type StateDir } from '../../../adapters/local';
import { reviewLabels } from '../../../core/eval/review-labels';
import type { Verdict } from '../../../core/verdict/verdict';
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from '../../helpers/headless-chromium';
import { parseJsonl, runCli, WINNOW_BIN } from '../../helpers/run-cli';

if (!HAVE_CHROMIUM) process.stdout.write(`review console test skipped: ${CHROMIUM} is not installed\n`);
const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;

const REPO = join(__dirname, '../../..');
const REVIEWER = 'Dana Reviewer';
/** A file name and text that would run script if the console ever treated them as HTML. */
const HOSTILE_NAME = '"><img src=x onerror=window.__pwned=1>.txt';
const HOSTILE_TEXT =
  '<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3"> Synthetic sample: what a load of shit.';
const FIXTURES: Readonly<Record<string, string>> = {
  'printer.txt': 'Synthetic sample: this printer is broken again, what a load of shit.',
  'offer.txt':
    'Double your bitcoin in 24 hours with guaranteed returns. Act now, this is a limited time offer.',
  'contact.txt': 'Synthetic test data: reach Jane Example at jane.example@example.com or +44 20 7946 0958.',
  [HOSTILE_NAME]: HOSTILE_TEXT,
};

/**
 * The default policy with a strict image rule: any sexual score from the image classifier needs review, so the
 * example image lands in the queue whatever it shows.
 */
function reviewPolicy(): string {
  const policy = readFileSync(join(REPO, 'policies/default.yaml'), 'utf8');
  const changed = policy.replace(
    /(- id: sexual\n(?:.*\n)*?\s+thresholds: \{ review: )0\.5, block: 0\.85/,
    '$10.00001, block: 0.99',
  );
  if (changed === policy)
    throw new Error('the default policy no longer has the sexual thresholds this test edits');
  return changed;
}

/** Starts `winnow review` and resolves with the URL it prints. */
function startConsole(stateDir: string): Promise<{ child: ChildProcess; url: URL; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    [WINNOW_BIN, 'review', '--state-dir', stateDir, '--reviewer', REVIEWER, '--port', '0'],
    {
      env: { ...process.env, WINNOW_LOG_LEVEL: 'warn', WINNOW_REVIEW_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`winnow review printed no URL: ${stderr}`)), 15_000);
    child.stdout?.on('data', (d) => {
      stdout += d;
      const match = /Review console: (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: new URL(match[1] as string), stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`winnow review exited with ${code}: ${stderr}`));
    });
  });
}

/**
 * The browser globals the in-page functions below use; this project compiles without the DOM library. The
 * functions run in the page (Playwright sends their source), where `globalThis` is the window. They are functions,
 * not strings: the console's CSP forbids eval, which string expressions need.
 */
interface PageGlobals {
  readonly document: {
    querySelector(
      selector: string,
    ): { textContent: string | null; complete?: boolean; naturalWidth?: number } | null;
    querySelectorAll(selector: string): { length: number };
  };
  getComputedStyle(element: unknown): { filter: string };
  __pwned?: unknown;
}

/** Waits until the queue lists `n` items. */
async function waitForQueueLength(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (count) =>
      (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid="queue-item"]')
        .length === count,
    n,
  );
}

async function queueNames(page: Page): Promise<string[]> {
  return page.locator('[data-testid="queue-item"] .name').allTextContents();
}

describeBrowser('winnow review: the review console in a real browser', () => {
  let work: string;
  let stateDir: string;
  let child: ChildProcess;
  let url: URL;
  let childStderr: () => string;
  let browser: Browser;
  let page: Page;
  let reviewUris: string[];
  let reviewNames: string[];
  const pageErrors: string[] = [];
  const screenshot = process.env.WINNOW_REVIEW_SCREENSHOT;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-review-e2e-'));
    const input = join(work, 'in');
    stateDir = join(work, 'state');
    mkdirSync(input);
    for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(join(input, name), text);
    copyFileSync(join(REPO, 'examples/images/photo.jpg'), join(input, 'photo.jpg'));
    writeFileSync(join(work, 'policy.yaml'), reviewPolicy());
    const scan = await runCli(
      [
        'scan',
        input,
        '--out',
        join(work, 'out'),
        '--state-dir',
        stateDir,
        '--policy',
        join(work, 'policy.yaml'),
        '--quiet',
      ],
      { cwd: work },
    );
    expect(scan.code).toBe(0);
    const verdicts = parseJsonl<Verdict>(readFileSync(join(work, 'out', 'verdicts.jsonl'), 'utf8'));
    reviewUris = verdicts.filter((v) => v.decision === 'review').map((v) => v.item.uri);
    const uriOf = (name: string): string => pathToFileURL(join(input, name)).href;
    // The fixtures are chosen to need review; the test is about the console, not the detectors.
    expect(reviewUris).toEqual(
      expect.arrayContaining(['printer.txt', 'offer.txt', HOSTILE_NAME, 'photo.jpg'].map(uriOf)),
    );
    reviewNames = reviewUris.map((u) => decodeURIComponent(u.slice(u.lastIndexOf('/') + 1))).sort();

    ({ child, url, stderr: childStderr } = await startConsole(stateDir));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', (d) => {
      pageErrors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves on loopback with a per-start token, and refuses the API without it', async () => {
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const noToken = await fetch(new URL('/api/queue', url.origin));
    expect(noToken.status).toBe(401);
    const wrongToken = await fetch(new URL('/api/audit', url.origin), {
      headers: { Authorization: 'Bearer wrong' },
    });
    expect(wrongToken.status).toBe(401);
  });

  it('shows the queue, oldest first, and drops the token from the address bar', async () => {
    await page.goto(url.href);
    await page.waitForSelector('[data-testid="queue-item"]');
    expect(new URL(page.url()).search).toBe('');
    const names = await queueNames(page);
    expect([...names].sort()).toEqual(reviewNames);
    expect(await page.textContent('[data-testid="remaining"]')).toBe(`${reviewUris.length} to review`);
    // The page itself asks the API without a token when it has none.
    const anonymous = await page.evaluate(async () => (await fetch('/api/queue')).status);
    expect(anonymous).toBe(401);
  });

  it('renders hostile names and text as text, never as markup', async () => {
    await page.locator('[data-testid="queue-item"]', { hasText: 'onerror' }).click();
    await page.waitForSelector('[data-testid="excerpt"]');
    expect(await page.textContent('[data-testid="item-name"]')).toBe(HOSTILE_NAME);
    expect(await page.textContent('[data-testid="excerpt"]')).toBe(HOSTILE_TEXT);
    expect(await page.locator('#item-pane img, #item-pane script').count()).toBe(0);
    expect(await page.evaluate(() => typeof (globalThis as unknown as PageGlobals).__pwned)).toBe(
      'undefined',
    );
  });

  it('blurs an image until the reviewer reveals it', async () => {
    await page.locator('[data-testid="queue-item"]', { hasText: 'photo.jpg' }).click();
    const thumb = page.locator('[data-testid="thumbnail"]');
    await thumb.waitFor();
    await page.waitForFunction(() => {
      const img = (globalThis as unknown as PageGlobals).document.querySelector(
        '[data-testid="thumbnail"] img',
      );
      return img?.complete === true && (img.naturalWidth ?? 0) > 0;
    });
    expect(await thumb.getAttribute('class')).not.toMatch(/revealed/);
    expect(
      await page
        .locator('[data-testid="thumbnail"] img')
        .evaluate((img) => (globalThis as unknown as PageGlobals).getComputedStyle(img).filter),
    ).toMatch(/blur/);
    await thumb.click();
    expect(await thumb.getAttribute('class')).toMatch(/revealed/);
    expect(await page.textContent('[data-testid="evidence"]')).toMatch(/image-nsfw/);
  });

  it('opens an item with its evidence, blocks it with a reason, and the item leaves the queue', async () => {
    await page.locator('[data-testid="queue-item"]', { hasText: 'printer.txt' }).click();
    await page.waitForSelector('[data-testid="highlight"]');
    expect(await page.textContent('[data-testid="item-name"]')).toBe('printer.txt');
    expect(await page.locator('[data-testid="highlight"]').allTextContents()).toContain('shit');
    expect(await page.textContent('[data-testid="evidence"]')).toMatch(/text-profanity.*profanity/s);
    // Keyboard: b chooses block and moves to the reason.
    await page.keyboard.press('b');
    expect(await page.getAttribute('[data-testid="choose-block"]', 'aria-pressed')).toBe('true');
    expect(await page.getAttribute('[data-testid="submit"]', 'disabled')).not.toBeNull();
    await page.keyboard.type('Profanity aimed at nobody, but the policy blocks it in replies.');
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: false });
    await page.click('[data-testid="submit"]');
    await waitForQueueLength(page, reviewUris.length - 1);
    expect(await queueNames(page)).not.toContain('printer.txt');
    expect(await page.textContent('[data-testid="remaining"]')).toBe(`${reviewUris.length - 1} to review`);
  });

  it('moves with j/k and allows with a, reason and Ctrl+Enter', async () => {
    const selected = (): Promise<string | null> =>
      page.locator('[data-testid="queue-item"][aria-selected="true"] .name').textContent();
    await page.locator('[data-testid="queue-item"]').first().click();
    await page.waitForSelector('[data-testid="decision-form"]');
    const first = await selected();
    await page.keyboard.press('j');
    const second = await selected();
    expect(second).not.toBe(first);
    await page.keyboard.press('k');
    expect(await selected()).toBe(first);
    await page.locator('[data-testid="queue-item"]', { hasText: 'offer.txt' }).click();
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="item-name"]')
          ?.textContent === 'offer.txt',
    );
    await page.keyboard.press('a');
    await page.keyboard.type('A known partner promotion.');
    await page.keyboard.press('Control+Enter');
    await waitForQueueLength(page, reviewUris.length - 2);
    expect(await queueNames(page)).not.toContain('offer.txt');
  });

  it('shows the decisions with reviewer and time in the audit log page', async () => {
    await page.click('[data-testid="tab-audit"]');
    await page.waitForSelector('[data-testid="audit-row"]');
    const rows = page.locator('[data-testid="audit-row"]');
    expect(await rows.count()).toBe(2);
    // Newest first.
    expect(await rows.nth(0).locator('[data-testid="audit-decision"]').textContent()).toBe('allow');
    expect(await rows.nth(1).locator('[data-testid="audit-decision"]').textContent()).toBe('block');
    expect(await rows.nth(1).locator('[data-testid="audit-reviewer"]').textContent()).toBe(REVIEWER);
    expect(await rows.nth(1).locator('[data-testid="audit-reason"]').textContent()).toBe(
      'Profanity aimed at nobody, but the policy blocks it in replies.',
    );
    expect(pageErrors).toEqual([]);
  });

  it('keeps the audit log in the store and yields calibration labels', async () => {
    let state: StateDir | undefined;
    try {
      state = openStateDir(stateDir);
      const reviews = new SqliteReviewStore(state);
      const log = await reviews.history();
      const printer = pathToFileURL(join(work, 'in', 'printer.txt')).href;
      const offer = pathToFileURL(join(work, 'in', 'offer.txt')).href;
      expect(log.map((d) => [d.uri, d.decision, d.reviewer])).toEqual([
        [printer, 'block', REVIEWER],
        [offer, 'allow', REVIEWER],
      ]);
      for (const d of log) {
        expect(Date.now() - Date.parse(d.decidedAt)).toBeLessThan(120_000);
        expect(d.decidedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      // What winnow calibrate --reviews reads: block labels the categories 1, allow 0, scored by the verdict.
      const labels = await reviewLabels(reviews, state.verdicts);
      expect(labels.missingVerdicts).toBe(0);
      const printerVerdict = await state.verdicts.get(printer, log[0]?.policyVersion);
      // The decisions cover the categories that flagged each item (the test policy's strict sexual rule may add one).
      expect(labels.scored.map((s) => s.item.uri)).toEqual([printer, offer]);
      const [blocked, allowed] = labels.scored.map((s) => s.item.labels);
      expect(blocked).toMatchObject({ profanity: 1 });
      expect(Object.values(blocked ?? {}).every((l) => l === 1)).toBe(true);
      expect(allowed).toMatchObject({ spam: 0 });
      expect(Object.values(allowed ?? {}).every((l) => l === 0)).toBe(true);
      expect(labels.scored[0]?.scores?.profanity).toBe(
        printerVerdict?.categories.find((c) => c.id === 'profanity')?.score,
      );
    } finally {
      state?.close();
    }
  });

  it('prints the audit log and exports the latest decisions from the CLI', async () => {
    const audit = await runCli(['review', '--audit', '--json', '--state-dir', stateDir]);
    expect(audit.code).toBe(0);
    expect(parseJsonl<{ decision: string }>(audit.stdout).map((d) => d.decision)).toEqual(['block', 'allow']);
    const file = join(work, 'decisions.jsonl');
    const exported = await runCli(['review', '--export', file, '--state-dir', stateDir]);
    expect(exported.code).toBe(0);
    expect(parseJsonl<{ reviewer: string }>(readFileSync(file, 'utf8')).map((d) => d.reviewer)).toEqual([
      REVIEWER,
      REVIEWER,
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(childStderr()).not.toMatch(/Synthetic|printer broken|bitcoin/);
  });
});
