"""Values that are not scores (NaN, infinities, strings) become error rows; a torn last line is skipped, counted."""

from __future__ import annotations

import csv
import json
import math

import pytest

from glot500.core.errors import InputError
from glot500.core.results import ResultRow
from glot500.report import build_report
from glot500.report.inputs import ReadCounts, read_all_results


def _row(model: str, lang: str, value) -> dict:
    return {"model": model, "task": "classification", "dataset": "sib200", "lang": lang, "metric": "accuracy",
            "value": value, "n": 40, "head": lang == "deu_Latn"}  # fmt: skip


def _write(path, records, tail: str = "") -> None:
    # json.dumps writes NaN and Infinity as bare tokens, as Python's json.loads accepts them
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail, encoding="utf-8")


def _records():
    langs = ("deu_Latn", "yor_Latn", "quy_Latn", "fon_Latn")
    base = [_row("base", lang, 0.5) for lang in langs]
    new = [_row("new", "deu_Latn", 0.6), _row("new", "yor_Latn", math.nan), _row("new", "quy_Latn", math.inf),
           _row("new", "fon_Latn", "0.5")]  # fmt: skip
    return base + new


def test_non_finite_and_non_numeric_values_are_error_rows_with_the_reason(tmp_path):
    results = tmp_path / "results.jsonl"
    _write(results, _records(), tail='{"model": "new", "task": "classifi')  # killed while appending
    counts = ReadCounts()
    rows = {(r.model, r.lang): r for r in read_all_results([results], counts)}
    assert (counts.torn_lines, counts.bad_values) == (1, 3)
    assert rows[("new", "deu_Latn")].value == 0.6
    assert rows[("new", "yor_Latn")].error == "non-finite value nan" and rows[("new", "yor_Latn")].value is None
    assert rows[("new", "quy_Latn")].error == "non-finite value inf"
    assert rows[("new", "fon_Latn")].error == "non-numeric value '0.5'"

    page = build_report(results, out_dir=tmp_path / "report", resamples=50, workers=1)
    manifest = json.loads((page.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["errors"] == 3
    assert (manifest["counts"]["torn_lines"], manifest["counts"]["bad_values"]) == (1, 3)
    with open(page.parent / "per_language.tsv", encoding="utf-8") as handle:
        cells = {(r["model"], r["lang"]): r for r in csv.DictReader(handle, delimiter="\t")}
    assert cells[("new", "yor_Latn")]["value"] == "" and cells[("new", "yor_Latn")]["gain_vs_base"] == ""
    assert cells[("new", "fon_Latn")]["error"] == "non-numeric value '0.5'"
    markdown = (page.parent / "README.md").read_text(encoding="utf-8")
    assert "3 error rows" in markdown and "error: non-finite value nan" in markdown
    assert not any(gain in markdown.lower() for gain in ("+nan", "+inf", "-inf", "| nan", "| inf"))


def test_rows_in_memory_with_a_non_finite_value_are_error_rows(tmp_path):
    rows = [ResultRow(**_row("base", "deu_Latn", 0.5)), ResultRow(**_row("base", "yor_Latn", 0.4)),
            ResultRow(**_row("new", "deu_Latn", math.nan)), ResultRow(**_row("new", "yor_Latn", 0.45))]  # fmt: skip
    page = build_report(rows, out_dir=tmp_path / "report", resamples=50, workers=1)
    manifest = json.loads((page.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["errors"] == 1


@pytest.mark.parametrize(
    ("line", "reason"),
    [("not json at all", "not a valid result row"), ('{"model": "m"}', "not a valid result row"), ("[1, 2]", "JSON object")],
)
def test_a_malformed_line_before_the_end_names_file_and_line(tmp_path, line, reason):
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(_row("base", "deu_Latn", 0.5)) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        list(read_all_results([results]))
    assert str(error.value).startswith(f"{results}:2: ") and reason in str(error.value)
    assert "\n" not in str(error.value)


def test_a_value_that_is_not_the_mean_of_its_items_is_an_error_row():
    from glot500.report.data import collect_results

    rows = [ResultRow(**_row("base", "deu_Latn", 0.5), items=[1.0, 0.0]),
            ResultRow(**_row("base", "yor_Latn", 0.9), items=[0.0, 0.0])]  # fmt: skip
    block = next(iter(collect_results(rows).blocks.values()))
    assert block.cell("base", "deu_Latn").ok
    assert block.cell("base", "yor_Latn").error == "value 0.9 is not the mean of its 2 per-item scores (0.0)"


def test_a_full_disk_while_writing_the_report_is_one_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import glot500.report.build as build
    from glot500.cli import app
    from glot500.cli.oserrors import FileSystemError

    results = tmp_path / "results.jsonl"
    _write(results, [_row("base", "deu_Latn", 0.5), _row("new", "deu_Latn", 0.6)])

    def disk_full(result_set, sizes, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(build, "_write_tsv", disk_full)
    result = CliRunner().invoke(app, ["report", str(results), "-o", str(tmp_path / "rep"), "--workers", "1"])
    assert isinstance(result.exception, FileSystemError)
    assert str(result.exception) == f"{tmp_path / 'rep' / 'per_language.tsv'}: No space left on device"
