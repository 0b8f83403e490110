/**
 * The report's script, inlined in its `<script>` (its hash is the page's only allowed script): filters the item
 * table and the cards, sorts the table, and reveals or hides flagged media all at once. The page reads fully
 * without it.
 */
export const REPORT_JS = `(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.remove('no-js');
  root.classList.add('js');
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  var table = document.getElementById('item-table');
  var tbody = table ? table.tBodies[0] : null;
  var rows = all('#item-table tbody tr[data-decision]');
  var cards = all('article.card');
  var chips = all('[data-filter-decision]');
  var media = document.getElementById('f-media');
  var category = document.getElementById('f-category');
  var search = document.getElementById('f-search');
  var count = document.getElementById('f-count');
  var cardCount = document.getElementById('card-count');
  var noMatch = document.getElementById('no-match');
  var reset = document.getElementById('f-reset');
  var more = document.getElementById('f-more');
  // Laying out thousands of rows is slow; matches are shown a page at a time.
  var PAGE = 250;
  var limit = PAGE;

  function state() {
    return {
      decisions: chips.filter(function (c) { return c.getAttribute('aria-pressed') === 'true'; })
        .map(function (c) { return c.getAttribute('data-filter-decision'); }),
      media: media ? media.value : '',
      category: category ? category.value : '',
      q: search ? search.value.trim().toLowerCase() : ''
    };
  }
  function matches(el, s) {
    if (s.decisions.length && s.decisions.indexOf(el.getAttribute('data-decision')) < 0) return false;
    if (s.media && el.getAttribute('data-media') !== s.media) return false;
    if (s.category && (el.getAttribute('data-cats') || '').indexOf('|' + s.category + '|') < 0) return false;
    if (s.q && (el.getAttribute('data-uri') || '').indexOf(s.q) < 0) return false;
    return true;
  }
  function fmt(n) { return n.toLocaleString('en-US'); }
  function apply() {
    var s = state();
    var matched = 0;
    var shown = 0;
    rows.forEach(function (r) {
      var ok = matches(r, s);
      if (ok) matched++;
      var show = ok && matched <= limit;
      r.hidden = !show;
      if (show) shown++;
    });
    var shownCards = 0;
    cards.forEach(function (c) { var ok = matches(c, s); c.hidden = !ok; if (ok) shownCards++; });
    if (count) count.textContent = shown < matched
      ? 'Showing ' + fmt(shown) + ' of ' + fmt(matched) + ' matching rows'
      : 'Showing ' + fmt(matched) + ' of ' + fmt(rows.length) + ' rows';
    if (more) {
      more.hidden = shown >= matched;
      more.textContent = 'Show ' + fmt(Math.min(PAGE, matched - shown)) + ' more rows';
    }
    if (cardCount) cardCount.textContent = shownCards === cards.length ? '' : 'Filtered: ' + shownCards + ' of ' + cards.length + ' cards shown.';
    if (noMatch) noMatch.hidden = matched !== 0;
  }
  function refilter() { limit = PAGE; apply(); }
  if (more) more.addEventListener('click', function () { limit += PAGE; apply(); });
  chips.forEach(function (c) {
    c.addEventListener('click', function () {
      c.setAttribute('aria-pressed', c.getAttribute('aria-pressed') === 'true' ? 'false' : 'true');
      refilter();
    });
  });
  [media, category].forEach(function (el) { if (el) el.addEventListener('change', refilter); });
  if (search) search.addEventListener('input', refilter);
  if (reset) reset.addEventListener('click', function () {
    chips.forEach(function (c) { c.setAttribute('aria-pressed', 'false'); });
    if (media) media.value = '';
    if (category) category.value = '';
    if (search) search.value = '';
    refilter();
  });

  var heads = all('#item-table th[data-sort]');
  heads.forEach(function (th) {
    th.addEventListener('click', function () {
      var key = th.getAttribute('data-sort');
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var sorted = rows.slice().sort(function (a, b) {
        var x = a.getAttribute('data-' + key) || '';
        var y = b.getAttribute('data-' + key) || '';
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
        return c * dir;
      });
      rows = sorted;
      sorted.forEach(function (r) { tbody.appendChild(r); });
      if (noMatch) tbody.appendChild(noMatch);
      apply();
    });
  });

  var revealAll = document.getElementById('reveal-all');
  if (revealAll) revealAll.addEventListener('click', function () {
    var on = revealAll.getAttribute('aria-pressed') !== 'true';
    revealAll.setAttribute('aria-pressed', on ? 'true' : 'false');
    revealAll.textContent = on ? 'Blur flagged media' : 'Show all flagged media';
    all('input.reveal').forEach(function (i) { i.checked = on; });
  });

  all('[data-jump-category]').forEach(function (el) {
    el.addEventListener('click', function (e) {
      if (!category) return;
      e.preventDefault();
      category.value = el.getAttribute('data-jump-category');
      refilter();
      document.getElementById('items').scrollIntoView();
    });
  });
  apply();
})();
`;
