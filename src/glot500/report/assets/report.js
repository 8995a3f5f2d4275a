/* glot500 report: sortable and filterable tables, plus a load check the tests read back. No network, no library.
   On load the body element gets data-images, data-images-ok and data-errors (uncaught script errors and resources that
   failed to load). A click on a header sorts by that column (again: reverse); the box above a long table keeps
   the rows that contain every word typed ("tail Latn", "yor_"). */
window.__reportErrors = [];
window.addEventListener('error', function (e) {
  var t = e.target; window.__reportErrors.push(t && t.src ? 'load failed: ' + t.src : String(e.message));
}, true);
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var b = document.body;
  b.setAttribute('data-images', imgs.length); b.setAttribute('data-images-ok', ok);
  b.setAttribute('data-errors', window.__reportErrors.length);
  b.setAttribute('data-error-list', window.__reportErrors.join(' | '));
  document.querySelectorAll('table.sortable').forEach(function (t) {
    t.querySelectorAll('thead th').forEach(function (th, col) {
      th.addEventListener('click', function () { sortTable(t, col, th); });
    });
    if (t.tBodies[0].rows.length >= 10) addFilter(t);
  });
});
function sortTable(t, col, th) {
  var asc = !th.classList.contains('asc');
  t.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
  th.classList.add(asc ? 'asc' : 'desc');
  var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
  function key(r) {
    var c = r.cells[col]; if (!c) return null;
    var v = c.getAttribute('data-sort'); if (v === null) v = c.textContent.trim();
    if (v === '' || v === '–' || v === 'missing' || v === 'error') return null;
    var n = Number(v); return isNaN(n) ? v.toLowerCase() : n;
  }
  rows.sort(function (a, b) {
    var x = key(a), y = key(b); if (x === null) return 1; if (y === null) return -1;
    var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
    return asc ? c : -c;
  });
  rows.forEach(function (r) { body.appendChild(r); });
}
function addFilter(t) {
  var box = document.createElement('input'), count = document.createElement('span');
  box.type = 'search'; box.className = 'filter'; box.placeholder = 'filter rows: words that must all appear';
  count.className = 'count';
  var rows = Array.prototype.slice.call(t.tBodies[0].rows);
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
    rows.forEach(function (r) {
      var text = r.textContent.toLowerCase();
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      r.style.display = keep ? '' : 'none'; if (keep) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' rows';
    t.setAttribute('data-shown', shown);
  }
  box.addEventListener('input', apply);
  var bar = document.createElement('div'); bar.className = 'filterbar';
  bar.appendChild(box); bar.appendChild(count);
  t.parentNode.parentNode.insertBefore(bar, t.parentNode);
  apply();
}
