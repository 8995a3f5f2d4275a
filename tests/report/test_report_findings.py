"""The key findings block (numbers, much-worse list, chance), log axes for perplexities, and the page's own script."""

from __future__ import annotations

import json
import re

import pytest
from report_md import tables_after

from glot500.core.results import ResultRow

HEAD = {"eng_Latn": (3.0, 3.3), "deu_Latn": (4.0, 3.6)}  # lang: (base, glot) pseudo-perplexity
TAIL = {
    "yor_Latn": (10.0, 4.0),
    "quy_Latn": (10.0, 5.0),
    "mhr_Cyrl": (10.0, 5.0),
    "bod_Tibt": (10.0, 6.0),
    "hat_Latn": (10.0, 25.0),  # 2.5x worse: the regression guard must name it
    "sah_Cyrl": (10.0, 11.0),  # worse, but not 2x
}
TOP10 = {"eng_Latn": (0.9, 0.9), "deu_Latn": (0.8, 0.85), "yor_Latn": (0.6, 0.2), "quy_Latn": (0.1, 0.1),
         "mhr_Cyrl": (0.1, 0.1), "bod_Tibt": (0.1, 0.1), "hat_Latn": (0.5, 0.6), "sah_Cyrl": (0.1, 0.1)}  # fmt: skip


def _rows() -> list[ResultRow]:
    rows = []
    for lang, pair in {**HEAD, **TAIL}.items():
        for model, value in zip(("base", "glot"), pair, strict=True):
            rows.append(ResultRow(model=model, task="pseudo_perplexity", dataset="udhr", lang=lang,
                                  metric="ppl_per_char", value=value, n=2, head=lang in HEAD, higher_is_better=False))  # fmt: skip
    for lang, pair in TOP10.items():
        for model, value in zip(("base", "glot"), pair, strict=True):
            hits = [1.0] * round(40 * value) + [0.0] * (40 - round(40 * value))
            rows.append(ResultRow(model=model, task="retrieval", dataset="udhr", lang=lang, metric="top10", value=value,
                                  n=40, head=lang in HEAD, items=hits, chance=0.1))  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from glot500.report import build_report

    out = tmp_path_factory.mktemp("findings") / "out"
    page = build_report(_rows(), out_dir=out, base="base", resamples=200)
    return {"page": page, "out": out, "markdown": (out / "README.md").read_text(encoding="utf-8")}


def test_findings_numbers_on_a_small_synthetic_set():
    from glot500.report.data import collect_results
    from glot500.report.findings import key_findings

    results = collect_results(_rows(), "base")
    findings = {f.metric: f for f in key_findings(results, {"base": "base", "glot": "glot"})}
    ppl = findings["ppl_per_char"]
    assert ppl.ratio and ppl.model == "glot" and ppl.base == "base"
    tail, head = ppl.groups["tail"], ppl.groups["head"]
    assert tail.base_median == 10.0 and tail.model_median == 5.5 and tail.change == pytest.approx(0.55)
    assert (tail.better, tail.languages) == (4, 6) and tail.better_share == pytest.approx(4 / 6)
    assert head.change == pytest.approx(3.45 / 3.5) and head.better == 1
    assert [(w.lang, round(w.factor, 3)) for w in ppl.much_worse] == [("hat_Latn", 2.5)]
    top10 = findings["top10"]
    assert not top10.ratio and top10.unit == " points"
    assert top10.groups["tail"].change == pytest.approx(0.0)  # both medians 10%: the tail is guessing
    assert top10.groups["tail"].mostly_at_chance  # 4 of 6 tail languages at 10% (without intervals: value <= chance)
    # yor_Latn drops 0.6 -> 0.2 (3x), but in a tail that is mostly guessing: no regression is listed there
    assert top10.much_worse == []
    assert not top10.groups["head"].mostly_at_chance


def test_the_page_opens_with_the_findings_and_lists_languages_much_worse(report):
    markdown = report["markdown"]
    sections = re.findall(r"^## (.+)$", markdown, flags=re.M)
    assert sections[0] == "Key findings"
    findings = markdown.split("## Key findings")[1].split("\n## ")[0]
    assert (
        "- udhr · ppl_per_char: tail median 0.55× the base's (6 languages; better in 67%, 4/6); head median 0.99× the base's "
        "(2 languages; better in 50%, 1/2). 1 language more than 2× worse: hat_Latn 2.5×." in findings
    )
    assert re.search(
        r"- udhr · top10: tail median \+0\.0 points \(6 languages; better in 17%, 1/6; at chance in [4-6]/6: not a result\)",
        findings,
    )
    much_worse = tables_after(markdown, "### Languages more than 2× worse than base")
    assert {(r["dataset · metric"], r["lang"], r["times worse"]) for r in much_worse} == {
        ("udhr · ppl_per_char", "hat_Latn", "2.5×"),
    }  # top10's tail is mostly at chance: its differences are between guesses
    saved = json.loads((report["out"] / "findings.json").read_text(encoding="utf-8"))
    assert saved["base"] == "base" and saved["much_worse_factor"] == 2.0
    ppl = next(f for f in saved["findings"] if f["metric"] == "ppl_per_char")
    assert ppl["groups"]["tail"]["change"] == pytest.approx(0.55) and ppl["much_worse"][0]["lang"] == "hat_Latn"


def test_per_language_table_shows_ratios_for_perplexities(report):
    rows = {r["lang"]: r for r in tables_after(report["markdown"], "### udhr · ppl_per_char (pseudo_perplexity)")}
    assert rows["hat_Latn"]["glot / base"] == "2.50×" and rows["yor_Latn"]["glot / base"] == "0.40×"
    assert 'class="loss much-worse"' in report["page"].read_text(encoding="utf-8")


def test_perplexities_are_plotted_on_a_log_axis():
    from glot500.report.data import collect_results
    from glot500.report.plots import gains_figure, head_tail_figure

    results = collect_results(_rows(), "base")
    names = {"base": "base", "glot": "glot"}
    blocks = {block.key.metric: block for block in results.blocks.values()}
    assert head_tail_figure(blocks["ppl_per_char"], names).axes[0].get_yscale() == "log"
    assert head_tail_figure(blocks["top10"], names).axes[0].get_yscale() == "linear"
    assert gains_figure(blocks["ppl_per_char"], names, "base", 5).axes[0].get_xscale() == "log"
    assert gains_figure(blocks["top10"], names, "base", 5).axes[0].get_xscale() == "linear"


def test_the_page_carries_its_own_script_and_no_external_url(report):
    from importlib.resources import files

    html = report["page"].read_text(encoding="utf-8")
    script = files("glot500.report").joinpath("assets/report.js").read_text(encoding="utf-8")
    assert script.strip() in html and "function addFilter" in html and "function sortTable" in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, flags=re.I)  # no CDN, no URL of any kind
    assert "<script src" not in html and "<link" not in html
