import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), which the browser tests drive through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here; without Chromium they skip with a notice. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * Headless Chromium for a test. Background networking, component updates and sync are off: this machine's network
 * is closed, and Chromium's own connections would otherwise be refused, many at a time.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
