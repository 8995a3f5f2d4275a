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
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

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
    """Rows of a ``results.jsonl``; a malformed line raises ``ValueError`` naming the file and line."""
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield ResultRow.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: not a valid result row: {error}") from None
