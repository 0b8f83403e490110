import type { ScanProgress } from '../core/pipeline/batch-scan';

/** A one-line progress bar on a terminal; silent elsewhere, so logs and pipes stay clean. */
export class ProgressBar {
  private last = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  /** True when drawing makes sense (a terminal). */
  get enabled(): boolean {
    return this.out.isTTY === true;
  }

  update(p: ScanProgress, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = 28;
    const total = Math.max(p.listed, p.done);
    const ratio = total > 0 ? p.done / total : 0;
    const filled = p.listingDone ? Math.round(ratio * width) : Math.min(width, Math.round(ratio * width));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
    const totalText = p.listingDone ? `${total}` : `${total}+ (listing)`;
    const eta = p.listingDone && rate > 0 ? ` eta ${formatSeconds((total - p.done) / rate)}` : '';
    const flagged = p.decisions.review + p.decisions.block;
    this.out.write(
      `\r\x1b[K${bar} ${p.done}/${totalText} · ${rate.toFixed(1)} items/s · flagged ${flagged} · errors ${p.decisions.error}${eta}`,
    );
    this.drawn = true;
  }

  /** Clears the bar so the summary starts on a clean line. */
  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
