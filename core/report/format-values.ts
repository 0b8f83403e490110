/** A count with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A share of a total as a percentage: `12.5%`, `<0.1%` for tiny non-zero shares, `0%` for none. */
export function formatPercent(part: number, total: number): string {
  if (total <= 0 || part <= 0) return '0%';
  const p = (part / total) * 100;
  if (p < 0.1) return '<0.1%';
  return `${p >= 10 ? Math.round(p) : Math.round(p * 10) / 10}%`;
}

/** A byte size: `912 B`, `4.2 kB`, `1.3 MB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : Math.round(v * 10) / 10} ${units[u]}`;
}

/** Seconds as `m:ss.s` (or `h:mm:ss` past an hour). */
export function formatSeconds(sec: number): string {
  const s = Math.max(0, sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(rest)).padStart(2, '0')}`;
  const secs = (Math.round(rest * 10) / 10).toFixed(1).padStart(4, '0');
  return `${m}:${secs}`;
}

/** A score or metric in [0, 1] with a fixed number of decimals; `–` when absent. */
export function formatScore(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}
