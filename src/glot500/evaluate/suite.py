"""Run tasks over models: ``OUT/results.jsonl`` (rows appended as each task finishes), ``summary.md``/``.tsv``
and ``manifest.json``."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from glot500.core.config import looks_local
from glot500.core.errors import ConfigError, Glot500Error, InputError
from glot500.core.locks import output_lock
from glot500.core.manifest import write_manifest
from glot500.core.results import RESULTS_NAME, RESULTS_SCHEMA_VERSION, ResultRow, write_results
from glot500.evaluate.base import Task, TaskData, score_each_language
from glot500.evaluate.classification import ClassificationTask
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import ID_FILES, detect_task_type, language_dirs
from glot500.evaluate.encoder import Encoder, HFEncoder
from glot500.evaluate.perplexity import PseudoPerplexityTask
from glot500.evaluate.retrieval import RetrievalTask
from glot500.evaluate.roundtrip import RoundTripTask
from glot500.evaluate.summary import write_summary
from glot500.evaluate.tagging import TaggingTask

logger = logging.getLogger(__name__)

MODEL_LOAD_ERROR = "cannot load model"  # the start of every error row of a model that did not load

TASKS: dict[str, type] = {
    "retrieval": RetrievalTask,
    "classification": ClassificationTask,
    "tagging": TaggingTask,
    "pseudo_perplexity": PseudoPerplexityTask,
    "roundtrip": RoundTripTask,
}


@dataclass(frozen=True)
class TaskSpec:
    """One task type over one task folder."""

    task_type: str
    folder: Path


def make_task(task_type: str, config: EvalConfig) -> Task:
    if task_type not in TASKS:
        raise ConfigError(f"unknown task {task_type!r}; choose one of {', '.join(TASKS)}")
    return TASKS[task_type](config)


def spec_for(folder: Path, task_type: str | None = None) -> TaskSpec:
    """The task of a folder: ``task_type`` when given, else detected from its files."""
    detected = task_type or detect_task_type(folder)
    if detected is None:
        raise InputError(f"{folder}: no language folder follows a known task layout (see docs/evaluate.md)")
    return TaskSpec(detected, folder)


def discover_tasks(tasks_dir: Path, extras: bool = True) -> list[TaskSpec]:
    """Every task folder under ``tasks_dir``; with ``extras``, pseudo-perplexity over each retrieval folder's
    target side and round-trip alignment over retrieval folders with shared sentence ids."""
    specs: list[TaskSpec] = []
    for folder in sorted(p for p in Path(tasks_dir).iterdir() if p.is_dir() and not p.name.startswith(".")):
        task_type = detect_task_type(folder)
        if task_type is None:
            logger.warning("%s: not a task folder, skipped", folder)
            continue
        specs.append(TaskSpec(task_type, folder))
        if extras and task_type == "retrieval":
            specs.append(TaskSpec("pseudo_perplexity", folder))
            if all(any((d / name).is_file() for name in ID_FILES) for d in language_dirs(folder)):
                specs.append(TaskSpec("roundtrip", folder))
    if not specs:
        raise InputError(f"{tasks_dir}: no task folders found (see docs/evaluate.md for the layout)")
    return specs


def evaluate(
    models: list[str],
    specs: list[TaskSpec],
    output: Path,
    config: EvalConfig | None = None,
    encoder_factory: Callable[[str, EvalConfig], Encoder] | None = None,
) -> list[ResultRow]:
    """Score every model on every task; returns all rows (also in ``output/results.jsonl``).

    Every model given as a local path is checked before anything is scored. A model that exists but does not
    load (a damaged folder, a hub name without network) gets an error row per task and language, starting with
    ``cannot load model``, and the other models are still scored (``config.fail_fast`` stops instead); when no
    model loads, that is an error. A task folder whose own files are broken (``labels.txt``) gives error rows for
    its languages and the other tasks go on.

    Raises:
        InputError: a model path does not exist; no model loads; a task folder does not exist.
        Glot500Error: the output cannot be written (say the disk is full).
    """
    config = config or EvalConfig()
    if encoder_factory is None:
        check_model_paths(models)
    factory = encoder_factory or _hf_encoder
    output = Path(output)
    with _writing(output):
        output.mkdir(parents=True, exist_ok=True)
    with output_lock(output, "evaluation"):  # a second evaluation into the same folder stops at once
        return _evaluate(models, output, _loaded_tasks(specs, config), config, factory)


def _loaded_tasks(specs: list[TaskSpec], config: EvalConfig) -> list[tuple[TaskSpec, Task, TaskData]]:
    """Every task folder read once (a broken folder becomes error rows, see :func:`_load_task`)."""
    tasks = [(spec, make_task(spec.task_type, config)) for spec in specs]
    return [(spec, task, _load_task(task, spec, config)) for spec, task in tasks]


def _evaluate(
    models: list[str], output: Path, loaded: list, config: EvalConfig, factory: Callable[[str, EvalConfig], Encoder]
) -> list[ResultRow]:
    results_path = output / RESULTS_NAME
    with _writing(results_path):
        results_path.write_text("", encoding="utf-8")
    rows: list[ResultRow] = []
    timings: dict[str, float] = {}
    unloaded: dict[str, str] = {}
    for model_name in models:
        try:
            encoder = factory(model_name, config)
        except Exception as error:  # one model that does not load never loses the others' scores
            if config.fail_fast:
                raise
            logger.error("%s: %s: %s", model_name, MODEL_LOAD_ERROR, error)
            unloaded[model_name] = f"{MODEL_LOAD_ERROR}: {error}"
            failed = _unloaded_rows(model_name, loaded, unloaded[model_name], config)
            with _writing(results_path):
                write_results(failed, results_path, append=True)
            rows.extend(failed)
            continue
        for spec, task, data in loaded:
            started = time.perf_counter()
            logger.info(
                "%s: %s on %s (%d languages)",
                model_name,
                spec.task_type,
                data.dataset,
                len(data.languages) + len(data.errors),
            )
            task_rows = _score_task(task, encoder, data, config)
            timings[f"{model_name} {spec.task_type} {data.dataset}"] = round(time.perf_counter() - started, 2)
            with _writing(results_path):
                write_results(task_rows, results_path, append=True)
            rows.extend(task_rows)
        del encoder
        _free_memory()
    if models and len(unloaded) == len(models):  # nothing was scored: one line (the error rows are in results.jsonl)
        raise InputError("; ".join(f"{name}: {reason}" for name, reason in unloaded.items()))
    with _writing(output):
        write_summary(rows, output)
        _write_manifest(output, models, [spec for spec, _, _ in loaded], config, rows, timings)
    return rows


def _load_task(task: Task, spec: TaskSpec, config: EvalConfig) -> TaskData:
    """The task folder's data; a folder-level problem (a broken ``labels.txt``) makes every language of that task
    an error row instead of stopping the suite (``fail_fast``: it stops)."""
    try:
        return task.load(spec.folder)
    except Glot500Error as error:
        if config.fail_fast or not spec.folder.is_dir():
            raise
        logger.error("%s: %s", spec.folder, error)
        names = [lang_dir.name for lang_dir in language_dirs(spec.folder)]
        return TaskData(spec.folder.name, spec.folder, errors={name: str(error) for name in names},
                        extra={"task_error": str(error)})  # fmt: skip


def check_model_paths(models: list[str]) -> None:
    """Every model that can only be a path (``/x``, ``./x``, ``a/b/c``) must exist: one line naming the missing."""
    missing = [name for name in models if looks_local(name) and not Path(name).expanduser().exists()]
    if missing:
        raise InputError(f"model path does not exist: {', '.join(missing)}; nothing was scored")


@dataclass(frozen=True)
class _Unloaded:
    """Stands in for the encoder of a model that did not load: the rows only need its name."""

    name: str


def _unloaded_rows(model: str, loaded: list, reason: str, config: EvalConfig) -> list[ResultRow]:
    rows: list[ResultRow] = []
    for _, task, data in loaded:
        failed = replace(data, extra={**data.extra, "task_error": reason})
        rows += score_each_language(task, _Unloaded(model), failed, config, lambda lang, _: [])
    return rows


@contextmanager
def _writing(path: Path):
    """A failing write (disk full, no permission) as one line naming the path, not a traceback."""
    try:
        yield
    except OSError as error:
        raise Glot500Error(f"cannot write {path}: {error.strerror or error}") from None


def _score_task(task: Task, encoder: Encoder, data: TaskData, config: EvalConfig) -> list[ResultRow]:
    """The task's rows; if the whole task fails (say fine-tuning runs out of memory), an error row per language."""
    try:
        return task.score(encoder, data)
    except Exception as error:  # one task never stops a suite over many
        if config.fail_fast:
            raise
        logger.exception("%s: %s on %s failed", encoder.name, task.task_type, data.dataset)
        failed = replace(data, extra={**data.extra, "task_error": f"{type(error).__name__}: {error}"})
        return score_each_language(task, encoder, failed, config, lambda lang, _: [])


def _hf_encoder(name: str, config: EvalConfig) -> Encoder:
    try:
        return HFEncoder(name, device=config.device, batch_size=config.batch_size, max_length=config.max_length)
    except OSError as error:
        raise InputError(f"cannot load model {name!r}: {error}") from None


def _free_memory() -> None:
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:  # pragma: no cover
        pass


def _write_manifest(
    output: Path,
    models: list[str],
    specs: list[TaskSpec],
    config: EvalConfig,
    rows: list[ResultRow],
    timings: dict[str, float],
) -> None:
    per_dataset: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = per_dataset.setdefault(f"{row.task}/{row.dataset}", {"rows": 0, "error_rows": 0})
        counts["rows"] += 1
        counts["error_rows"] += row.error is not None
    write_manifest(
        output,
        "evaluate",
        RESULTS_SCHEMA_VERSION,
        config=config.model_dump(),
        inputs={"models": models, "tasks": [{"task": s.task_type, "folder": str(s.folder)} for s in specs]},
        counts={"rows": len(rows), "error_rows": sum(r.error is not None for r in rows), "per_task": per_dataset},
        seconds=timings,
    )
