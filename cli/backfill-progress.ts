import type { BackfillProgress } from '../core/backfill/run-backfill';

/** How often a progress line is printed when stderr is not a terminal (logs, CI, cron). */
const PLAIN_INTERVAL_MS = 10_000;

/**
 * Backfill progress on stderr: done/listed, rate, ETA and running cost; a redrawn line on a terminal, elsewhere a
 * plain line every ten seconds.
 */
export class BackfillProgressBar {
  private last = 0;
  private drawn = false;
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = out.isTTY === true;
    if (!this.tty) this.last = Date.now();
  }

  update(p: BackfillProgress): void {
    const now = Date.now();
    if (now - this.last < (this.tty ? 100 : PLAIN_INTERVAL_MS)) return;
    this.last = now;
    this.out.write(
      this.tty ? `\r\x1b[K${formatBackfillProgress(p)}` : `winnow: ${formatBackfillProgress(p)}\n`,
    );
    this.drawn = this.tty;
  }

  /** Clears the line so what follows starts clean. */
  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** One progress line, e.g. `1200/2000 · scored 900 · skipped 300 · failed 0 · 41.3 items/s · $0.0123 · eta 20s`. */
export function formatBackfillProgress(p: BackfillProgress): string {
  const done = p.scored + p.skipped + p.failed;
  const total = p.listingDone ? `${p.listed}` : `${p.listed}+ (listing)`;
  const eta = p.etaSec === undefined ? '' : ` · eta ${formatSeconds(p.etaSec)}`;
  return `${done}/${total} · scored ${p.scored} · skipped ${p.skipped} · failed ${p.failed} · ${p.itemsPerSec.toFixed(1)} items/s · $${p.estimatedCost < 0.01 ? p.estimatedCost.toPrecision(2) : p.estimatedCost.toFixed(2)}${eta}`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
