"""The report's view of ``results.jsonl``: blocks of scores per (task, dataset, metric), one cell per model x language."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from glot500.core.results import ResultRow

logger = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class BlockKey:
    """One row of the overall table: a dataset scored with one metric."""

    task: str
    dataset: str
    metric: str

    @property
    def title(self) -> str:
        return f"{self.dataset} · {self.metric}"

    @property
    def slug(self) -> str:
        """File-name-safe ``dataset__metric``, with the task in front when it differs from the dataset's name (one
        dataset folder can serve several tasks: retrieval_bible gives retrieval, roundtrip and perplexity)."""
        parts = [self.dataset, self.metric] if self.task == self.dataset else [self.task, self.dataset, self.metric]
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", "__".join(parts)).strip("-")


@dataclass
class Cell:
    """One model's score on one language: a value with n and a confidence interval, or an error."""

    value: float | None
    n: int
    error: str | None = None
    low: float | None = None
    high: float | None = None
    ci_method: str | None = None  # "items" (bootstrap over per-item scores), "binomial" (parametric), None
    chance: float | None = None  # the score of guessing (ResultRow.chance), when the task knows it

    @property
    def ok(self) -> bool:
        return self.error is None and self.value is not None

    @property
    def at_chance(self) -> bool:
        """Within noise of chance (higher-is-better scores): the confidence interval reaches the chance level, or,
        without an interval, the score is not above it."""
        if not self.ok or self.chance is None:
            return False
        low = self.low if self.low is not None else self.value
        return low <= self.chance + 1e-12


@dataclass
class Block:
    """All scores of one (task, dataset, metric): ``cells[(model, lang)]``; a missing key is a missing language."""

    key: BlockKey
    higher_is_better: bool = True
    models: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    head: dict[str, bool] = field(default_factory=dict)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    items: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    @cached_property  # asked for every formatted number: compute once (values never change after loading)
    def proportion(self) -> bool:
        """Scores in [0, 1] that grow with quality (accuracy, top-k, F1): shown as percentages."""
        values = [cell.value for cell in self.cells.values() if cell.ok]
        return self.higher_is_better and bool(values) and all(0.0 <= v <= 1.0 for v in values)

    @property
    def scale(self) -> float:
        """Factor from stored values to displayed ones (100 for proportions)."""
        return 100.0 if self.proportion else 1.0

    @property
    def diagnostic(self) -> bool:
        """A metric kept for comparison only (``*_raw``, e.g. ``ppl_per_char_raw``): shown per language, never
        in the head / tail / all overview or the gains."""
        return self.key.metric.endswith("_raw")

    def chance(self, langs: list[str] | None = None) -> float | None:
        """Mean chance level over ``langs`` (all languages by default), ``None`` when no row states one."""
        levels = [
            c.chance for (_, lang), c in self.cells.items() if c.chance is not None and (langs is None or lang in langs)
        ]
        return sum(levels) / len(levels) if levels else None

    def cell(self, model: str, lang: str) -> Cell | None:
        return self.cells.get((model, lang))

    def scored_models(self) -> list[str]:
        """Models with at least one valid score here."""
        return [m for m in self.models if any(self.cells.get((m, lang), Cell(None, 0)).ok for lang in self.langs)]

    def common_langs(self) -> list[str]:
        """Languages every scored model has a valid score for: the set the overall averages are taken over."""
        models = self.scored_models()
        return [lang for lang in self.langs if models and all(_ok(self.cells.get((m, lang))) for m in models)]


def _ok(cell: Cell | None) -> bool:
    return cell is not None and cell.ok


@dataclass
class ResultSet:
    """Every block, the models in the order given (base first) and counts of what was read."""

    blocks: dict[BlockKey, Block]
    models: list[str]
    base: str | None
    rows_read: int = 0
    duplicates: int = 0

    def languages(self) -> list[str]:
        return sorted({lang for block in self.blocks.values() for lang in block.langs})

    def error_rows(self) -> list[tuple[str, BlockKey, str, str]]:
        """``(model, block, lang, reason)`` of every error row."""
        return [
            (model, block.key, lang, cell.error)
            for block in self.blocks.values()
            for (model, lang), cell in sorted(block.cells.items())
            if cell.error is not None
        ]


def collect_results(rows: Iterable[ResultRow], base: str | None = None) -> ResultSet:
    """Group rows into blocks. A later row for the same (model, dataset, lang, metric) replaces an earlier one.

    Raises:
        ValueError: ``base`` is given but no row has that model.
    """
    blocks: dict[BlockKey, Block] = {}
    models: list[str] = []
    read = duplicates = 0
    for row in rows:
        read += 1
        key = BlockKey(row.task, row.dataset, row.metric)
        block = blocks.get(key) or blocks.setdefault(key, Block(key, higher_is_better=row.higher_is_better))
        if row.model not in models:
            models.append(row.model)
        if row.model not in block.models:
            block.models.append(row.model)
        if row.lang not in block.head:
            block.langs.append(row.lang)
        block.head[row.lang] = block.head.get(row.lang, False) or row.head
        if (row.model, row.lang) in block.cells:
            duplicates += 1
        error = row.error if row.error is not None else _value_problem(row)
        chance = row.chance if row.chance is not None and math.isfinite(row.chance) else None
        block.cells[(row.model, row.lang)] = Cell(row.value if error is None else None, row.n, error, chance=chance)
        if row.items and error is None:
            block.items[(row.model, row.lang)] = row.items
    if duplicates:
        logger.warning(
            "%d result rows repeated an earlier (model, dataset, lang, metric); the last one was kept", duplicates
        )
    if base is not None and base not in models:
        raise ValueError(f"base model {base!r} is not in the results; models found: {', '.join(models)}")
    if base is not None:
        models = [base] + [m for m in models if m != base]
    for block in blocks.values():
        block.langs.sort()
        block.models = [m for m in models if m in block.models]
    return ResultSet(dict(sorted(blocks.items())), models, base, read, duplicates)


def _value_problem(row: ResultRow) -> str | None:
    """Why a row without an error still has no usable score: no value, or one that is not finite (NaN, inf)."""
    if row.value is None:
        return "no value"
    if not math.isfinite(row.value):
        return f"non-finite value {row.value}"
    if row.items is not None and not all(math.isfinite(item) for item in row.items):
        return "non-finite per-item score"
    if row.items:  # the schema: value is the mean of the per-item scores the intervals resample
        mean = math.fsum(row.items) / len(row.items)
        if not math.isclose(mean, row.value, rel_tol=1e-9, abs_tol=1e-12):
            return f"value {row.value} is not the mean of its {len(row.items)} per-item scores ({mean})"
    return None


_GENERIC_LAST = re.compile(r"^(model|final|best|last|hf|output|checkpoint(-\d+)?)$")


def short_names(models: list[str]) -> dict[str, str]:
    """Display names: the last path component that tells models apart.

    ``/runs/glot500-base/final`` and ``/runs/glot500-large/final`` become ``glot500-base`` and ``glot500-large``
    (a last component shared by several models, or a generic one like ``final``, ``model``, ``checkpoint-500``,
    says nothing); hub names such as
    ``xlm-roberta-base`` stay. When that is still ambiguous, the full names are used.
    """
    parts = {m: [p for p in m.split("/") if p] or [m] for m in models}
    last_counts: dict[str, int] = {}
    for components in parts.values():
        last_counts[components[-1]] = last_counts.get(components[-1], 0) + 1
    names = {}
    for model, components in parts.items():
        generic = last_counts[components[-1]] > 1 or _GENERIC_LAST.match(components[-1])
        telling = components[:-1] if generic and len(components) > 1 else components
        names[model] = telling[-1] if telling else components[-1]
    return names if len(set(names.values())) == len(models) else {m: m for m in models}
