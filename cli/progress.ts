import type { ScanProgress } from '../core/pipeline/batch-scan';

/** How often a progress line is printed when stderr is not a terminal (logs, CI, cron). */
const PLAIN_INTERVAL_MS = 10_000;

/** What one progress update shows: the status text and, when known, the share done (0–1) for the bar. */
export interface ProgressView {
  readonly status: string;
  readonly fraction?: number;
}

/** The view of a scan's progress: done/total, rate, flagged, errors and ETA. */
export function scanProgressView(p: ScanProgress): ProgressView {
  const total = Math.max(p.listed, p.done);
  const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
  const totalText = p.listingDone ? `${total}` : `${total}+ (listing)`;
  const eta = p.listingDone && rate > 0 ? ` · eta ${formatSeconds((total - p.done) / rate)}` : '';
  const flagged = p.decisions.review + p.decisions.block;
  return {
    status: `${p.done}/${totalText} · ${rate.toFixed(1)} items/s · flagged ${flagged} · errors ${p.decisions.error}${eta}`,
    fraction: total > 0 ? p.done / total : 0,
  };
}

/**
 * Progress on stderr: a one-line bar redrawn on a terminal; elsewhere (a log file, CI, cron) a plain line every
 * ten seconds, so long runs show life without flooding logs. `view` turns a progress event into what is shown.
 */
export class ProgressBar<P> {
  private last = 0;
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly view: (p: P) => ProgressView,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = out.isTTY === true;
    if (!this.tty) this.last = Date.now();
  }

  update(p: P): void {
    const now = Date.now();
    if (now - this.last < (this.tty ? 100 : PLAIN_INTERVAL_MS)) return;
    this.last = now;
    const { status, fraction } = this.view(p);
    if (!this.tty) {
      this.out.write(`winnow: ${status}\n`);
      return;
    }
    const width = 28;
    const filled = fraction === undefined ? 0 : Math.min(width, Math.round(fraction * width));
    const bar = fraction === undefined ? '' : `${'█'.repeat(filled)}${'░'.repeat(width - filled)} `;
    this.out.write(`\r\x1b[K${bar}${status}`);
    this.drawn = true;
  }

  /** Clears the bar so the summary starts on a clean line. */
  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** Seconds as `42s`, `3m7s` or `2h5m`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
