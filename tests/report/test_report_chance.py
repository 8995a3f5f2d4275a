"""Chance levels are labelled and a score at chance is not shown as a result; diagnostics stay out of headlines."""

from __future__ import annotations

import json

from report_md import tables_after

from glot500.core.results import ResultRow, read_results, write_results

LANGS = ("deu_Latn", "yor_Latn", "quy_Latn", "hat_Latn")


def _rows() -> list[ResultRow]:
    rows = []
    for model, share in (("base", 0.5), ("glot", 0.95)):
        for index, lang in enumerate(LANGS):
            hits = [1.0] * int(40 * share) + [0.0] * (40 - int(40 * share))
            rows.append(
                ResultRow(model=model, task="retrieval", dataset="udhr", lang=lang, metric="top10", value=share,
                          n=40, head=index == 0, items=hits, chance=0.5)
            )  # fmt: skip
            for metric, value in (("ppl_per_char", 9.0 - index), ("ppl_per_char_raw", 3.0)):
                rows.append(
                    ResultRow(model=model, task="pseudo_perplexity", dataset="udhr", lang=lang, metric=metric,
                              value=value + (model == "glot"), n=2, head=index == 0, higher_is_better=False)
                )  # fmt: skip
    return rows


def test_chance_is_labelled_and_scores_at_chance_are_marked(tmp_path):
    from glot500.report import build_report

    page = build_report(_rows(), out_dir=tmp_path / "out", base="base", resamples=200)
    markdown = (page.parent / "README.md").read_text(encoding="utf-8")
    overview = tables_after(markdown, "### Head / tail / all")
    rows = {r["model"]: r for r in overview if r["dataset · metric"].startswith("retrieval: udhr · top10")}
    assert rows["base"]["dataset · metric"].endswith("chance ≈ 50.0%")
    assert (
        rows["base"]["tail mean"] == "50.0 at chance" and rows["glot"]["tail mean"] == "95.0"
    )  # 95% of 40: CI above 50%
    gains = tables_after(markdown, "### Gains over base")
    assert all(not r["tail"].endswith("at chance") for r in gains)  # glot is not at chance: a real gain
    findings = markdown.split("## Key findings")[1].split("## Overview")[0]
    assert "### The base (base) at chance" in findings
    assert "- udhr · top10: at chance in 1 of 1 head and 3 of 3 tail languages" in findings
    assert "- udhr · top10: tail median +45.0 points (3 languages; better in 100%, 3/3)" in findings
    per_language = tables_after(markdown, "### udhr · top10 (retrieval), chance ≈ 50.0%")
    assert all(r["base"].split(" [")[0].endswith("at chance") for r in per_language)
    assert not any(r["glot"].split(" [")[0].endswith("at chance") for r in per_language)
    assert 'class="chance"' in (page.parent / "index.html").read_text(encoding="utf-8")
    perplexity = [r for r in overview if "ppl_per_char" in r["dataset · metric"]]
    assert perplexity and all("_raw" not in r["dataset · metric"] for r in perplexity)  # a diagnostic, not a headline
    assert all("chance" not in r["dataset · metric"] for r in perplexity)
    assert "### udhr · ppl_per_char_raw (pseudo_perplexity)" in markdown  # still shown per language


def test_results_without_chance_still_load(tmp_path):
    row = _rows()[0].model_dump()
    row.pop("chance")
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [loaded] = read_results(path)
    assert loaded.chance is None and loaded.value == 0.5
    write_results([loaded], path)
    assert next(read_results(path)) == loaded
