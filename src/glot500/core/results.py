"""The evaluation result schema: ``results.jsonl``, one row per (model, task, dataset, language, metric).

This file is the contract between ``glot500.evaluate`` (writes) and ``glot500.report`` (reads).

Row fields:
    model:   the model's name as given (a path or hub name; never parsed, so "/" is fine).
    task:    task type: ``retrieval``, ``classification``, ``tagging``, ``pseudo_perplexity``, ``roundtrip``.
    dataset: the task folder's name (``retrieval_tatoeba``, ``taxi1500``, ``ner`` ...).
    lang:    language-script label (``deu_Latn``).
    metric:  ``top1``, ``top10``, ``macro_f1``, ``f1``, ``accuracy``, ``ppl_per_char`` ...
    value:   the score (``None`` on an error row).
    n:       number of evaluated items (sentences, pairs, tokens) behind ``value``.
    head:    whether ``lang`` is a head language (XLM-R's pretraining languages).
    error:   ``None``, or the reason this (model, dataset, lang) could not be scored.
    items:   optional per-item scores whose mean is ``value`` (e.g. 0/1 hits), for exact bootstrap CIs.
    higher_is_better: ``False`` for perplexities.
    chance:  optional score of a model that guesses (top-k retrieval: ``k / candidates``; classification: the
             better of a uniform guess and always predicting the majority class), so readers and the report can
             tell a score at chance from a result. Absent in files written before it existed (read as ``None``).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

logger = logging.getLogger(__name__)

RESULTS_NAME = "results.jsonl"
RESULTS_SCHEMA_VERSION = 1


class ResultRow(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str
    task: str
    dataset: str
    lang: str
    metric: str
    value: float | None
    n: int = 0
    head: bool = False
    error: str | None = None
    items: list[float] | None = None
    higher_is_better: bool = True
    chance: float | None = None

    @property
    def is_error(self) -> bool:
        return self.error is not None


def write_results(rows: Iterable[ResultRow], path: str | Path, append: bool = False) -> Path:
    """Write rows as JSON lines (``append`` adds to an existing file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a" if append else "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(row.model_dump_json(exclude_none=False) + "\n")
    return path


def read_results(path: str | Path) -> Iterator[ResultRow]:
    """Rows of a ``results.jsonl``; a malformed line raises ``ValueError`` naming the file and line.

    A row whose numbers are not scores (see :func:`checked_row`) is read as an error row giving the reason, with
    a warning.
    """
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row, problem = checked_row(json.loads(line))
            except (json.JSONDecodeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: not a valid result row: {error}") from None
            if problem is not None:
                logger.warning("%s:%d: %s: read as an error row", path, number, problem)
            yield row


def checked_row(record: Any) -> tuple[ResultRow, str | None]:
    """The row of one decoded ``results.jsonl`` record, and why its numbers are not scores (``None`` when they are).

    A value, chance or per-item score that is not a finite JSON number (NaN, an infinity, the string ``"0.5"``),
    or a count ``n`` that is not a whole number >= 0, makes the row an error row giving the reason: never a score.

    Raises:
        ValueError: the record is not a result row (not a JSON object, a field missing or of the wrong type).
    """
    if not isinstance(record, dict):
        raise ValueError(f"a JSON object expected, got {type(record).__name__}")
    problem = number_problem(record)
    if problem is not None:
        earlier = record.get("error")
        error = f"{earlier}; {problem}" if isinstance(earlier, str) and earlier else problem
        record = {**record, "value": None, "items": None, "chance": None, "n": 0, "error": error}
    return ResultRow.model_validate(record), problem


def number_problem(record: dict[str, Any]) -> str | None:
    """Why a row's numbers cannot be read as scores (``None`` when they can): a value, chance or per-item
    score that is not a finite JSON number, or a count ``n`` that is not a whole number >= 0."""
    for key in ("value", "chance"):
        problem = _finite_problem(record.get(key))
        if problem is not None:
            return f"{problem} {key} {record.get(key)!r}"
    items = record.get("items")
    if items is not None:
        if not isinstance(items, list):
            return f"items is not a list ({type(items).__name__})"
        bad = [item for item in items if item is None or _finite_problem(item) is not None]
        if bad:
            return f"non-finite or non-numeric per-item score {bad[0]!r}"
    n = record.get("n", 0)
    whole = isinstance(n, int) or (isinstance(n, float) and n.is_integer())
    if isinstance(n, bool) or not whole or n < 0:
        return f"n {n!r} is not a count"
    return None


def _finite_problem(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "non-numeric"
    if isinstance(value, float) and not math.isfinite(value):
        return "non-finite"
    return None
