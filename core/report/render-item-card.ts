import type { Evidence, Signal } from '../signals';
import type { Verdict } from '../verdict/verdict';
import { escapeHtml, escapeVisibleText } from './escape-html';
import { type EvidenceFrame, evidenceFrame } from './evidence-frame';
import { formatBytes, formatScore, formatSeconds } from './format-values';
import type { ItemContent } from './item-content';
import { categoryColor } from './report-colors';
import { segmentTimeline, type TimelineRow } from './svg-charts';
import { excerptOf } from './text-excerpt';
import { type HighlightSpan, highlightText } from './text-highlight';
import type { Thumbnail } from './thumbnails';

/** Options for {@link renderItemCard}. */
export interface ItemCardOptions {
  /** The element id, for links from a table (default `item-<index>`, or none without an index). */
  readonly id?: string;
  /** The item's position in its run, shown on the card. */
  readonly index?: number;
}

/** Evidence entries listed per signal before the rest are summarised. */
const MAX_EVIDENCE_LISTED = 12;

/** The last path segment of a URI, for a short title. */
export function itemName(uri: string): string {
  const trimmed = uri.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const last = trimmed.slice(trimmed.lastIndexOf('/') + 1) || uri;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** Categories an item is flagged in (review or block), for filtering: `|spam|pii|`. */
export function flaggedCategoryKey(v: Pick<Verdict, 'categories'>): string {
  const ids = v.categories.filter((c) => c.decision !== 'allow').map((c) => c.id);
  return ids.length ? `|${ids.join('|')}|` : '';
}

function badge(decision: string): string {
  return `<span class="badge d-${escapeHtml(decision)}">${escapeHtml(decision)}</span>`;
}

function flagged(v: Verdict): boolean {
  return v.decision === 'review' || v.decision === 'block';
}

/**
 * Spans to highlight: evidence of categories at review or block only (low scores elsewhere would paint benign
 * text). The signal that set its category's score is strong; others in the category are weak.
 */
function spanHighlights(v: Verdict): HighlightSpan[] {
  const flaggedScore = new Map(
    v.categories.filter((c) => c.decision !== 'allow').map((c) => [c.id, c.score]),
  );
  return v.signals.flatMap((s) => {
    const top = s.category === null ? undefined : flaggedScore.get(s.category);
    if (s.category === null || top === undefined) return [];
    const category = s.category;
    return s.evidence.flatMap((e): HighlightSpan[] =>
      e.kind === 'span'
        ? [
            {
              start: e.start,
              end: e.end,
              category,
              label: s.label,
              ...(e.rule ? { rule: e.rule } : {}),
              color: categoryColor(category),
              strength: s.score >= top ? 'strong' : 'weak',
            },
          ]
        : [],
    );
  });
}

/** The OCR line of a region with its matched range marked. */
function regionText(e: Extract<Evidence, { kind: 'region' }>, s: Signal, color: string): string {
  const text = e.text ?? '';
  if (e.start === undefined || e.end === undefined || e.end <= e.start) return escapeVisibleText(text);
  const { html } = highlightText(text, [
    {
      start: e.start,
      end: e.end,
      category: s.category ?? 'text',
      label: s.label,
      ...(e.rule ? { rule: e.rule } : {}),
      color,
    },
  ]);
  return html;
}

/** Longest quote of matched text shown in a signal's evidence list. */
const MAX_QUOTE = 120;

function evidenceItem(e: Evidence, s: Signal, color: string, text: string | undefined): string {
  switch (e.kind) {
    case 'span': {
      const quote =
        text !== undefined && e.end <= text.length && e.end > e.start
          ? ` <q>${escapeVisibleText(excerptOf(text.slice(e.start, e.end), MAX_QUOTE))}${
              e.end - e.start > MAX_QUOTE ? '…' : ''
            }</q>`
          : '';
      return `<li><span class="ev-kind">chars ${e.start}–${e.end}</span>${quote}${
        e.rule ? ` <code>${escapeHtml(e.rule)}</code>` : ''
      }</li>`;
    }
    case 'time':
      return `<li><span class="ev-kind">time</span> ${formatSeconds(e.start)}–${formatSeconds(e.end)}${
        e.rule ? ` <code>${escapeHtml(e.rule)}</code>` : ''
      }</li>`;
    case 'note':
      return `<li><span class="ev-kind">note</span> ${escapeVisibleText(e.text)}</li>`;
    case 'region':
      return `<li><span class="ev-kind">frame ${e.frame}</span> ${
        e.text !== undefined ? `<q class="ocr">${regionText(e, s, color)}</q>` : `box ${e.width}×${e.height}`
      }${e.rule ? ` <code>${escapeHtml(e.rule)}</code>` : ''}</li>`;
  }
}

function renderSignal(s: Signal, text: string | undefined): string {
  const color = categoryColor(s.category ?? '');
  const listed = s.evidence.slice(0, MAX_EVIDENCE_LISTED).map((e) => evidenceItem(e, s, color, text));
  const more = s.evidence.length - listed.length;
  if (more > 0) listed.push(`<li class="muted">and ${more} more</li>`);
  return (
    `<li class="signal"><div class="sig-head"><span class="dot" style="--c:${color}"></span>` +
    `<strong>${escapeHtml(s.category ?? '')}</strong> <span class="sig-label">${escapeHtml(s.label)}</span>` +
    `<span class="sig-score">${formatScore(s.score)}</span></div>` +
    `<div class="sig-detector">${escapeHtml(s.detector)}</div>` +
    (listed.length ? `<ul class="evidence">${listed.join('')}</ul>` : '') +
    '</li>'
  );
}

function renderCategories(v: Verdict): string {
  if (v.categories.length === 0) return '<p class="muted small">No category scored.</p>';
  const rows = [...v.categories]
    .sort((a, b) => b.score - a.score)
    .map(
      (c) =>
        `<tr><th scope="row"><span class="dot" style="--c:${categoryColor(c.id)}"></span>${escapeHtml(c.id)}</th>` +
        `<td class="meter-cell"><span class="meter"><span class="meter-fill d-${c.decision}" style="width:${Math.round(
          Math.min(1, Math.max(0, c.score)) * 100,
        )}%"></span></span></td><td class="num">${formatScore(c.score, 3)}</td><td>${c.decision === 'allow' ? '<span class="quiet">allow</span>' : badge(c.decision)}</td></tr>`,
    );
  return `<table class="scores">${rows.join('')}</table>`;
}

function renderRegions(frame: EvidenceFrame, t: Thumbnail): string {
  if (frame.regions.length === 0 || t.sourceWidth <= 0 || t.sourceHeight <= 0) return '';
  const rects = frame.regions.map(({ region: r, category }) => {
    const color = category === null ? '#4a5568' : categoryColor(category);
    const title = [category ?? 'text read', r.rule, r.text].filter((x) => x).join(' · ');
    return (
      `<rect x="${r.x}" y="${r.y}" width="${r.width}" height="${r.height}" fill="none" stroke="${color}" ` +
      `stroke-width="2" vector-effect="non-scaling-stroke"${category === null ? ' stroke-dasharray="4 3"' : ''}>` +
      `<title>${escapeHtml(title)}</title></rect>`
    );
  });
  return (
    `<svg class="boxes" viewBox="0 0 ${t.sourceWidth} ${t.sourceHeight}" preserveAspectRatio="none" ` +
    `aria-hidden="true" xmlns="http://www.w3.org/2000/svg">${rects.join('')}</svg>`
  );
}

function renderThumbnail(v: Verdict, t: Thumbnail, id: string): string {
  const frame = evidenceFrame(v);
  const blurred = flagged(v);
  const toggle = `reveal-${id}`;
  const where =
    v.item.media === 'video'
      ? `Frame at ${formatSeconds(frame.timeSec ?? 0)}`
      : frame.frame > 0
        ? `Frame ${frame.frame}`
        : '';
  const caption = [where, frame.regions.length ? `${frame.regions.length} text box(es) outlined` : '']
    .filter((x) => x)
    .join(' · ');
  return (
    `<figure class="thumb${blurred ? ' blurred' : ''}">` +
    (blurred ? `<input type="checkbox" class="reveal" id="${escapeHtml(toggle)}">` : '') +
    `<label class="frame"${blurred ? ` for="${escapeHtml(toggle)}"` : ''} style="max-width:${t.width}px;aspect-ratio:${t.width}/${t.height}">` +
    `<img src="${t.dataUri}" width="${t.width}" height="${t.height}" alt="Thumbnail of ${escapeHtml(
      itemName(v.item.uri),
    )}">${renderRegions(frame, t)}` +
    (blurred ? '<span class="veil"><span>Flagged content hidden</span><u>Click to show</u></span>' : '') +
    '</label>' +
    (caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : '') +
    '</figure>'
  );
}

function timelineRows(v: Verdict): TimelineRow[] {
  const byCategory = new Map<string, TimelineRow>();
  for (const seg of v.segments)
    for (const c of seg.categories) {
      const row = byCategory.get(c.id) ?? { label: c.id, color: categoryColor(c.id), segments: [] };
      (row.segments as TimelineRow['segments'][number][]).push({
        start: seg.start,
        end: seg.end,
        score: c.score,
        decision: c.decision,
      });
      byCategory.set(c.id, row);
    }
  const info = new Map<string, TimelineRow>();
  for (const s of v.signals) {
    if (s.category !== null) continue;
    const times = s.evidence.filter((e) => e.kind === 'time');
    if (times.length === 0) continue;
    const row = info.get(s.label) ?? { label: s.label, color: '#718096', segments: [] };
    for (const e of times)
      (row.segments as TimelineRow['segments'][number][]).push({ start: e.start, end: e.end });
    info.set(s.label, row);
  }
  const flagged = (r: TimelineRow) =>
    r.segments.some((x) => x.decision === 'review' || x.decision === 'block');
  const top = (r: TimelineRow) => Math.max(0, ...r.segments.map((x) => x.score ?? 0));
  const ranked = [...byCategory.values()].sort(
    (a, b) => Number(flagged(b)) - Number(flagged(a)) || top(b) - top(a),
  );
  return [...ranked, ...info.values()];
}

function mediaEnd(v: Verdict): number {
  let end = 0;
  for (const seg of v.segments) end = Math.max(end, seg.end);
  for (const s of v.signals) for (const e of s.evidence) if (e.kind === 'time') end = Math.max(end, e.end);
  return end;
}

function renderTimeline(v: Verdict, content: ItemContent): string {
  const rows = timelineRows(v);
  const duration = Math.max(content.durationSec ?? 0, mediaEnd(v));
  if (rows.length === 0 || duration <= 0)
    return '<p class="muted small">No timed evidence: nothing was found in the timeline.</p>';
  const flaggedSegments = v.segments.filter((s) => s.categories.some((c) => c.decision !== 'allow')).length;
  return (
    `<div class="timeline-wrap"><div class="small muted">Timeline · ${escapeHtml(formatSeconds(duration))}` +
    `${content.durationSec === undefined ? ' (to the last evidence)' : ''} · ${v.segments.length} segment(s), ` +
    `${flaggedSegments} flagged</div>${segmentTimeline(rows, duration)}</div>`
  );
}

function renderMedia(v: Verdict, content: ItemContent, id: string): string {
  const parts: string[] = [];
  if (content.text) {
    const { html, outside } = highlightText(content.text.excerpt, spanHighlights(v));
    parts.push(`<pre class="excerpt">${html}</pre>`);
    if (outside > 0) parts.push(`<p class="note">${outside} highlighted span(s) lie beyond the excerpt.</p>`);
  }
  if (content.thumbnail) parts.push(renderThumbnail(v, content.thumbnail, id));
  if (v.item.media === 'audio' || v.item.media === 'video') parts.push(renderTimeline(v, content));
  for (const note of content.notes) parts.push(`<p class="note">${escapeHtml(note)}</p>`);
  return parts.length ? parts.join('') : '<p class="note">Nothing to show for this item.</p>';
}

function renderDetails(v: Verdict): string {
  const lines: [string, string][] = [
    ['URI', `<code class="uri">${escapeVisibleText(v.item.uri)}</code>`],
    ['SHA-256', v.item.sha256 ? `<code>${escapeHtml(v.item.sha256)}</code>` : '–'],
    ['Policy', escapeHtml(`${v.policy.id} ${v.policy.version}`)],
    ['Scanned', escapeHtml(v.createdAt)],
  ];
  if (v.runId) lines.push(['Run', escapeHtml(v.runId)]);
  if (v.escalation) lines.push(['Escalation', escapeHtml(`${v.escalation.status}: ${v.escalation.reason}`)]);
  if (v.redecided)
    lines.push([
      'Re-decided',
      escapeHtml(`from policy ${v.redecided.fromPolicyVersion}, scored ${v.redecided.scoredAt}`),
    ]);
  if (v.previous)
    lines.push(['Previous', escapeHtml(`${v.previous.decision} under ${v.previous.policyVersion}`)]);
  if (v.actions.length) lines.push(['Actions', escapeHtml(v.actions.join(', '))]);
  const detectors = v.detectors.map(
    (d) =>
      `<tr><td>${escapeHtml(d.id)}</td><td>${escapeHtml(d.version)}</td><td class="st-${d.status}">${d.status}</td>` +
      `<td>${d.model ? escapeHtml(`${d.model.id} ${d.model.version}`) : ''}</td>` +
      `<td class="num">${d.durationMs !== undefined ? `${Math.round(d.durationMs * 10) / 10} ms` : ''}</td>` +
      `<td>${d.reason ? escapeHtml(d.reason) : ''}</td></tr>`,
  );
  return (
    '<details class="item-details"><summary>Item details and detectors</summary><dl>' +
    lines.map(([k, val]) => `<dt>${k}</dt><dd>${val}</dd>`).join('') +
    '</dl>' +
    (detectors.length
      ? `<table class="detectors"><thead><tr><th>detector</th><th>version</th><th>status</th><th>model</th>` +
        `<th>time</th><th>note</th></tr></thead><tbody>${detectors.join('')}</tbody></table>`
      : '') +
    '</details>'
  );
}

/**
 * One item's card: decision, what it is, its content with the evidence on it (highlighted text spans, OCR boxes
 * over a thumbnail that is blurred when the item is flagged, a timeline of audio and video segments), category
 * scores, signals and their evidence, and any error. Pure: everything it shows comes from the arguments, and
 * every string from them is escaped.
 */
export function renderItemCard(
  v: Verdict,
  content: ItemContent = { notes: [] },
  options: ItemCardOptions = {},
): string {
  const id = options.id ?? (options.index !== undefined ? `item-${options.index}` : '');
  const name = itemName(v.item.uri);
  const meta = [
    options.index !== undefined ? `#${options.index}` : '',
    v.item.media,
    v.item.format,
    formatBytes(v.item.bytes),
    `${v.tier} tier`,
    v.cached ? 'cached' : '',
  ]
    .filter((x) => x)
    .map((x) => escapeHtml(x))
    .join(' · ');
  const flaggedIds = new Set(v.categories.filter((c) => c.decision !== 'allow').map((c) => c.id));
  const scored = v.signals.filter((s) => s.category !== null).sort((a, b) => b.score - a.score);
  const categoryScore = new Map(v.categories.map((c) => [c.id, c.score]));
  // Signals that set or came near a flagged category's score; the weaker ones are folded away with the rest.
  const isMain = (s: Signal) =>
    flaggedIds.has(s.category as string) && s.score >= 0.5 * (categoryScore.get(s.category as string) ?? 0);
  const main = scored.filter(isMain);
  const rest = scored.filter((s) => !isMain(s));
  const text = content.text?.excerpt;
  const signalList = (list: Signal[]) =>
    `<ul class="signals">${list.map((s) => renderSignal(s, text)).join('')}</ul>`;
  const info = v.signals.filter((s) => s.category === null);
  const error = v.error
    ? `<div class="error-box"><strong>${escapeHtml(v.error.code)}</strong> ${escapeVisibleText(v.error.message)}${
        v.error.retryable ? ' <span class="muted">(retryable)</span>' : ''
      }</div>`
    : '';
  const failed = v.detectors.filter((d) => d.status === 'failed');
  const failures = failed.length
    ? `<ul class="failures">${failed
        .map(
          (d) =>
            `<li><strong>${escapeHtml(d.id)}</strong> failed: ${escapeHtml(d.reason ?? 'no reason given')}</li>`,
        )
        .join('')}</ul>`
    : '';
  const infoLine = info.length
    ? `<p class="info-signals small"><span class="muted">Also seen:</span> ${info
        .map((s) => `${escapeHtml(s.label)} <span class="muted">${formatScore(s.score)}</span>`)
        .join(', ')}</p>`
    : '';
  return (
    `<article class="card card-${v.decision}"${id ? ` id="${escapeHtml(id)}"` : ''} data-decision="${v.decision}" ` +
    `data-media="${escapeHtml(v.item.media)}" data-cats="${escapeHtml(flaggedCategoryKey(v))}" ` +
    `data-uri="${escapeHtml(v.item.uri.toLowerCase())}">` +
    `<header class="card-head">${badge(v.decision)}<div class="card-title">` +
    `<h3 title="${escapeHtml(v.item.uri)}">${escapeVisibleText(name)}</h3><div class="meta">${meta}</div></div></header>` +
    error +
    failures +
    `<div class="card-body"><div class="card-media">${renderMedia(v, content, id || 'card')}</div>` +
    `<div class="card-facts"><h4>Categories</h4>${renderCategories(v)}` +
    (main.length ? `<h4>Signals</h4>${signalList(main)}` : '') +
    (rest.length
      ? `<details class="more-signals"><summary>${rest.length} weaker signal(s)</summary>` +
        `${signalList(rest)}</details>`
      : '') +
    infoLine +
    '</div></div>' +
    renderDetails(v) +
    '</article>'
  );
}
