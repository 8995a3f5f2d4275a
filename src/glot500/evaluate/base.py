"""What every task shares: the :class:`Task` Protocol, per-language data with its load errors, result rows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from glot500.core.errors import Glot500Error, LanguageCodeError
from glot500.core.results import ResultRow
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import LanguageDataError, language_dirs
from glot500.evaluate.encoder import Encoder

logger = logging.getLogger(__name__)


@dataclass
class TaskData:
    """A loaded task folder: per-language data, or the error that made a language unusable."""

    dataset: str
    folder: Path
    languages: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # task-specific: English train/dev, labels ...


class Task(Protocol):
    """A task type: reads a task folder, scores an encoder on it, one :class:`ResultRow` per cell."""

    task_type: str
    metrics: tuple[str, ...]
    higher_is_better: bool

    def load(self, folder: Path) -> TaskData: ...

    def score(self, encoder: Encoder, data: TaskData) -> list[ResultRow]: ...


def load_languages(folder: Path, read: Callable[[Path, str], Any], skip: Sequence[str] = ()) -> TaskData:
    """Read every language folder with ``read(lang_dir, lang)``; a failing one is recorded, the rest go on."""
    data = TaskData(dataset=folder.name, folder=folder)
    for lang_dir in language_dirs(folder):
        lang = lang_dir.name
        if lang in skip:
            continue
        try:
            check_label(lang)
            data.languages[lang] = read(lang_dir, lang)
        except (LanguageDataError, LanguageCodeError) as error:
            logger.warning("%s/%s: %s", folder.name, lang, error)
            data.errors[lang] = str(error)
    return data


def load_training_splits(data: TaskData, train_lang: str, read: Callable[[Path], Any], suffix: str) -> bool:
    """Read ``<train_lang>/train<suffix>`` and ``dev<suffix>`` into ``data.extra`` (``train``, ``dev``), or record
    why they are unusable in ``data.extra["task_error"]``; True when they were read."""
    train_dir = data.folder / train_lang
    try:
        data.extra.update(train=read(train_dir / f"train{suffix}"), dev=read(train_dir / f"dev{suffix}"))
    except LanguageDataError as error:
        data.extra["task_error"] = f"no usable {train_lang} training data: {error}"
        return False
    return True


def check_label(lang: str) -> None:
    from glot500.languages import LangScript

    LangScript.parse(lang)


def is_head_safe(lang: str) -> bool:
    from glot500.languages import is_head

    try:
        return is_head(lang)
    except Glot500Error:
        return False


class RowMaker:
    """Builds the rows of one (model, task, dataset): values, and error rows for every metric of a language."""

    def __init__(self, task: Task, encoder_name: str, data: TaskData) -> None:
        self.task, self.model, self.dataset = task, encoder_name, data.dataset
        self.metrics: tuple[str, ...] = data.extra.get("metrics", task.metrics)  # tagging: depends on the tags

    def value(
        self, lang: str, metric: str, value: float, n: int, items: list[float] | None = None,
        chance: float | None = None,
    ) -> ResultRow:  # fmt: skip
        return ResultRow(
            model=self.model,
            task=self.task.task_type,
            dataset=self.dataset,
            lang=lang,
            metric=metric,
            value=float(value),
            n=n,
            head=is_head_safe(lang),
            items=items,
            higher_is_better=self.task.higher_is_better,
            chance=chance,
        )

    def errors(self, lang: str, reason: str) -> list[ResultRow]:
        return [
            ResultRow(
                model=self.model,
                task=self.task.task_type,
                dataset=self.dataset,
                lang=lang,
                metric=metric,
                value=None,
                n=0,
                head=is_head_safe(lang),
                error=reason,
                higher_is_better=self.task.higher_is_better,
            )
            for metric in self.metrics
        ]


def score_each_language(
    task: Task, encoder: Encoder, data: TaskData, config: EvalConfig, score_one: Callable[[str, Any], list[ResultRow]]
) -> list[ResultRow]:
    """Rows for every language: load errors become error rows; a language that fails while scoring too,
    unless ``config.fail_fast``."""
    rows = RowMaker(task, encoder.name, data)
    out: list[ResultRow] = []
    if data.extra.get("task_error"):  # e.g. no English training data: every language fails the same way
        if config.fail_fast:
            raise LanguageDataError(f"{data.dataset}: {data.extra['task_error']}")
        return [
            row
            for lang in sorted(set(data.languages) | set(data.errors))
            for row in rows.errors(lang, data.errors.get(lang, data.extra["task_error"]))
        ]
    for lang in sorted(set(data.languages) | set(data.errors)):
        if lang in data.errors:
            if config.fail_fast:
                raise LanguageDataError(f"{data.dataset}/{lang}: {data.errors[lang]}")
            out.extend(rows.errors(lang, data.errors[lang]))
            continue
        try:
            out.extend(score_one(lang, data.languages[lang]))
        except Exception as error:  # one language never stops a run over hundreds
            if config.fail_fast:
                raise
            logger.exception("%s: %s/%s failed", encoder.name, data.dataset, lang)
            out.extend(rows.errors(lang, f"{type(error).__name__}: {error}"))
    return out
