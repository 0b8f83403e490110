import { createHash } from 'node:crypto';
import type { Decision } from '../verdict/verdict';
import { escapeHtml, escapeVisibleText } from './escape-html';
import type { EvalFile } from './eval-file';
import { formatBytes, formatCount, formatPercent, formatScore } from './format-values';
import type { RunSummaryFile } from './read-run-dir';
import { flaggedCategoryKey, itemName } from './render-item-card';
import { categoryColor, DECISION_COLORS } from './report-colors';
import type { ReportModel, TableRow } from './report-model';
import { REPORT_JS } from './report-script';
import { REPORT_CSS } from './report-styles';
import { barChart, prCurveChart, stackedBarChart } from './svg-charts';

/** Everything the page around the cards shows. */
export interface ReportPage {
  /** The run directory's name, for the title when the run has no id. */
  readonly runName: string;
  /** Verdict counts, table and card choice; absent for an eval-only directory. */
  readonly model?: ReportModel;
  readonly summary?: RunSummaryFile;
  readonly evaluation?: EvalFile;
  /** Input files that could not be used. */
  readonly problems: readonly string[];
  /** When the report was made (ISO 8601). */
  readonly generatedAt: string;
}

const DECISIONS: readonly Decision[] = ['allow', 'review', 'block', 'error'];
const SEVERITY: Readonly<Record<Decision, number>> = { block: 0, review: 1, error: 2, allow: 3 };

/** The `script-src` source that allows exactly the report's own script. */
function scriptHash(): string {
  return `'sha256-${createHash('sha256').update(REPORT_JS, 'utf8').digest('base64')}'`;
}

function title(page: ReportPage): string {
  return page.summary?.runId ?? page.model?.runIds[0] ?? page.runName;
}

function kpi(label: string, value: string, sub: string, cls = ''): string {
  return `<div class="kpi ${cls}"><div class="k">${escapeHtml(label)}</div><div class="v">${escapeHtml(
    value,
  )}</div><div class="s">${escapeHtml(sub)}</div></div>`;
}

function formatTime(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '';
}

/** What was left out of the table and the cards, said once at the top. */
function capNotes(m: ReportModel): string[] {
  const notes: string[] = [];
  if (m.table.length < m.items)
    notes.push(
      `The item table lists ${formatCount(m.table.length)} of ${formatCount(m.items)} items (every flagged or ` +
        `errored item first, up to ${formatCount(m.limits.tableRows)}). All counts and charts cover every item.`,
    );
  if (m.flaggedWithoutCard > 0)
    notes.push(
      `Evidence cards are shown for the first ${formatCount(m.limits.flaggedCards)} flagged or errored items; ` +
        `${formatCount(m.flaggedWithoutCard)} more have no card.`,
    );
  if (m.invalidLines > 0)
    notes.push(
      `${formatCount(m.invalidLines)} line(s) of verdicts.jsonl are not valid verdicts and were skipped.`,
    );
  return notes;
}

function renderOverview(page: ReportPage, m: ReportModel): string {
  const d = m.decisions;
  const flagged = d.review + d.block;
  const s = page.summary;
  const policies = m.policies
    .slice(0, 3)
    .map((p) => `${p.id} ${p.version}`)
    .join(', ');
  const span =
    m.firstCreatedAt && m.lastCreatedAt
      ? `scanned ${formatTime(m.firstCreatedAt)}${
          m.lastCreatedAt !== m.firstCreatedAt ? ` – ${formatTime(m.lastCreatedAt)}` : ''
        }`
      : '';
  const subtitle = [
    policies ? `policy ${policies}${m.policies.length > 3 ? ` and ${m.policies.length - 3} more` : ''}` : '',
    span,
    `report generated ${formatTime(page.generatedAt)}`,
  ]
    .filter((x) => x)
    .join(' · ');
  const speed =
    s?.elapsedMs !== undefined
      ? `${(s.elapsedMs / 1000).toFixed(1)} s${s.itemsPerSecond !== undefined ? ` · ${s.itemsPerSecond} items/s` : ''}`
      : `${formatCount(m.cached)} from cache`;
  const kpis = [
    kpi('Items', formatCount(m.items), speed),
    kpi('Flagged', formatCount(flagged), `${formatPercent(flagged, m.items)} of items`, 'k-review'),
    kpi('Blocked', formatCount(d.block), formatPercent(d.block, m.items), 'k-block'),
    kpi('In review', formatCount(d.review), formatPercent(d.review, m.items), 'k-review'),
    kpi('Allowed', formatCount(d.allow), formatPercent(d.allow, m.items), 'k-allow'),
    kpi('Errors', formatCount(d.error), formatPercent(d.error, m.items), 'k-error'),
  ].join('');
  const decisionChart = barChart(
    DECISIONS.map((k) => ({
      label: k,
      value: d[k],
      color: DECISION_COLORS[k],
      note: `${formatCount(d[k])} · ${formatPercent(d[k], m.items)}`,
    })),
    'Items by decision',
  );
  const flaggedCats = m.categories.filter((c) => c.review + c.block > 0);
  const categoryChart = flaggedCats.length
    ? stackedBarChart(
        flaggedCats.slice(0, 16).map((c) => ({
          label: c.id,
          parts: [
            { name: 'block', value: c.block, color: DECISION_COLORS.block },
            { name: 'review', value: c.review, color: DECISION_COLORS.review },
          ],
        })),
        'Items flagged per category (block / review)',
      )
    : '<p class="muted">No category flagged any item.</p>';
  const mediaEntries = Object.entries(m.media);
  const mediaChart = barChart(
    mediaEntries.map(([k, v]) => ({ label: k, value: v, color: '#24497a' })),
    'Items by media type',
  );
  const reasons = m.topSignals.length
    ? `<table class="compact"><thead><tr><th>Category</th><th>Signal</th><th class="num">Items</th></tr></thead><tbody>${m.topSignals
        .slice(0, 10)
        .map(
          (r) =>
            `<tr><td><a href="#items" data-jump-category="${escapeHtml(r.category)}"><span class="dot" style="--c:${categoryColor(
              r.category,
            )}"></span>${escapeHtml(r.category)}</a></td><td>${escapeHtml(r.label)}</td><td class="num">${formatCount(
              r.items,
            )}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">Nothing was flagged.</p>';
  const errors = m.errors.length
    ? `<div class="panel"><h2>Errors by code</h2><table class="compact"><thead><tr><th>Code</th><th class="num">Items</th></tr></thead><tbody>${m.errors
        .map(
          (e) =>
            `<tr><td><code>${escapeHtml(e.code)}</code></td><td class="num">${formatCount(e.items)}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : '';
  const notes = capNotes(m);
  return (
    `<section id="overview"><h1>Run ${escapeHtml(title(page))}</h1><p class="sub">${escapeHtml(subtitle)}</p>` +
    notes.map((n) => `<p class="banner">${escapeHtml(n)}</p>`).join('') +
    page.problems.map((p) => `<p class="banner problem">${escapeHtml(p)}</p>`).join('') +
    `<div class="kpis">${kpis}</div><div class="grid">` +
    `<div class="panel"><h2>Decisions</h2>${decisionChart}</div>` +
    `<div class="panel"><h2>Flagged by category</h2>${categoryChart}</div>` +
    `<div class="panel"><h2>Media</h2>${mediaChart}</div>` +
    `<div class="panel"><h2>Top reasons</h2>${reasons}</div>${errors}</div></section>`
  );
}

function metricRow(
  label: string,
  cells: (number | null | undefined)[],
  support: string,
  extra: string,
  cls = '',
): string {
  return `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${label}</th><td class="num">${support}</td>${cells
    .map((c) => `<td class="num">${formatScore(c, 3)}</td>`)
    .join('')}<td class="num">${extra}</td></tr>`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const cellOf = (v: unknown) =>
  typeof v !== 'number' || !Number.isFinite(v)
    ? '–'
    : Number.isInteger(v)
      ? formatCount(v)
      : formatScore(v, 3);

/**
 * A breakdown (per language, per functionality) as a table: `{rows, categories: {<id>: metrics}}` entries become a
 * key × category matrix of one metric (F1, else accuracy); flat entries a table of their numeric fields.
 */
function renderBreakdown(name: string, data: Record<string, Record<string, unknown>>): string {
  const keys = Object.keys(data).slice(0, 200);
  if (keys.length === 0) return '';
  const nested = keys.some((k) => isRecord(data[k]?.categories));
  if (nested) {
    const cats = [
      ...new Set(
        keys.flatMap((k) =>
          Object.keys(isRecord(data[k]?.categories) ? (data[k]?.categories as object) : {}),
        ),
      ),
    ].slice(0, 12);
    const metricOf = (k: string, c: string) => {
      const cat = (data[k]?.categories as Record<string, unknown> | undefined)?.[c];
      return isRecord(cat) ? cat : {};
    };
    const metric =
      ['f1', 'accuracy', 'recall', 'precision'].find((f) =>
        keys.some((k) => cats.some((c) => typeof metricOf(k, c)[f] === 'number')),
      ) ?? 'f1';
    return (
      `<div class="panel"><h2>${escapeHtml(metric === 'f1' ? 'F1' : metric)} by ${escapeHtml(name)}</h2>` +
      `<div class="scroll-x"><table class="compact metrics"><thead><tr><th>${escapeHtml(name)}</th>` +
      `<th class="num">rows</th>${cats.map((c) => `<th class="num">${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>` +
      keys
        .map(
          (k) =>
            `<tr><th scope="row">${escapeHtml(k)}</th><td class="num">${cellOf(data[k]?.rows)}</td>${cats
              .map((c) => `<td class="num">${cellOf(metricOf(k, c)[metric])}</td>`)
              .join('')}</tr>`,
        )
        .join('') +
      '</tbody></table></div></div>'
    );
  }
  const fields = [
    ...new Set(
      keys.flatMap((k) => Object.keys(data[k] ?? {}).filter((f) => typeof data[k]?.[f] === 'number')),
    ),
  ].slice(0, 8);
  if (fields.length === 0) return '';
  return (
    `<div class="panel"><h2>By ${escapeHtml(name)}</h2><table class="compact metrics"><thead><tr><th>${escapeHtml(
      name,
    )}</th>${fields.map((f) => `<th class="num">${escapeHtml(f)}</th>`).join('')}</tr></thead><tbody>` +
    keys
      .map(
        (k) =>
          `<tr><th scope="row">${escapeHtml(k)}</th>${fields
            .map((f) => `<td class="num">${cellOf(data[k]?.[f])}</td>`)
            .join('')}</tr>`,
      )
      .join('') +
    '</tbody></table></div>'
  );
}

function renderEvaluation(e: EvalFile): string {
  const cats = Object.entries(e.categories ?? {});
  const sub = [
    e.dataset ? `dataset ${e.dataset}` : '',
    e.split ? `split ${e.split}` : '',
    e.rows !== undefined ? `${formatCount(e.rows)} rows` : '',
    e.policy?.id ? `policy ${e.policy.id}${e.policy.version ? ` ${e.policy.version}` : ''}` : '',
  ]
    .filter((x) => x)
    .join(' · ');
  const notes: string[] = [];
  if (e.errors && e.errors.count > 0) {
    const codes = Object.entries(e.errors.codes ?? {})
      .map(([c, n]) => `${c} ${formatCount(n)}`)
      .join(', ');
    notes.push(
      `${formatCount(e.errors.count)} row(s) got an error verdict and are left out of every metric${codes ? ` (${codes})` : ''}.`,
    );
  }
  if (e.notInPolicy?.length)
    notes.push(`Not evaluated (the policy does not define them): ${e.notInPolicy.join(', ')}.`);
  const rows = cats.map(([id, c]) =>
    metricRow(
      `<span class="dot" style="--c:${categoryColor(id)}"></span>${escapeHtml(id)}`,
      [c.precision, c.recall, c.f1, c.auprc],
      c.support !== undefined && c.support !== null ? formatCount(c.support) : '–',
      c.thresholds ? `${formatScore(c.thresholds.review)} / ${formatScore(c.thresholds.block)}` : '–',
    ),
  );
  if (e.macro)
    rows.push(
      metricRow(
        'macro average',
        [e.macro.precision, e.macro.recall, e.macro.f1, e.macro.auprc],
        '',
        '',
        'macro',
      ),
    );
  const atReview = cats.some(([, c]) => c.thresholds)
    ? ' Precision, recall and F1 are at the review threshold.'
    : '';
  const table = rows.length
    ? `<div class="panel"><table class="metrics"><thead><tr><th>Category</th><th class="num">Support</th>` +
      `<th class="num">Precision</th><th class="num">Recall</th><th class="num">F1</th><th class="num">AUPRC</th>` +
      `<th class="num">Thresholds (review / block)</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
      (atReview ? `<p class="muted small">${escapeHtml(atReview.trim())}</p>` : '') +
      '</div>'
    : '<p class="muted">eval.json holds no per-category metrics.</p>';
  const curves = cats.map(([id, c]) => {
    const marker =
      typeof c.precision === 'number' && typeof c.recall === 'number'
        ? {
            precision: c.precision,
            recall: c.recall,
            label: c.thresholds ? `review ≥ ${formatScore(c.thresholds.review)}` : 'operating point',
          }
        : undefined;
    return (
      `<figure class="panel pr"><figcaption><span><span class="dot" style="--c:${categoryColor(id)}"></span>${escapeHtml(
        id,
      )}</span><span class="muted">AUPRC ${formatScore(c.auprc, 3)}</span></figcaption>` +
      prCurveChart(c.curve, `Precision-recall curve for ${id}`, categoryColor(id), 280, marker) +
      '</figure>'
    );
  });
  const breakdowns =
    (e.languages ? renderBreakdown('language', e.languages) : '') +
    (e.functionalities ? renderBreakdown('functionality', e.functionalities) : '');
  return (
    `<section id="evaluation"><h2>Evaluation</h2>${sub ? `<p class="sub">${escapeHtml(sub)}</p>` : ''}` +
    notes.map((n) => `<p class="banner">${escapeHtml(n)}</p>`).join('') +
    table +
    (curves.length ? `<div class="pr-grid">${curves.join('')}</div>` : '') +
    (breakdowns ? `<div class="grid breakdowns">${breakdowns}</div>` : '') +
    '</section>'
  );
}

function renderRow(r: TableRow): string {
  const top = r.flagged[0]?.score ?? 0;
  const cats = r.flagged
    .slice(0, 4)
    .map(
      (c) =>
        `<span class="cat" title="${escapeHtml(`${c.id}: ${c.decision}`)}"><span class="dot" style="--c:${categoryColor(
          c.id,
        )}"></span>${escapeHtml(c.id)} ${formatScore(c.score)}</span>`,
    )
    .join('');
  const more = r.flagged.length > 4 ? ` <span class="muted">+${r.flagged.length - 4}</span>` : '';
  const notes = [r.errorCode ? `<code>${escapeHtml(r.errorCode)}</code>` : '', r.cached ? 'cached' : '']
    .filter((x) => x)
    .join(' ');
  const name = itemName(r.uri);
  return (
    `<tr data-decision="${r.decision}" data-media="${escapeHtml(r.media)}" data-cats="${escapeHtml(
      flaggedCategoryKey({ categories: [...r.flagged] }),
    )}" data-uri="${escapeHtml(r.uri.toLowerCase())}" data-index="${r.index}" data-severity="${SEVERITY[r.decision]}" ` +
    `data-name="${escapeHtml(name.toLowerCase())}" data-score="${top}" data-mediasort="${escapeHtml(r.media)}">` +
    `<td class="num">${r.index}</td><td><span class="badge d-${r.decision}">${r.decision}</span></td>` +
    `<td>${escapeHtml(r.media)}<div class="muted small">${escapeHtml(r.format)} · ${formatBytes(r.bytes)}</div></td>` +
    `<td class="item-cell"><span class="name" title="${escapeHtml(r.uri)}">${escapeVisibleText(name)}</span>` +
    `<span class="uri">${escapeVisibleText(r.uri)}</span></td>` +
    `<td>${cats}${more}</td><td class="num">${r.flagged.length ? formatScore(top) : ''}</td>` +
    `<td>${escapeHtml(r.tier)}</td><td>${notes}</td>` +
    `<td>${r.hasCard ? `<a href="#item-${r.index}">Evidence</a>` : ''}</td></tr>`
  );
}

function renderTable(m: ReportModel): string {
  const chips = DECISIONS.map(
    (d) =>
      `<button type="button" class="chip" data-filter-decision="${d}" aria-pressed="false"><span class="dot" style="--c:${DECISION_COLORS[d]}"></span>${d}<span class="count">${formatCount(
        m.decisions[d],
      )}</span></button>`,
  ).join('');
  const mediaOptions = Object.keys(m.media)
    .map((k) => `<option value="${escapeHtml(k)}">${escapeHtml(k)}</option>`)
    .join('');
  const catOptions = m.categories
    .filter((c) => c.review + c.block > 0)
    .map((c) => `<option value="${escapeHtml(c.id)}">${escapeHtml(c.id)}</option>`)
    .join('');
  return (
    `<section id="items"><h2>Items</h2>` +
    `<div class="filters" role="search"><div class="chips" role="group" aria-label="Decision">${chips}</div>` +
    `<select id="f-media" aria-label="Media"><option value="">All media</option>${mediaOptions}</select>` +
    `<select id="f-category" aria-label="Flagged category"><option value="">All categories</option>${catOptions}</select>` +
    `<input type="search" id="f-search" placeholder="Search item URIs" aria-label="Search item URIs">` +
    `<button type="button" class="button" id="f-reset">Reset</button><span id="f-count" class="muted small"></span></div>` +
    `<div class="table-wrap"><table id="item-table" class="items"><colgroup><col class="c-idx"><col class="c-dec">` +
    `<col class="c-media"><col><col class="c-cats"><col class="c-score"><col class="c-tier"><col class="c-notes">` +
    `<col class="c-link"></colgroup><thead><tr>` +
    `<th class="num" data-sort="index">#</th><th data-sort="severity">Decision</th><th data-sort="mediasort">Media</th>` +
    `<th data-sort="name">Item</th><th>Flagged categories</th><th class="num" data-sort="score">Top score</th>` +
    `<th>Tier</th><th>Notes</th><th></th></tr></thead><tbody>` +
    m.table.map(renderRow).join('') +
    `<tr id="no-match" hidden><td colspan="9" class="muted">No item matches these filters.</td></tr>` +
    `</tbody></table></div><button type="button" class="button js-only more-rows" id="f-more" hidden>Show more rows</button></section>`
  );
}

/**
 * The page up to the first evidence card: head (inline styles, a Content-Security-Policy that allows no fetch
 * and only the report's own script), overview with charts, evaluation results, the item table, and the opening
 * of the evidence section. Cards follow, then {@link renderReportEnd}.
 */
export function renderReportStart(page: ReportPage): string {
  const m = page.model;
  const csp = `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src ${scriptHash()}; base-uri 'none'; form-action 'none'`;
  const nav = [
    m ? '<a href="#overview">Overview</a>' : '',
    page.evaluation ? '<a href="#evaluation">Evaluation</a>' : '',
    m ? '<a href="#items">Items</a><a href="#evidence">Evidence</a>' : '',
  ].join('');
  const head =
    '<!doctype html><html lang="en" class="no-js"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
    '<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>Winnow report · ${escapeHtml(title(page))}</title><style>${REPORT_CSS}</style></head><body>` +
    `<header class="topbar"><div class="wrap"><div class="brand">Winnow<span>moderation report</span></div>` +
    `<nav>${nav}</nav></div></header><main class="wrap">`;
  if (!m) {
    const problems = page.problems.map((p) => `<p class="banner problem">${escapeHtml(p)}</p>`).join('');
    return `${head}<h1>Run ${escapeHtml(title(page))}</h1>${problems}${page.evaluation ? renderEvaluation(page.evaluation) : ''}`;
  }
  const flaggedCards = m.cards.filter((c) => c.verdict.decision !== 'allow').length;
  const hasBlur = m.cards.some((c) => c.verdict.decision === 'review' || c.verdict.decision === 'block');
  return (
    head +
    renderOverview(page, m) +
    (page.evaluation ? renderEvaluation(page.evaluation) : '') +
    renderTable(m) +
    `<section id="evidence"><h2>Evidence</h2><p class="sub">${formatCount(m.cards.length)} item card(s): ` +
    `${formatCount(flaggedCards)} flagged or errored, ${formatCount(m.cards.length - flaggedCards)} allowed. ` +
    `Images and video frames of flagged items are blurred; click one to show it.` +
    (hasBlur
      ? ` <button type="button" class="button js-only" id="reveal-all" aria-pressed="false">Show all flagged media</button>`
      : '') +
    ` <span id="card-count" class="muted"></span></p><div class="cards">`
  );
}

/** The end of the page: the list of limits applied, the footer and the script. */
export function renderReportEnd(page: ReportPage, limitNotes: readonly string[]): string {
  const limits = limitNotes.length
    ? `<section id="limits"><h2>Limits applied</h2><div class="panel"><ul class="limits">${limitNotes
        .map((n) => `<li>${escapeHtml(n)}</li>`)
        .join('')}</ul></div></section>`
    : '';
  return (
    (page.model ? '</div></section>' : '') +
    limits +
    `</main><footer><div class="wrap">Made by <strong>winnow report</strong> from ` +
    `${escapeHtml(page.runName)} on ${escapeHtml(formatTime(page.generatedAt))}. Verdict schema ` +
    `winnow.verdict/v1. This file is self-contained: it loads nothing from the network.` +
    `<noscript> Filters and sorting need JavaScript; everything else is shown without it.</noscript></div></footer>` +
    `<script>${REPORT_JS}</script></body></html>\n`
  );
}
