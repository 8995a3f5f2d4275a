"""What to publish: a run folder (``glot500 run`` / ``demo``) or a model folder, and the files that describe it.

A run folder (``<workdir>``) holds one folder per stage (see :mod:`glot500.pipeline.graph`): the extended model
is ``glot/final`` (the trained ``glot`` stage), its scores are in ``evaluate/results.jsonl`` under the model names
``glot`` and ``base``, the corpus card is ``corpus/README.md`` (with ``corpus/stats.json``), and the report stage's
record ``report/.glot500-stage.json`` holds each model's recipe. Each stage's record
``<stage>/.glot500-stage.json`` names its inputs: ``model_extend``'s ``base`` input says which model was extended
(a hub name, or ``@base/final`` when the run trained its own base). Only files are read here: no stage is imported.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError

logger = logging.getLogger(__name__)

RECORD_NAME = ".glot500-stage.json"  # the pipeline runner's per-stage record (glot500.pipeline.runner)
RUN_MODEL = "glot"  # the extended model's stage (and its name in results.jsonl)
RUN_BASE = "base"
TRAINED_MODEL = "final"  # the HF folder a train stage leaves in its output


@dataclass
class PublishSource:
    """Everything the card is built from; paths are ``None`` where the input has no such file."""

    model_dir: Path
    model_name: str | None = None  # the model's name in results.jsonl
    base_name: str | None = None  # the base model's name in results.jsonl
    base_model: str | None = None  # a hub id for the card's base_model
    base_note: str | None = None  # "a base model trained ...": where the base came from when it is not a hub model
    results: Path | None = None
    corpus_card: Path | None = None
    corpus_stats: Path | None = None
    recipe: str | None = None
    run_dir: Path | None = None
    notes: list[str] = field(default_factory=list)


def is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file()


def is_run_dir(path: Path) -> bool:
    return (path / RUN_MODEL / TRAINED_MODEL / "config.json").is_file() or (path / RUN_MODEL / RECORD_NAME).is_file()


def resolve_source(path: str | Path) -> PublishSource:
    """A run folder (its extended model ``glot/final``) or a model folder (``config.json`` in it).

    Raises:
        InputError: the path is missing, or is neither a run folder nor a model folder.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: not found (expected a run folder such as runs/demo, or a model folder)")
    if is_model_dir(path):
        return PublishSource(model_dir=path)
    if is_run_dir(path):
        return _run_source(path)
    raise InputError(
        f"{path}: neither a run folder (no {RUN_MODEL}/{TRAINED_MODEL}/config.json: did the run finish its "
        f"'{RUN_MODEL}' stage?) nor a model folder (no config.json)"
    )


def _run_source(run: Path) -> PublishSource:
    model_dir = run / RUN_MODEL / TRAINED_MODEL
    if not is_model_dir(model_dir):
        raise InputError(f"{model_dir}: the run's extended model is missing (run the pipeline to the end first)")
    source = PublishSource(model_dir=model_dir, model_name=RUN_MODEL, base_name=RUN_BASE, run_dir=run)
    results = run / "evaluate" / "results.jsonl"
    source.results = results if results.is_file() else None
    card, stats = run / "corpus" / "README.md", run / "corpus" / "stats.json"
    source.corpus_card = card if card.is_file() else None
    source.corpus_stats = stats if stats.is_file() else None
    report = read_record(run / "report")
    recipes = (report or {}).get("options", {}).get("recipes") or {}
    source.recipe = recipes.get(RUN_MODEL)
    source.base_model, source.base_note = _run_base(run)
    for name, found in (("evaluate/results.jsonl", source.results), ("corpus/README.md", source.corpus_card)):
        if found is None:
            source.notes.append(f"{run / name} not found: the card has no {name.split('/')[0]} section")
    return source


def _run_base(run: Path) -> tuple[str | None, str | None]:
    """``(hub id, None)`` when the run extended a hub model; ``(None, note)`` when it trained its own base."""
    record = read_record(run / "model_extend") or {}
    base = (record.get("inputs") or {}).get("base")
    if not isinstance(base, str) or not base:
        return None, "a base model the run does not record (no model_extend record)"
    if base.startswith("@"):
        return None, f"a base model trained from scratch in the same run (stage '{base[1:].split('/')[0]}')"
    if Path(base).exists():
        return None, f"a base model in a local folder ({base})"
    return base, None


def read_record(stage_dir: Path) -> dict[str, Any] | None:
    """A stage's ``.glot500-stage.json`` (``None`` when absent or unreadable: it only adds details to the card)."""
    path = stage_dir / RECORD_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("%s: unreadable stage record, ignored: %s", path, error)
        return None
    return data if isinstance(data, dict) else None


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path``, or an :class:`InputError` naming the file and the reason."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path}: {what} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: {what} must be a JSON object, not {type(data).__name__}")
    return data
