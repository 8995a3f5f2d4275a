"""Open the page in headless Chromium: it renders without script errors and every image loads; a screenshot is kept.

The page itself records, on load, ``data-images``, ``data-images-ok`` and ``data-errors`` on ``<body>`` (see
``glot500.report.render``); ``--dump-dom`` hands them back. The screenshot goes to ``artifacts/report/`` at the
repository root (ignored by git) and the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "report"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="headless Chromium not installed (Debian: apt-get install chromium); under CI this test must run",
)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "CI is set but chromium is not installed (apt-get install chromium)"
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", "--virtual-time-budget=8000",
    ]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=180)


def _page_state(page: Path, profile: Path) -> dict[str, str]:
    result = _chromium(profile, "--dump-dom", page.resolve().as_uri())
    body = re.search(r"<body([^>]*)>", result.stdout)
    assert body, f"no page came back from chromium (exit {result.returncode}): {result.stderr[-2000:]}"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1)))


def test_page_renders_without_errors_and_every_image_loads(built_report, tmp_path):
    page = built_report["page"]
    state = _page_state(page, tmp_path / "profile")
    assert int(state["images"]) == len(list((page.parent / "images").glob("*.png"))) > 0
    assert state["images-ok"] == state["images"], state
    assert state["errors"] == "0", state["error-list"]

    shot = tmp_path / "report.png"
    _chromium(tmp_path / "profile", "--window-size=1400,2200", f"--screenshot={shot}", page.resolve().as_uri())
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2200, 1400) and pixels.std() > 0.05  # not a blank page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report.png")
    print(f"screenshot: {ARTIFACTS / 'report.png'} (and {shot})")


def test_the_check_sees_a_broken_image_and_a_script_error(built_report, tmp_path):
    """The same check on a damaged copy must fail: otherwise the test above could never fail."""
    copy = tmp_path / "copy"
    shutil.copytree(built_report["out"], copy)
    next((copy / "images").glob("head_tail__*.png")).unlink()
    html = (copy / "index.html").read_text(encoding="utf-8")
    (copy / "index.html").write_text(html.replace("</main>", "<script>notDefined()</script></main>"), encoding="utf-8")
    state = _page_state(copy / "index.html", tmp_path / "profile")
    assert int(state["images-ok"]) == int(state["images"]) - 1
    assert state["errors"] == "2" and "notDefined" in state["error-list"] and "head_tail__" in state["error-list"]


_CLICK = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var table = Array.prototype.find.call(document.querySelectorAll('table.sortable'), function (t) {
    return t.closest('details').querySelector('summary').textContent.indexOf('13 languages') >= 0; });
  var th = Array.prototype.find.call(table.querySelectorAll('thead th'), function (h) { return h.textContent === 'glot500-small'; });
  th.click(); th.click();  // ascending, then descending
  var column = Array.prototype.indexOf.call(th.parentNode.children, th);
  var order = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[0].textContent + '=' + r.cells[column].textContent.split(' ')[0].split('[')[0]; });
  document.body.setAttribute('data-sorted', order.join(','));
}, 0); });
</script>"""


def test_clicking_a_header_sorts_the_table(built_report, tmp_path):
    from report_fixtures import MISSING, SMALL, make_rows

    copy = tmp_path / "copy"
    shutil.copytree(built_report["out"], copy)
    html = (copy / "index.html").read_text(encoding="utf-8")
    (copy / "index.html").write_text(html.replace("</body>", _CLICK + "</body>"), encoding="utf-8")
    order = [item.split("=") for item in _page_state(copy / "index.html", tmp_path / "profile")["sorted"].split(",")]
    taxi = {r.lang: r.value for r in make_rows() if r.dataset == "taxi1500" and r.model == SMALL}
    expected = sorted(taxi, key=lambda lang: -taxi[lang])
    assert [lang for lang, _ in order] == expected + [MISSING[2]]  # descending, the missing language last
    assert order[-1][1] == "missing"


_FILTER = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var table = Array.prototype.find.call(document.querySelectorAll('table.sortable'), function (t) {
    return t.closest('details').querySelector('summary').textContent.indexOf('13 languages') >= 0; });
  var box = table.closest('details').querySelector('input.filter');
  box.value = 'tail TIBT'; box.dispatchEvent(new Event('input'));
  var shown = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return r.style.display !== 'none'; });
  document.body.setAttribute('data-filtered', shown.map(function (r) { return r.cells[0].textContent; }).join(','));
}, 0); });
</script>"""


def test_typing_in_the_filter_box_keeps_matching_rows(built_report, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built_report["out"], copy)
    html = (copy / "index.html").read_text(encoding="utf-8")
    (copy / "index.html").write_text(html.replace("</body>", _FILTER + "</body>"), encoding="utf-8")
    state = _page_state(copy / "index.html", tmp_path / "profile")
    assert sorted(state["filtered"].split(",")) == ["bod_Tibt", "dzo_Tibt"]  # every word must appear, any case


_WIDTHS = """<script>
window.addEventListener('load', function () {
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  var wide = Array.prototype.filter.call(document.querySelectorAll('div.scroll'), function (w) {
    return w.scrollWidth > w.clientWidth + 1; });
  document.body.setAttribute('data-tables', document.querySelectorAll('div.scroll').length);
  document.body.setAttribute('data-wide', wide.length);
});
</script>"""


def test_every_table_fits_a_laptop_screen(built_report, tmp_path):
    """At 1366 pixels wide no table scrolls sideways (three models, corpus sizes and intervals shown)."""
    copy = tmp_path / "copy"
    shutil.copytree(built_report["out"], copy)
    html = (copy / "index.html").read_text(encoding="utf-8")
    (copy / "index.html").write_text(html.replace("</body>", _WIDTHS + "</body>"), encoding="utf-8")
    result = _chromium(tmp_path / "profile", "--window-size=1366,768", "--dump-dom", (copy / "index.html").as_uri())
    state = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', re.search(r"<body([^>]*)>", result.stdout).group(1)))
    assert int(state["tables"]) > 5 and state["wide"] == "0", state
