/**
 * The review console's single page: markup, style and script inline (no CDN, no build step), allowed by a
 * per-load CSP nonce. The page holds no item data: the script fetches it from `/api` and builds every element
 * with `textContent` and attributes, never HTML strings, so hostile text and URIs are always data.
 */

const STYLE = `
:root { --fg: #1d232b; --muted: #5f6b7a; --line: #dde2e8; --bg: #f6f7f9; --panel: #fff; --accent: #2456c7;
  --review: #a15c00; --review-bg: #fff3dc; --block: #b3261e; --block-bg: #fde7e5; --allow: #1f7a3a; --allow-bg: #e3f4e8; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; height: 100%; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
  display: flex; flex-direction: column; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: var(--panel);
  border-bottom: 1px solid var(--line); }
header h1 { font-size: 15px; margin: 0; font-weight: 650; }
header .count { color: var(--muted); }
header nav { display: flex; gap: 4px; margin-left: 8px; }
header nav button { border: 1px solid transparent; background: none; padding: 4px 10px; border-radius: 6px; cursor: pointer; font: inherit; color: var(--muted); }
header nav button[aria-selected="true"] { background: var(--bg); border-color: var(--line); color: var(--fg); font-weight: 600; }
header .who { margin-left: auto; color: var(--muted); }
main { flex: 1; display: grid; grid-template-columns: 320px 1fr; min-height: 0; }
main.audit { grid-template-columns: 1fr; }
#queue-pane { border-right: 1px solid var(--line); overflow: auto; background: var(--panel); }
#queue-list { list-style: none; margin: 0; padding: 0; }
#queue-list li { padding: 10px 14px; border-bottom: 1px solid var(--line); cursor: pointer; }
#queue-list li:hover { background: #f0f3f8; }
#queue-list li[aria-selected="true"] { background: #e8effc; box-shadow: inset 3px 0 0 var(--accent); }
#queue-list .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; unicode-bidi: isolate; }
#queue-list .meta { color: var(--muted); font-size: 12px; margin-top: 2px; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.chip { font-size: 12px; padding: 1px 7px; border-radius: 10px; background: var(--bg); border: 1px solid var(--line); }
.chip.review { background: var(--review-bg); color: var(--review); border-color: #f0d39c; }
.chip.block { background: var(--block-bg); color: var(--block); border-color: #f3b8b3; }
.chip.allow { background: var(--allow-bg); color: var(--allow); border-color: #b6e0c2; }
.empty { padding: 24px; color: var(--muted); }
#more { margin: 10px 14px; }
#item-pane { overflow: auto; padding: 18px 24px 40px; }
#item-pane h2 { margin: 0 0 2px; font-size: 18px; unicode-bidi: isolate; word-break: break-all; }
.uri { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--muted); word-break: break-all; unicode-bidi: isolate; }
.verdict-line { margin: 8px 0 4px; color: var(--muted); }
section.block { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-top: 14px; }
section.block h3 { margin: 0 0 8px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.excerpt { white-space: pre-wrap; word-break: break-word; font: 14px/1.6 ui-monospace, SFMono-Regular, Menlo, monospace; margin: 0;
  max-height: 360px; overflow: auto; unicode-bidi: plaintext; }
.excerpt mark { background: #ffd76a; border-radius: 2px; padding: 0 1px; box-shadow: 0 0 0 1px #e6b829; }
.excerpt .gap { color: var(--muted); font-style: italic; }
.inv { font-size: 10px; color: var(--block); border: 1px solid #f3b8b3; border-radius: 3px; padding: 0 2px; margin: 0 1px; }
.notice { color: var(--review); background: var(--review-bg); padding: 6px 10px; border-radius: 6px; margin-bottom: 8px; }
.muted { color: var(--muted); }
.thumb { position: relative; display: inline-block; overflow: hidden; border-radius: 6px; border: 1px solid var(--line); cursor: pointer; max-width: 100%; }
.thumb img { display: block; max-width: 100%; max-height: 420px; filter: blur(28px) saturate(.6); transform: scale(1.05); }
.thumb.revealed img { filter: none; transform: none; }
.thumb .veil { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  background: rgba(20, 24, 30, .35); color: #fff; font-weight: 600; border: 0; font: inherit; cursor: pointer; width: 100%; }
.thumb.revealed .veil { display: none; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; }
td.wrap { word-break: break-word; white-space: pre-wrap; unicode-bidi: isolate; }
form.decide { display: grid; gap: 10px; }
.choice { display: flex; gap: 8px; }
.choice button { flex: 0 0 auto; padding: 7px 16px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); font: inherit; cursor: pointer; }
.choice button kbd { margin-left: 6px; }
.choice button.allow[aria-pressed="true"] { background: var(--allow-bg); border-color: var(--allow); color: var(--allow); font-weight: 600; }
.choice button.block[aria-pressed="true"] { background: var(--block-bg); border-color: var(--block); color: var(--block); font-weight: 600; }
.cats { display: flex; flex-wrap: wrap; gap: 12px; }
textarea { width: 100%; min-height: 70px; font: inherit; padding: 8px; border: 1px solid var(--line); border-radius: 6px; resize: vertical; }
.submit { display: flex; align-items: center; gap: 12px; }
.submit button { padding: 7px 18px; border-radius: 6px; border: 0; background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
.submit button:disabled { opacity: .5; cursor: default; }
.error { color: var(--block); }
kbd { font: 11px ui-monospace, monospace; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; background: var(--bg); color: var(--muted); }
#audit-pane { overflow: auto; padding: 18px 24px; }
#audit-pane table { background: var(--panel); border: 1px solid var(--line); }
#toast { position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%); background: #1d232b; color: #fff; padding: 8px 14px; border-radius: 6px; }
#banner { background: var(--block-bg); color: var(--block); padding: 8px 16px; border-bottom: 1px solid #f3b8b3; }
#help { color: var(--muted); font-size: 12px; padding: 6px 16px; border-top: 1px solid var(--line); background: var(--panel); }
`;

const SCRIPT = String.raw`
(function () {
  'use strict';
  var KEY = 'winnow-review-token';
  var params = new URLSearchParams(location.search);
  var token = params.get('token');
  if (token) {
    sessionStorage.setItem(KEY, token);
    // Keep the token out of the address bar, history and bookmarks from here on.
    history.replaceState(null, '', location.pathname);
  } else {
    token = sessionStorage.getItem(KEY);
  }

  var HIDDEN = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
  var state = { entries: [], cursor: null, remaining: 0, selected: -1, item: null, choice: null, view: 'queue',
    busy: false, loadSeq: 0, thumbUrl: null };
  var $ = function (id) { return document.getElementById(id); };

  /** Text as nodes, with invisible and direction-changing characters shown as visible markers. */
  function visible(text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    text.replace(HIDDEN, function (c, at) {
      if (at > last) frag.append(text.slice(last, at));
      var code = 'U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
      frag.append(h('span', { class: 'inv', title: code }, code));
      last = at + c.length;
      return c;
    });
    if (last < text.length) frag.append(text.slice(last));
    return frag;
  }

  /** Builds an element. Strings become text nodes; nothing is ever parsed as HTML. */
  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'class') el.className = v;
        else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.append(c instanceof Node ? c : visible(String(c)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

  function api(path, init) {
    init = init || {};
    var headers = Object.assign({ Authorization: 'Bearer ' + (token || '') }, init.headers || {});
    return fetch(path, Object.assign({}, init, { headers: headers, cache: 'no-store', credentials: 'omit' }))
      .then(function (res) {
        var json = (res.headers.get('content-type') || '').indexOf('application/json') === 0;
        return (json ? res.json() : Promise.resolve(null)).then(function (body) {
          if (res.status === 401) {
            banner('This page needs the token printed by "winnow review". Open the full URL it printed.');
          }
          if (!res.ok) throw new Error((body && body.error) || res.statusText || ('HTTP ' + res.status));
          return body;
        });
      });
  }

  function banner(text) {
    var b = $('banner');
    clear(b);
    if (text) { b.append(text); b.hidden = false; } else { b.hidden = true; }
  }
  var toastTimer = null;
  function toast(text) {
    var t = $('toast');
    clear(t); append(t, text); t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 2500);
  }

  var RANK = { allow: 0, review: 1, block: 2 };
  function fmtScore(s) { s = Number(s); return s > 0 && s < 0.01 ? '<0.01' : s.toFixed(2); }
  function fmtTime(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString();
  }
  function fmtSec(s) {
    var m = Math.floor(s / 60), r = s - m * 60;
    return m + ':' + (r < 10 ? '0' : '') + r.toFixed(1);
  }
  function chip(c) {
    return h('span', { class: 'chip ' + c.decision }, c.id + ' ' + fmtScore(c.score));
  }
  function setCount() {
    clear($('count'));
    $('count').append(state.remaining + ' to review');
  }

  // Queue

  function loadQueue(reset) {
    var q = reset || !state.cursor ? '/api/queue' : '/api/queue?cursor=' + encodeURIComponent(state.cursor);
    return api(q).then(function (page) {
      state.entries = reset ? page.entries.slice() : state.entries.concat(page.entries);
      state.cursor = page.cursor || null;
      state.remaining = page.remaining;
      setCount();
      renderQueue();
    });
  }

  function renderQueue() {
    var list = $('queue-list');
    clear(list);
    state.entries.forEach(function (e, i) {
      list.append(h('li', {
        'data-id': e.id, 'data-testid': 'queue-item', 'aria-selected': i === state.selected ? 'true' : 'false',
        title: e.uri, onclick: function () { select(i); },
      },
        h('div', { class: 'name' }, e.name),
        h('div', { class: 'meta' }, e.media + ' · ' + fmtTime(e.createdAt)),
        h('div', { class: 'chips' }, e.flagged.map(chip))));
    });
    $('more').hidden = !state.cursor;
    $('queue-empty').hidden = state.entries.length > 0;
    if (state.entries.length === 0) showNothing();
  }

  function select(i) {
    if (i < 0 || i >= state.entries.length) return;
    state.selected = i;
    var items = $('queue-list').children;
    for (var k = 0; k < items.length; k++) items[k].setAttribute('aria-selected', k === i ? 'true' : 'false');
    if (items[i]) items[i].scrollIntoView({ block: 'nearest' });
    openItem(state.entries[i].id);
  }

  function showNothing() {
    state.item = null;
    var pane = $('item-pane');
    clear(pane);
    pane.append(h('div', { class: 'empty', 'data-testid': 'queue-done' },
      state.remaining === 0 ? 'Nothing left to review.' : 'Choose an item from the queue.'));
  }

  // Item

  function openItem(id) {
    var seq = ++state.loadSeq;
    api('/api/items/' + id).then(function (item) {
      if (seq !== state.loadSeq) return;
      state.item = item;
      state.choice = null;
      renderItem(item);
    }).catch(function (err) { if (seq === state.loadSeq) toast('Could not open the item: ' + err.message); });
  }

  function evidenceText(e) {
    switch (e.kind) {
      case 'span': return 'characters ' + e.start + '–' + e.end + (e.rule ? ' (' + e.rule + ')' : '');
      case 'time': return fmtSec(e.start) + '–' + fmtSec(e.end) + (e.rule ? ' (' + e.rule + ')' : '');
      case 'region': return 'frame ' + e.frame + ', box ' + e.x + ',' + e.y + ' ' + e.width + '×' + e.height +
        (e.text ? ': “' + e.text + '”' : '') + (e.rule ? ' (' + e.rule + ')' : '');
      case 'note': return e.text;
      default: return '';
    }
  }

  function renderContent(item) {
    var c = item.content;
    var box = h('section', { class: 'block', 'data-testid': 'content' }, h('h3', null, 'Content'));
    if (c.kind === 'text') {
      if (c.changed) box.append(h('div', { class: 'notice' }, 'The file changed since it was scanned; highlights are hidden.'));
      if (c.invalidEncoding) box.append(h('div', { class: 'notice' }, 'Invalid text encoding: some bytes show as �.'));
      var pre = h('pre', { class: 'excerpt', 'data-testid': 'excerpt' });
      c.excerpt.parts.forEach(function (p) {
        if (p.kind === 'text') append(pre, p.text);
        else if (p.kind === 'mark') pre.append(h('mark', { title: p.labels.join('; '), 'data-testid': 'highlight' }, p.text));
        else pre.append(h('span', { class: 'gap' }, ' [… ' + p.chars + ' characters not shown …] '));
      });
      box.append(pre);
    } else if (c.kind === 'image') {
      var wrap = h('div', { class: 'thumb', 'data-testid': 'thumbnail', title: 'Click to reveal' });
      var img = h('img', { alt: 'thumbnail of the item (blurred)' });
      var veil = h('button', { class: 'veil', type: 'button' }, 'Blurred: click or press r to reveal');
      wrap.append(img, veil);
      wrap.addEventListener('click', function () { toggleReveal(wrap); });
      box.append(wrap);
      fetch('/api/items/' + item.id + '/thumbnail', { headers: { Authorization: 'Bearer ' + token }, credentials: 'omit' })
        .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.blob(); })
        .then(function (blob) {
          if (state.thumbUrl) URL.revokeObjectURL(state.thumbUrl);
          state.thumbUrl = URL.createObjectURL(blob);
          img.src = state.thumbUrl;
        })
        .catch(function () { clear(wrap); wrap.append(h('div', { class: 'muted' }, 'No thumbnail: the image cannot be read.')); });
    } else {
      box.append(h('div', { class: 'muted' }, c.reason));
    }
    return box;
  }

  function toggleReveal(wrap) {
    wrap = wrap || document.querySelector('[data-testid="thumbnail"]');
    if (!wrap) return;
    wrap.classList.toggle('revealed');
    wrap.title = wrap.classList.contains('revealed') ? 'Click to blur' : 'Click to reveal';
  }

  function renderItem(item) {
    var pane = $('item-pane');
    clear(pane);
    pane.append(
      h('h2', { 'data-testid': 'item-name' }, item.name),
      h('div', { class: 'uri', 'data-testid': 'item-uri' }, item.uri),
      h('div', { class: 'verdict-line' },
        h('span', { class: 'chip ' + (item.decision === 'error' ? 'block' : item.decision) }, item.decision),
        ' ' + item.media + ' (' + item.format + ', ' + item.bytes + ' bytes) · policy ' + item.policy.id + ' ' +
        item.policy.version + ' · ' + item.tier + ' tier · scanned ' + fmtTime(item.createdAt)),
      h('div', { class: 'chips' }, item.categories.slice().sort(function (x, y) {
        return (RANK[y.decision] - RANK[x.decision]) || (y.score - x.score);
      }).map(chip)));
    pane.append(renderContent(item));

    var rows = [];
    item.signals.forEach(function (s) {
      var ev = s.evidence.length ? s.evidence : [null];
      ev.forEach(function (e) {
        rows.push(h('tr', null,
          h('td', null, s.detector), h('td', null, s.category === null ? '—' : s.category),
          h('td', null, s.label), h('td', { class: 'num' }, fmtScore(s.score)),
          h('td', { class: 'wrap' }, e ? evidenceText(e) : '')));
      });
    });
    pane.append(h('section', { class: 'block', 'data-testid': 'evidence' }, h('h3', null, 'Evidence'),
      h('table', null, h('thead', null, h('tr', null, h('th', null, 'Detector'), h('th', null, 'Category'),
        h('th', null, 'Label'), h('th', null, 'Score'), h('th', null, 'Where'))), h('tbody', null, rows))));

    if (item.segments.length) {
      pane.append(h('section', { class: 'block' }, h('h3', null, 'Timeline'),
        h('table', null, h('tbody', null, item.segments.map(function (s) {
          return h('tr', null, h('td', { class: 'num' }, fmtSec(s.start) + '–' + fmtSec(s.end)),
            h('td', null, h('div', { class: 'chips' }, s.categories.filter(function (c) { return c.decision !== 'allow'; }).map(chip))),
            h('td', { class: 'wrap' }, s.evidence.map(evidenceText).join('; ')));
        })))));
    }
    if (item.detectorProblems.length) {
      pane.append(h('section', { class: 'block' }, h('h3', null, 'Detectors that did not run'),
        h('ul', null, item.detectorProblems.map(function (d) {
          return h('li', null, d.id + ': ' + d.status + (d.reason ? ' (' + d.reason + ')' : ''));
        }))));
    }
    if (item.history.length) {
      pane.append(h('section', { class: 'block', 'data-testid': 'item-history' }, h('h3', null, 'Earlier decisions'),
        h('table', null, h('tbody', null, item.history.map(auditRow)))));
    }
    pane.append(renderForm(item));
  }

  function renderForm(item) {
    var flagged = item.categories.filter(function (c) { return c.decision !== 'allow'; }).map(function (c) { return c.id; });
    var allowBtn = h('button', { type: 'button', class: 'allow', 'aria-pressed': 'false', 'data-testid': 'choose-allow',
      onclick: function () { choose('allow'); } }, 'Allow', h('kbd', null, 'a'));
    var blockBtn = h('button', { type: 'button', class: 'block', 'aria-pressed': 'false', 'data-testid': 'choose-block',
      onclick: function () { choose('block'); } }, 'Block', h('kbd', null, 'b'));
    var cats = h('div', { class: 'cats' }, item.categories.map(function (c) {
      return h('label', null, h('input', { type: 'checkbox', name: 'category', value: c.id,
        checked: flagged.indexOf(c.id) >= 0 }), ' ' + c.id);
    }));
    var reason = h('textarea', { id: 'reason', name: 'reason', maxlength: '2000', required: true,
      'data-testid': 'reason', placeholder: 'Why? (required; stored in the audit log with your name)' });
    var submit = h('button', { type: 'submit', 'data-testid': 'submit', disabled: true }, 'Record decision');
    var err = h('span', { class: 'error', id: 'form-error', role: 'alert' });
    var form = h('form', { class: 'decide', 'data-testid': 'decision-form', novalidate: true },
      h('div', { class: 'choice' }, allowBtn, blockBtn),
      h('div', null, h('div', { class: 'muted' }, 'Categories this decision covers'), cats),
      reason,
      h('div', { class: 'submit' }, submit, h('span', { class: 'muted' }, h('kbd', null, 'Ctrl'), '+', h('kbd', null, 'Enter')), err));
    reason.addEventListener('input', updateSubmit);
    form.addEventListener('submit', function (ev) { ev.preventDefault(); submitDecision(); });
    return h('section', { class: 'block' }, h('h3', null, 'Decision'), form);
  }

  function updateSubmit() {
    var btn = document.querySelector('[data-testid="submit"]');
    var reason = $('reason');
    if (btn && reason) btn.disabled = state.busy || !state.choice || reason.value.trim() === '';
  }

  function choose(d) {
    if (!state.item) return;
    state.choice = d;
    document.querySelector('[data-testid="choose-allow"]').setAttribute('aria-pressed', d === 'allow' ? 'true' : 'false');
    document.querySelector('[data-testid="choose-block"]').setAttribute('aria-pressed', d === 'block' ? 'true' : 'false');
    updateSubmit();
    $('reason').focus();
  }

  function submitDecision() {
    var item = state.item;
    var reason = $('reason');
    var err = $('form-error');
    if (!item || state.busy || !reason) return;
    clear(err);
    if (!state.choice) { err.append('Choose allow or block.'); return; }
    if (reason.value.trim() === '') { err.append('A reason is required.'); reason.focus(); return; }
    var categories = Array.prototype.slice.call(document.querySelectorAll('input[name="category"]:checked'))
      .map(function (i) { return i.value; });
    state.busy = true; updateSubmit();
    api('/api/decisions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: item.id, decision: state.choice, categories: categories, reason: reason.value }) })
      .then(function (res) {
        state.busy = false;
        toast((res.decision.decision === 'block' ? 'Blocked ' : 'Allowed ') + item.name);
        var i = state.entries.findIndex(function (e) { return e.id === item.id; });
        if (i >= 0) state.entries.splice(i, 1);
        state.remaining = res.remaining;
        setCount();
        var next = Math.min(i >= 0 ? i : state.selected, state.entries.length - 1);
        state.selected = -1;
        renderQueue();
        if (state.entries.length === 0 && state.cursor) {
          loadQueue(false).then(function () { if (state.entries.length) select(0); });
        } else if (next >= 0) {
          select(next);
        }
      })
      .catch(function (e) { state.busy = false; updateSubmit(); clear(err); err.append(e.message); });
  }

  // Audit log

  function auditRow(d) {
    return h('tr', { 'data-testid': 'audit-row' },
      h('td', { title: d.decidedAt }, fmtTime(d.decidedAt)),
      h('td', { 'data-testid': 'audit-reviewer' }, d.reviewer),
      h('td', null, h('span', { class: 'chip ' + d.decision, 'data-testid': 'audit-decision' }, d.decision)),
      h('td', null, d.categories.join(', ')),
      h('td', { class: 'wrap uri', title: d.uri }, d.uri),
      h('td', null, d.policyVersion),
      h('td', { class: 'wrap', 'data-testid': 'audit-reason' }, d.reason));
  }

  function loadAudit() {
    return api('/api/audit').then(function (log) {
      var pane = $('audit-pane');
      clear(pane);
      pane.append(h('p', { class: 'muted' }, log.total + ' decisions in the audit log' +
        (log.total > log.entries.length ? ' (the latest ' + log.entries.length + ' shown)' : '') + ', newest first.'));
      pane.append(h('table', { 'data-testid': 'audit-table' },
        h('thead', null, h('tr', null, ['When', 'Reviewer', 'Decision', 'Categories', 'Item', 'Policy', 'Reason']
          .map(function (t) { return h('th', null, t); }))),
        h('tbody', null, log.entries.map(auditRow))));
    });
  }

  function show(view) {
    state.view = view;
    $('tab-queue').setAttribute('aria-selected', view === 'queue' ? 'true' : 'false');
    $('tab-audit').setAttribute('aria-selected', view === 'audit' ? 'true' : 'false');
    $('queue-pane').hidden = view !== 'queue';
    $('item-pane').hidden = view !== 'queue';
    $('audit-pane').hidden = view !== 'audit';
    document.querySelector('main').className = view === 'audit' ? 'audit' : '';
    if (view === 'audit') loadAudit().catch(function (e) { toast('Could not load the audit log: ' + e.message); });
  }

  // Keyboard

  document.addEventListener('keydown', function (ev) {
    var t = ev.target;
    var typing = t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT');
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'Enter') { ev.preventDefault(); submitDecision(); return; }
    if (typing) { if (ev.key === 'Escape') t.blur(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var handled = true;
    switch (ev.key) {
      case 'j': case 'ArrowDown': if (state.view === 'queue') select(Math.min(state.selected + 1, state.entries.length - 1)); break;
      case 'k': case 'ArrowUp': if (state.view === 'queue') select(Math.max(state.selected - 1, 0)); break;
      case 'a': if (state.view === 'queue') choose('allow'); break;
      case 'b': if (state.view === 'queue') choose('block'); break;
      case 'r': toggleReveal(); break;
      case 'l': show('audit'); break;
      case 'q': show('queue'); break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });

  $('tab-queue').addEventListener('click', function () { show('queue'); });
  $('tab-audit').addEventListener('click', function () { show('audit'); });
  $('more').addEventListener('click', function () { loadQueue(false); });

  api('/api/session').then(function (s) {
    clear($('who'));
    $('who').append('Reviewer: ' + s.reviewer + (s.policyVersion ? ' · policy ' + s.policyVersion : ''));
    return loadQueue(true);
  }).then(function () {
    if (state.entries.length) select(0);
  }).catch(function (e) { if (!$('banner').hidden) return; banner('Could not load the queue: ' + e.message); });
})();
`;

/** The console's HTML, with `nonce` on its inline style and script (the CSP names the same nonce). */
export function renderReviewPage(nonce: string): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(nonce)) throw new RangeError('the nonce must be base64');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Winnow review</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <h1>Winnow review</h1>
  <span class="count" id="count" data-testid="remaining"></span>
  <nav role="tablist">
    <button id="tab-queue" role="tab" aria-selected="true" data-testid="tab-queue">Queue <kbd>q</kbd></button>
    <button id="tab-audit" role="tab" aria-selected="false" data-testid="tab-audit">Audit log <kbd>l</kbd></button>
  </nav>
  <span class="who" id="who"></span>
</header>
<div id="banner" role="alert" hidden></div>
<main>
  <section id="queue-pane" aria-label="Review queue">
    <ul id="queue-list" data-testid="queue-list"></ul>
    <div class="empty" id="queue-empty" hidden>The queue is empty.</div>
    <button id="more" type="button" hidden>Load more</button>
  </section>
  <section id="item-pane" aria-label="Item"></section>
  <section id="audit-pane" aria-label="Audit log" data-testid="audit" hidden></section>
</main>
<div id="help"><kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>a</kbd> allow · <kbd>b</kbd> block · <kbd>Ctrl</kbd>+<kbd>Enter</kbd> record · <kbd>r</kbd> reveal image · <kbd>l</kbd> audit log · <kbd>q</kbd> queue</div>
<div id="toast" role="status" aria-live="polite" hidden></div>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
