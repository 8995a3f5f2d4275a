"""``read_results`` (pipeline summary, model card) reads numbers that are not scores as the report does."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from glot500.core.results import read_results


def _row(lang: str, value, **extra) -> dict:
    return {"model": "m", "task": "classification", "dataset": "sib200", "lang": lang, "metric": "accuracy",
            "value": value, "n": 40, **extra}  # fmt: skip


def test_non_finite_and_non_numeric_values_are_error_rows(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    records = [_row("deu_Latn", 0.5), _row("yor_Latn", math.nan), _row("quy_Latn", math.inf),
               _row("fon_Latn", "0.5"), _row("ewe_Latn", 0.5, items=[1.0, None]),
               _row("twi_Latn", None, error="no test split")]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    rows = {row.lang: row for row in read_results(path)}
    assert rows["deu_Latn"].value == 0.5 and rows["deu_Latn"].error is None
    assert rows["yor_Latn"].error == "non-finite value nan" and rows["yor_Latn"].value is None
    assert rows["quy_Latn"].error == "non-finite value inf" and rows["quy_Latn"].n == 0
    assert rows["fon_Latn"].error == "non-numeric value '0.5'"
    assert rows["ewe_Latn"].error == "non-finite or non-numeric per-item score None" and rows["ewe_Latn"].items is None
    assert rows["twi_Latn"].error == "no test split"


def test_a_line_that_is_not_an_object_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(_row("deu_Latn", 0.5)) + "\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"results.jsonl:2: not a valid result row: a JSON object expected"):
        list(read_results(path))
