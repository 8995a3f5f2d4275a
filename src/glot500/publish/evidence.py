"""What the card says about data and scores, read from files: the corpus card and stats, and ``results.jsonl``.

* languages: the corpus's kept language-scripts (``stats.json``), else the corpus card's table, else the languages
  the model was scored on;
* sources and their licences: the source names on the corpus card's first line, matched against
  ``data/known_sources.json``;
* scores: the report's key findings (:mod:`glot500.report.findings`) of the model against the base.
"""

from __future__ import annotations

import json
import re
from contextlib import suppress
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.core.results import ResultRow, read_results

_SOURCE = re.compile(r"`([^`]+)` \(([^)]+)\)")
_CARD_ROW = re.compile(r"^\| ([a-z]{2,3}_[A-Z][a-z]{3}) \|")


@dataclass
class Source:
    """One corpus source as the card names it, with what is known about its licence."""

    path: str
    kind: str
    name: str
    license: str
    terms: str
    dataset: str | None = None


@dataclass
class Corpus:
    sources: list[Source] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    kept_chunks: int | None = None
    kept_mb: float | None = None


def read_corpus(card: Path | None, stats: Path | None) -> Corpus:
    """Sources (from the card) and kept languages (from ``stats.json``, else the card's table)."""
    corpus = Corpus()
    if card is not None:
        text = _read_text(card, "corpus card")
        first = next((line for line in text.splitlines() if line.startswith("Built by")), "")
        corpus.sources = [_source(path, kind) for path, kind in _SOURCE.findall(first)]
        corpus.languages = sorted({m.group(1) for line in text.splitlines() if (m := _CARD_ROW.match(line))})
    if stats is not None:
        data = _read_json(stats, "corpus stats")
        languages = data.get("languages") or {}
        corpus.languages = sorted(
            label for label, entry in languages.items() if entry.get("kept") and not entry.get("excluded")
        )
        totals = data.get("totals") or {}
        corpus.kept_chunks = totals.get("kept")
        corpus.kept_mb = totals["kept_bytes"] / 1e6 if "kept_bytes" in totals else None
    return corpus


def _source(path: str, kind: str) -> Source:
    known = json.loads(files("glot500.publish").joinpath("data/known_sources.json").read_text(encoding="utf-8"))
    for entry in known["sources"]:
        if entry["match"] in path.lower():
            return Source(path, kind, entry["name"], entry["license"], entry["terms"], entry["dataset"])
    return Source(path, kind, Path(path).name or path, "unknown", "Not a source glot500 knows: check its terms.")


def read_rows(path: Path) -> list[ResultRow]:
    try:
        return list(read_results(path))
    except FileNotFoundError:
        raise InputError(f"{path}: results file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(str(error) if str(path) in str(error) else f"{path}: {error}") from None


def pick_model(rows: list[ResultRow], wanted: str | None, base: str | None, path: Path) -> str:
    """The model whose scores go on the card: ``wanted``, else the only model in the results besides the base."""
    models = list(dict.fromkeys(row.model for row in rows))
    if wanted is not None:
        if wanted not in models:
            raise InputError(f"{path}: no rows for model {wanted!r}; models found: {', '.join(models)}")
        return wanted
    candidates = [m for m in models if m != base]
    if len(candidates) != 1:
        raise InputError(
            f"{path}: {len(candidates)} models besides the base ({', '.join(candidates) or 'none'}): "
            "say which one is published with --results-model"
        )
    return candidates[0]


def hub_language_codes(labels: list[str]) -> list[str]:
    """The Hub's ``language:`` list: ISO 639-1 where the language has one, else ISO 639-3; one entry per language."""
    import iso639

    codes: list[str] = []
    for label in labels:
        code = label.split("_", 1)[0]
        with suppress(iso639.LanguageNotFoundError, KeyError):  # not in ISO 639-3 (private use): kept as it is
            code = iso639.Language.from_part3(code).part1 or code
        if code not in codes:
            codes.append(code)
    return codes


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the {what}: {error}") from None


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(_read_text(path, what))
    except ValueError as error:
        raise InputError(f"{path}: the {what} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the {what} must be a JSON object")
    return data
