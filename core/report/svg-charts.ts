import { escapeHtml } from './escape-html';
import { formatCount, formatSeconds } from './format-values';

/** One bar of a bar chart. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
  /** Text after the bar; the value when absent. */
  readonly note?: string;
}

/** Rounds to 2 decimals so the markup stays short. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Colours come from this code, never from input; anything else is refused so no attribute can be broken out of. */
function color(c: string): string {
  return /^#[0-9a-fA-F]{3,8}$/.test(c) ? c : '#888888';
}

function svgOpen(width: number, height: number, title: string, cls: string): string {
  return (
    `<svg class="${cls}" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" ` +
    `role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>`
  );
}

/** Shortens a label to `max` characters with an ellipsis. */
function clip(label: string, max: number): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/** A horizontal bar chart: one labelled bar per entry, scaled to the largest value. */
export function barChart(bars: readonly Bar[], title: string, width = 420): string {
  const labelW = 112;
  const valueW = 86;
  const barH = 22;
  const gap = 8;
  const plotW = width - labelW - valueW;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * (barH + gap) - gap;
  const parts = [svgOpen(width, height, title, 'chart bar-chart')];
  bars.forEach((b, i) => {
    const y = i * (barH + gap);
    const w = b.value > 0 ? Math.max(2, (b.value / max) * plotW) : 0;
    const text = b.note ?? formatCount(b.value);
    parts.push(
      `<text class="lbl" x="${labelW - 10}" y="${n(y + barH / 2)}" text-anchor="end" dominant-baseline="central">` +
        `${escapeHtml(clip(b.label, 16))}</text>`,
      `<rect class="track" x="${labelW}" y="${y}" width="${n(plotW)}" height="${barH}" rx="4"/>`,
      `<rect x="${labelW}" y="${y}" width="${n(w)}" height="${barH}" rx="4" fill="${color(b.color)}">` +
        `<title>${escapeHtml(`${b.label}: ${text}`)}</title></rect>`,
      `<text class="val" x="${n(labelW + plotW + 8)}" y="${n(y + barH / 2)}" dominant-baseline="central">` +
        `${escapeHtml(text)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One segment of a stacked bar. */
export interface StackPart {
  readonly name: string;
  readonly value: number;
  readonly color: string;
}

/** A horizontal stacked bar chart (e.g. review and block per category) with a legend above it. */
export function stackedBarChart(
  rows: readonly { readonly label: string; readonly parts: readonly StackPart[] }[],
  title: string,
  width = 420,
): string {
  const labelW = 112;
  const valueW = 86;
  const barH = 20;
  const gap = 8;
  const legendH = 26;
  const plotW = width - labelW - valueW;
  const total = (r: (typeof rows)[number]) => r.parts.reduce((s, p) => s + p.value, 0);
  const max = Math.max(1, ...rows.map(total));
  const height = legendH + Math.max(1, rows.length) * (barH + gap) - gap;
  const out = [svgOpen(width, height, title, 'chart stacked-chart')];
  const names = rows[0]?.parts ?? [];
  let lx = labelW;
  for (const p of names) {
    out.push(
      `<rect x="${lx}" y="4" width="12" height="12" rx="3" fill="${color(p.color)}"/>`,
      `<text class="legend" x="${lx + 17}" y="10" dominant-baseline="central">${escapeHtml(p.name)}</text>`,
    );
    lx += 24 + p.name.length * 7.5;
  }
  rows.forEach((r, i) => {
    const y = legendH + i * (barH + gap);
    out.push(
      `<text class="lbl" x="${labelW - 10}" y="${n(y + barH / 2)}" text-anchor="end" dominant-baseline="central">` +
        `${escapeHtml(clip(r.label, 16))}</text>`,
      `<rect class="track" x="${labelW}" y="${y}" width="${n(plotW)}" height="${barH}" rx="4"/>`,
    );
    let x = labelW;
    for (const p of r.parts) {
      if (p.value <= 0) continue;
      const w = Math.max(2, (p.value / max) * plotW);
      out.push(
        `<rect x="${n(x)}" y="${y}" width="${n(w)}" height="${barH}" fill="${color(p.color)}">` +
          `<title>${escapeHtml(`${r.label} · ${p.name}: ${formatCount(p.value)}`)}</title></rect>`,
      );
      x += w;
    }
    out.push(
      `<text class="val" x="${n(labelW + plotW + 8)}" y="${n(y + barH / 2)}" dominant-baseline="central">` +
        `${escapeHtml(r.parts.map((p) => formatCount(p.value)).join(' / '))}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('');
}

/** A point of a precision-recall curve. */
export interface PrPoint {
  readonly precision: number;
  readonly recall: number;
  readonly threshold?: number;
}

const unit = (v: number) => Math.min(1, Math.max(0, v));

/**
 * A precision-recall curve on fixed [0, 1] axes, points joined in order of recall, with the area under it
 * shaded and, when given, the operating point marked. Out-of-range values are clamped.
 */
export function prCurveChart(
  points: readonly PrPoint[],
  title: string,
  lineColor: string,
  width = 280,
  marker?: { readonly precision: number; readonly recall: number; readonly label: string },
): string {
  const height = Math.round(width * 0.82);
  const m = { l: 42, r: 12, t: 12, b: 36 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const x = (r: number) => m.l + unit(r) * pw;
  const y = (p: number) => m.t + (1 - unit(p)) * ph;
  const out = [svgOpen(width, height, title, 'chart pr-chart')];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(
      `<line class="grid" x1="${n(x(t))}" y1="${m.t}" x2="${n(x(t))}" y2="${n(m.t + ph)}"/>`,
      `<line class="grid" x1="${m.l}" y1="${n(y(t))}" x2="${n(m.l + pw)}" y2="${n(y(t))}"/>`,
      `<text class="tick" x="${n(x(t))}" y="${n(m.t + ph + 14)}" text-anchor="middle">${t}</text>`,
      `<text class="tick" x="${m.l - 6}" y="${n(y(t))}" text-anchor="end" dominant-baseline="central">${t}</text>`,
    );
  }
  out.push(
    `<text class="axis" x="${n(m.l + pw / 2)}" y="${height - 4}" text-anchor="middle">Recall</text>`,
    `<text class="axis" transform="translate(11 ${n(m.t + ph / 2)}) rotate(-90)" text-anchor="middle">Precision</text>`,
  );
  const pts = points
    .filter((p) => Number.isFinite(p.precision) && Number.isFinite(p.recall))
    .slice()
    .sort((a, b) => a.recall - b.recall || b.precision - a.precision);
  if (pts.length === 0) {
    out.push(
      `<text class="empty" x="${n(m.l + pw / 2)}" y="${n(m.t + ph / 2)}" text-anchor="middle">no curve</text>`,
    );
  } else {
    const line = pts.map((p) => `${n(x(p.recall))},${n(y(p.precision))}`).join(' ');
    const first = pts[0] as PrPoint;
    const last = pts[pts.length - 1] as PrPoint;
    out.push(
      `<polygon class="area" fill="${color(lineColor)}" points="${n(x(first.recall))},${n(y(0))} ${line} ${n(x(last.recall))},${n(y(0))}"/>`,
      `<polyline fill="none" stroke="${color(lineColor)}" stroke-width="2" stroke-linejoin="round" points="${line}"/>`,
    );
    for (const p of pts.length <= 40 ? pts : []) {
      const label = `precision ${p.precision.toFixed(3)}, recall ${p.recall.toFixed(3)}${
        p.threshold !== undefined ? `, threshold ${p.threshold}` : ''
      }`;
      out.push(
        `<circle cx="${n(x(p.recall))}" cy="${n(y(p.precision))}" r="2.5" fill="${color(lineColor)}">` +
          `<title>${escapeHtml(label)}</title></circle>`,
      );
    }
  }
  if (marker && Number.isFinite(marker.precision) && Number.isFinite(marker.recall)) {
    const mx = x(marker.recall);
    const my = y(marker.precision);
    out.push(
      `<circle class="marker" cx="${n(mx)}" cy="${n(my)}" r="5" fill="#fff" stroke="#1a202c" stroke-width="2">` +
        `<title>${escapeHtml(marker.label)}</title></circle>`,
      `<text class="tick" x="${n(mx > m.l + pw * 0.6 ? mx - 8 : mx + 8)}" y="${n(my > m.t + 14 ? my - 8 : my + 14)}" ` +
        `text-anchor="${mx > m.l + pw * 0.6 ? 'end' : 'start'}">${escapeHtml(marker.label)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}

/** A scored time range on a timeline row. */
export interface TimelineSegment {
  readonly start: number;
  readonly end: number;
  /** 0–1; absent for informational ranges (speech), drawn at half strength. */
  readonly score?: number;
  readonly decision?: string;
}

/** One row of a timeline: a category and its segments. */
export interface TimelineRow {
  readonly label: string;
  readonly color: string;
  readonly segments: readonly TimelineSegment[];
}

const STEPS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** A tick spacing that gives at most about 8 ticks over `duration` seconds. */
function tickStep(duration: number): number {
  return STEPS.find((s) => duration / s <= 8) ?? Math.ceil(duration / 8 / 3600) * 3600;
}

/**
 * A timeline of audio or video: one strip per category, each segment a box whose opacity follows its score
 * (faint when allowed, blocked segments outlined), over a time axis from 0 to `durationSec`.
 */
export function segmentTimeline(rows: readonly TimelineRow[], durationSec: number, width = 560): string {
  const labelW = 96;
  const rowH = 18;
  const gap = 6;
  const axisH = 22;
  const plotW = width - labelW - 8;
  const duration = Math.max(durationSec, ...rows.flatMap((r) => r.segments.map((s) => s.end)), 0.001);
  const height = Math.max(1, rows.length) * (rowH + gap) + axisH;
  const x = (t: number) => labelW + (Math.min(Math.max(t, 0), duration) / duration) * plotW;
  const out = [svgOpen(width, height, `Timeline of ${formatSeconds(duration)}`, 'chart timeline')];
  rows.forEach((r, i) => {
    const y = i * (rowH + gap);
    out.push(
      `<text class="lbl" x="${labelW - 8}" y="${n(y + rowH / 2)}" text-anchor="end" dominant-baseline="central">` +
        `${escapeHtml(clip(r.label, 13))}</text>`,
      `<rect class="track" x="${labelW}" y="${y}" width="${n(plotW)}" height="${rowH}" rx="3"/>`,
    );
    for (const s of r.segments) {
      const x0 = x(s.start);
      const w = Math.max(2, x(s.end) - x0);
      // Segments under the threshold stay faint, so the eye goes to what was flagged.
      const opacity =
        s.score === undefined
          ? 0.5
          : s.decision === 'allow'
            ? 0.12 + 0.3 * unit(s.score)
            : 0.55 + 0.45 * unit(s.score);
      const outline = s.decision === 'block' ? ' stroke="#1a202c" stroke-width="1.2"' : '';
      const label = [
        `${r.label} ${formatSeconds(s.start)}–${formatSeconds(s.end)}`,
        ...(s.score !== undefined ? [`score ${s.score.toFixed(2)}`] : []),
        ...(s.decision !== undefined ? [s.decision] : []),
      ].join(' · ');
      out.push(
        `<rect x="${n(x0)}" y="${y}" width="${n(w)}" height="${rowH}" rx="2" fill="${color(r.color)}" ` +
          `fill-opacity="${n(opacity)}"${outline}><title>${escapeHtml(label)}</title></rect>`,
      );
    }
  });
  const axisY = Math.max(1, rows.length) * (rowH + gap);
  out.push(`<line class="axis-line" x1="${labelW}" y1="${axisY}" x2="${n(labelW + plotW)}" y2="${axisY}"/>`);
  const step = tickStep(duration);
  for (let t = 0; t <= duration + 1e-9; t += step) {
    out.push(
      `<line class="axis-line" x1="${n(x(t))}" y1="${axisY}" x2="${n(x(t))}" y2="${axisY + 4}"/>`,
      `<text class="tick" x="${n(x(t))}" y="${axisY + 15}" text-anchor="middle">${escapeHtml(formatSeconds(t))}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}
