"""The report's tables hold the numbers of the inputs: averages, deltas, per-language cells, missing and error rows."""

from __future__ import annotations

import csv
import json
import math
import statistics

import pytest
from report_fixtures import BASE, ERROR, HEAD, LARGE, MISSING, MODELS, NO_CORPUS_TEXT, SMALL, TAIL, make_rows
from report_md import interval, number, tables_after

NAMES = {BASE: "xlm-roberta-base", SMALL: "glot500-small", LARGE: "glot500-large"}


def _values(dataset: str) -> dict[tuple[str, str], float | None]:
    return {(r.model, r.lang): r.value for r in make_rows() if r.dataset == dataset}


def _common(values: dict, langs: tuple[str, ...]) -> list[str]:
    return [lang for lang in langs if all(values.get((m, lang)) is not None for m in MODELS)]


@pytest.mark.parametrize(
    ("dataset", "marker", "scale"),
    [
        ("taxi1500", "taxi1500 · macro_f1 (%)", 100),
        ("retrieval_tatoeba", "retrieval_tatoeba · top1 (%)", 100),
        ("pseudo_perplexity", "ppl_per_char (lower is better)", 1),
    ],
)
def test_overall_table_averages_head_tail_all_over_common_languages(built_report, dataset, marker, scale):
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    rows = {
        r["model"]: r for r in tables_after(markdown, "### Head / tail / all") if r["dataset · metric"].endswith(marker)
    }
    values = _values(dataset)
    head, tail = _common(values, HEAD), _common(values, TAIL)
    for model in MODELS:
        assert rows[NAMES[model]]["languages (head/tail)"] == f"{len(head)}/{len(tail)}"
        for group, langs in (("head", head), ("tail", tail), ("all", head + tail)):
            expected = scale * sum(values[(model, lang)] for lang in langs) / len(langs)
            assert number(rows[NAMES[model]][f"{group} mean"]) == pytest.approx(
                expected, abs=0.051 if scale == 100 else 0.0051
            )


def test_overview_tables_fit_a_laptop_screen(built_report):
    """One model per row: the tables keep their width whatever the number of models (no 14-column table)."""
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    for marker in ("### Head / tail / all", "### Gains over xlm-roberta-base", "### taxi1500 · macro_f1"):
        assert len(tables_after(markdown, marker)[0]) <= 10, marker


def test_missing_and_error_languages_leave_the_averages_and_are_counted(built_report):
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    note = next(line for line in markdown.splitlines() if "left out of the averages" in line)
    assert "taxi1500 · macro_f1 1," in note and "retrieval_tatoeba · top1 1." in note and "pos" not in note


def test_deltas_are_gains_over_the_base_positive_is_better(built_report):
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    table = tables_after(markdown, "### Gains over xlm-roberta-base")
    rows = {(r["dataset · metric"].split(" (")[0], r["model"].split(" vs ")[0], r["statistic"].split(" than ")[0]): r
            for r in table}  # fmt: skip
    for dataset, title, sign, scale in (
        ("taxi1500", "taxi1500 · macro_f1", 1, 100),
        ("pseudo_perplexity", "pseudo_perplexity · ppl_per_char", -1, 1),
    ):
        values = _values(dataset)
        langs = _common(values, HEAD + TAIL)
        tail = [lang for lang in langs if lang in TAIL]
        for model in (SMALL, LARGE):
            name = NAMES[model]
            expected = sign * scale * sum(values[(model, lang)] - values[(BASE, lang)] for lang in langs) / len(langs)
            tolerance = 0.051 if scale == 100 else 0.0051
            assert number(rows[(title, name, "Δ mean")]["all"]) == pytest.approx(expected, abs=tolerance)
            median_gain = (
                sign
                * scale
                * (
                    statistics.median(values[(model, lang)] for lang in tail)
                    - statistics.median(values[(BASE, lang)] for lang in tail)
                )
            )  # like for like: the difference of the medians, not the median of the gains
            assert number(rows[(title, name, "Δ median")]["tail"]) == pytest.approx(median_gain, abs=tolerance)
            won = sum(sign * (values[(model, lang)] - values[(BASE, lang)]) > 0 for lang in tail) / len(tail)
            assert rows[(title, name, "languages better")]["tail"] == f"{won:.0%}"


def test_overall_table_shows_medians_beside_means(built_report):
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    rows = {
        r["model"]: r
        for r in tables_after(markdown, "### Head / tail / all")
        if "ppl_per_char" in r["dataset · metric"]
    }
    values = _values("pseudo_perplexity")
    head = _common(values, HEAD)
    for model in MODELS:
        expected = statistics.median(values[(model, lang)] for lang in head)
        assert number(rows[NAMES[model]]["head median"]) == pytest.approx(expected, abs=0.0051)


def test_per_language_table_shows_values_intervals_missing_and_errors(built_report):
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    html = built_report["page"].read_text(encoding="utf-8")
    taxi = {r["lang"]: r for r in tables_after(markdown, "### taxi1500 · macro_f1")}
    rows = {(r.model, r.lang): r for r in make_rows() if r.dataset == "taxi1500"}
    assert set(taxi) == set(HEAD + TAIL)
    assert taxi[MISSING[2]][NAMES[MISSING[0]]] == "missing"
    for (model, lang), row in rows.items():
        shown = taxi[lang][NAMES[model]]
        assert number(shown) == pytest.approx(100 * row.value, abs=0.051)
        low, high, parametric = interval(shown)
        assert parametric  # no items in taxi1500 rows: binomial interval from value and n
        assert low <= 100 * row.value + 0.05 and high >= 100 * row.value - 0.05 and high > low
        assert f'title="n = {row.n}"' in html  # n in the tooltip (and the TSV), not a column of its own
    tatoeba = {r["lang"]: r for r in tables_after(markdown, "### retrieval_tatoeba · top1")}
    model, _, lang, reason = ERROR
    assert tatoeba[lang][NAMES[model]] == f"error: {reason}"
    assert not interval(tatoeba["eng_Latn"][NAMES[BASE]])[2]  # items present: bootstrap over items, no dagger


def test_task_with_one_language_has_head_only(built_report):
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    row = next(
        r for r in tables_after(markdown, "### Head / tail / all")
        if r["dataset · metric"].startswith("tagging: pos · f1") and r["model"] == "glot500-large"
    )  # fmt: skip
    assert row["languages (head/tail)"] == "1/0"
    assert row["tail mean"] == "–"
    assert number(row["head mean"]) == number(row["all mean"]) == pytest.approx(84.0)
    pos = tables_after(markdown, "### pos · f1")
    assert [r["lang"] for r in pos] == ["eng_Latn"]


def test_tsv_and_factors_json_are_machine_readable(built_report):
    out = built_report["out"]
    with open(out / "per_language.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == len(make_rows())  # one line per result row (the missing one has no row)
    error = next(r for r in rows if r["error"])
    assert (error["model"], error["dataset"], error["lang"]) == ERROR[:3] and error["value"] == ""
    gain = next(
        r for r in rows if r["model"] == LARGE and r["dataset"] == "pseudo_perplexity" and r["lang"] == "yor_Latn"
    )
    assert float(gain["gain_vs_base"]) == pytest.approx(
        float(
            next(
                r
                for r in rows
                if r["model"] == BASE and r["dataset"] == "pseudo_perplexity" and r["lang"] == "yor_Latn"
            )["value"]
        )
        - float(gain["value"])
    )
    factors = json.loads((out / "factors.json").read_text(encoding="utf-8"))
    assert factors["factors"]["log10(n-gram-neighbour data + 1)"][NO_CORPUS_TEXT] is None  # unknown, not NaN
    assert factors["unseen_scripts"] == {"Cyrl": False, "Deva": False, "Latn": False, "Thaa": True, "Tibt": True}
    assert {a["model"] for a in factors["analyses"]} == {"glot500-small", "glot500-large", "all sized models"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stage"] == "report" and manifest["counts"]["errors"] == 1
    assert manifest["counts"]["rows"] == len(make_rows())


def test_factor_section_states_regressions_in_sentences(built_report):
    markdown = (built_report["out"] / "README.md").read_text(encoding="utf-8")
    assert "glot500-large's gain over xlm-roberta-base" in markdown
    assert "per tenfold more parameters" in markdown  # the capacity factor: three model sizes
    assert "Significant at the 5% level" in markdown or "No factor is significant" in markdown
    overview = tables_after(markdown, "### Rank correlations at a glance")
    assert {r["model"] for r in overview} == {"glot500-small", "glot500-large", "all sized models"}
    assert all(math.isfinite(float(r["R²"])) for r in overview if r["R²"] != "–")


def test_images_exist_for_every_block(built_report):
    images = {p.name for p in (built_report["out"] / "images").glob("*.png")}
    slugs = (
        "classification__taxi1500__macro_f1",
        "retrieval__retrieval_tatoeba__top1",
        "pseudo_perplexity__ppl_per_char",
        "tagging__pos__f1",
    )
    for slug in slugs:
        assert {f"head_tail__{slug}.png", f"score_vs_size__{slug}.png", f"gains__{slug}.png"} <= images
    assert "coverage_by_script.png" in images
    html = built_report["page"].read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # self-contained: no network resources


def test_display_names_drop_what_does_not_tell_models_apart():
    from glot500.report.data import short_names

    runs = ["xlm-roberta-base", "/runs/glot500-base/final", "/runs/glot500-large/final"]
    assert list(short_names(runs).values()) == ["xlm-roberta-base", "glot500-base", "glot500-large"]
    assert short_names(["/tmp/eval/tiny/model"]) == {"/tmp/eval/tiny/model": "tiny"}
    assert short_names(["/a/x/final", "/b/x/final"]) == {"/a/x/final": "/a/x/final", "/b/x/final": "/b/x/final"}


def test_figures_drawn_in_worker_processes_match_the_serial_ones(tmp_path):
    from glot500.report.data import collect_results, short_names
    from glot500.report.figures import render_figures

    results = collect_results(make_rows(), BASE)
    names = short_names(results.models)
    serial = render_figures(results, None, names, 5, tmp_path / "serial", workers=1)
    parallel = render_figures(results, None, names, 5, tmp_path / "parallel", workers=2)
    assert serial == parallel and len(serial.head_tail) == len(serial.gains) == 4 and serial.coverage
    import matplotlib.image as mpimg
    import numpy as np

    # Pixels, not bytes: antialiasing of text may differ by a hair between a fresh worker and the main process.
    for image in (tmp_path / "serial" / "images").iterdir():
        serial_pixels = mpimg.imread(image)
        parallel_pixels = mpimg.imread(tmp_path / "parallel" / "images" / image.name)
        assert serial_pixels.shape == parallel_pixels.shape
        assert (np.abs(serial_pixels - parallel_pixels) > 0.05).mean() < 0.01
