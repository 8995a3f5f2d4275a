"""Reading the report's inputs: results files, corpus stats, a vocabulary report, model sizes, corpus samples.

Everything here reads documented files; nothing imports another stage's code.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.core.manifest import MANIFEST_NAME
from glot500.core.results import ResultRow, checked_row
from glot500.core.stats import kept_chunks_per_language, read_corpus_stats
from glot500.core.textio import COMPRESSED_SUFFIXES, iter_lines, strip_compression

logger = logging.getLogger(__name__)

_LANG_KEYS = ("lang", "label", "language", "language_script", "langscript")
_TOKENIZER_KEYS = ("tokenizer", "tokenizer_name", "name", "model")
# unk_char_share first: SentencePiece folds a run of unknown characters into one <unk>, so on an unseen script
# the token share can stay modest while most characters are lost (glot500.vocab.report explains this)
_UNK_KEYS = ("unk_char_share", "unk_share", "unk", "unk_rate", "unk_ratio", "share_unk", "unknown_share")
_PARAM_KEYS = ("parameters", "num_parameters", "n_parameters", "params", "n_params", "model_size")
_LABEL = re.compile(r"^[a-z]{2,3}_[A-Z][a-z]{3}$")


@dataclass
class ReadCounts:
    """What reading the results files left out or turned into error rows."""

    torn_lines: int = 0  # a last line cut short (a run killed while writing): skipped
    bad_values: int = 0  # rows whose value, chance or per-item scores were not finite numbers: error rows


def read_all_results(paths: list[Path], counts: ReadCounts | None = None) -> Iterator[ResultRow]:
    """Rows of every results file in order.

    A row whose ``value`` (or ``chance``, ``items``, ``n``) is not a finite number — NaN, an infinity, the string
    ``"0.5"`` — becomes an error row giving the reason: never a score. A file's last line cut short (no line end,
    not JSON: a run killed while appending) is skipped with a warning and counted in ``counts``. Any other
    malformed line is an :class:`InputError` naming file and line.
    """
    counts = counts if counts is not None else ReadCounts()
    for path in paths:
        if path.is_dir():
            path = path / "results.jsonl"
        if not path.is_file():
            raise InputError(f"results file not found: {path}")
        yield from _read_results_file(path, counts)


def _read_results_file(path: Path, counts: ReadCounts) -> Iterator[ResultRow]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(f"{path}:{number}: not valid UTF-8 ({error.reason})") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                if not line.endswith("\n"):
                    logger.warning("%s:%d: last line cut short (an interrupted run?), skipped: %s", path, number, error)
                    counts.torn_lines += 1
                    continue
                raise InputError(f"{path}:{number}: not a valid result row: {error}") from None
            yield _result_row(record, f"{path}:{number}", counts)


def _result_row(record: Any, where: str, counts: ReadCounts) -> ResultRow:
    try:
        row, problem = checked_row(record)
    except ValueError as error:
        reason = " ".join(str(error).split())
        raise InputError(f"{where}: not a valid result row: {reason}") from None
    if problem is not None:
        counts.bad_values += 1
        logger.warning("%s: %s: read as an error row", where, problem)
    return row


def corpus_sizes(stats_path: Path | None) -> dict[str, int] | None:
    """Kept chunks per language from ``stats.json`` (``None`` without stats)."""
    if stats_path is None:
        return None
    try:
        return kept_chunks_per_language(read_corpus_stats(stats_path))
    except (OSError, ValueError) as error:
        raise InputError(f"corpus stats {stats_path}: {error}") from None


@dataclass
class VocabReport:
    """``<unk>`` shares per tokenizer and language, and which files they came from."""

    unk_share: dict[str, dict[str, float]]
    files: list[str]

    def tokenizer_for(self, base: str | None, wanted: str | None) -> str | None:
        """The base tokenizer: ``wanted``, else one named like the base model, else the first listed."""
        names = list(self.unk_share)
        if wanted is not None:
            if wanted not in names:
                raise InputError(f"vocabulary report has no tokenizer {wanted!r}; it has: {', '.join(names)}")
            return wanted
        if base is not None:
            for name in names:
                if name == base or name.rstrip("/").split("/")[-1] == base.rstrip("/").split("/")[-1]:
                    return name
        return names[0] if names else None


def read_vocab_report(path: Path | None) -> VocabReport | None:
    """Read ``<unk>`` shares from a TSV/CSV/JSON/JSONL file, or every such file in a folder (recursively).

    Tolerated shapes: a table with columns ``tokenizer`` (or ``name``/``model``; absent means one tokenizer),
    ``lang`` (or ``label``/``language``) and ``unk_char_share`` (preferred when present: glot500's own vocabulary
    report writes it) or ``unk_share`` (or ``unk``/``unk_rate``); JSON lists of such records,
    ``{"rows": [...]}``, and nesting by tokenizer and/or language keys (``{"tok": {"deu_Latn": {"unk_share":
    0.01}}}``). Files without such columns are skipped.
    """
    if path is None:
        return None
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".tsv", ".csv", ".json", ".jsonl"))
        if path.is_dir()
        else [path]
    )
    shares: dict[str, dict[str, float]] = {}
    used: list[str] = []
    for file in files:
        if file.name == MANIFEST_NAME:
            continue
        try:
            records = list(_vocab_records(file))
        except (OSError, ValueError, csv.Error) as error:
            logger.warning("vocabulary report %s skipped: %s", file, error)
            continue
        if records:
            used.append(str(file))
        for tokenizer, lang, share in records:
            shares.setdefault(tokenizer, {})[lang] = share
    if not shares:
        raise InputError(
            f"vocabulary report {path}: no rows with a language and an unk share (columns lang, unk_share)"
        )
    return VocabReport(shares, used)


def _vocab_records(file: Path) -> Iterator[tuple[str, str, float]]:
    text = file.read_text(encoding="utf-8")
    if file.suffix == ".jsonl":
        for line in text.splitlines():
            if line.strip():
                yield from _json_records(json.loads(line), {})
    elif file.suffix == ".json":
        yield from _json_records(json.loads(text), {})
    else:
        for row in csv.DictReader(io.StringIO(text), delimiter="\t" if file.suffix == ".tsv" else ","):
            record = _record(row, {})
            if record:
                yield record


def _json_records(obj: Any, context: dict[str, str]) -> Iterator[tuple[str, str, float]]:
    """Walk JSON; keys that look like labels give the language, other mapping keys a tokenizer candidate."""
    if isinstance(obj, list):
        for item in obj:
            yield from _json_records(item, context)
        return
    if not isinstance(obj, dict):
        return
    record = _record(obj, context)
    if record:
        yield record
        return
    for key, value in obj.items():
        if isinstance(value, dict | list):
            inner = dict(context)
            if _LABEL.match(str(key)):
                inner["lang"] = str(key)
            elif str(key).lower() in _UNK_KEYS:  # {"unk_share": {"deu_Latn": 0.01, ...}}
                inner["unk_level"] = "yes"
            elif key not in ("rows", "languages", "records", "data", "tokenizers", "per_language", "results"):
                inner.setdefault("tokenizer", str(key))
            yield from _json_records(value, inner)
        elif _LABEL.match(str(key)) and isinstance(value, int | float) and context.get("unk_level"):
            yield context.get("tokenizer", ""), str(key), float(value)


def _record(row: dict[str, Any], context: dict[str, str]) -> tuple[str, str, float] | None:
    lower = {str(k).lower(): v for k, v in row.items()}
    lang = next((lower[k] for k in _LANG_KEYS if lower.get(k) not in (None, "")), context.get("lang"))
    share = next((lower[k] for k in _UNK_KEYS if lower.get(k) not in (None, "")), None)
    if lang is None or share is None:
        return None
    tokenizer = next(
        (lower[k] for k in _TOKENIZER_KEYS if lower.get(k) not in (None, "")), context.get("tokenizer", "")
    )
    try:
        value = float(share)
    except (TypeError, ValueError):
        return None
    return (str(tokenizer), str(lang), value) if math.isfinite(value) else None


def model_sizes_from_manifests(results_paths: list[Path], models: list[str]) -> dict[str, float]:
    """Parameter counts of ``models`` found in the ``manifest.json`` beside each results file, if any.

    Accepted: a mapping from a model name to a number or to a mapping with ``parameters`` (or ``num_parameters``,
    ``params``), anywhere in the manifest.
    """
    sizes: dict[str, float] = {}
    for path in results_paths:
        manifest = (path if path.is_dir() else path.parent) / MANIFEST_NAME
        if manifest.is_file():
            try:
                _find_sizes(json.loads(manifest.read_text(encoding="utf-8")), set(models), sizes)
            except (OSError, ValueError) as error:
                logger.warning("%s: not read for model sizes: %s", manifest, error)
    return sizes


def _find_sizes(obj: Any, models: set[str], sizes: dict[str, float]) -> None:
    if isinstance(obj, list):
        for item in obj:
            _find_sizes(item, models, sizes)
    if not isinstance(obj, dict):
        return
    name = obj.get("model") or obj.get("name")
    params = next((obj[k] for k in _PARAM_KEYS if isinstance(obj.get(k), int | float)), None)
    if name in models and params:
        sizes[name] = float(params)
    for key, value in obj.items():
        if key in models and isinstance(value, int | float) and value > 0:
            sizes[key] = float(value)
        elif key in models and isinstance(value, dict):
            found = next((value[k] for k in _PARAM_KEYS if isinstance(value.get(k), int | float)), None)
            if found:
                sizes[key] = float(found)
        if isinstance(value, dict | list):
            _find_sizes(value, models, sizes)


def corpus_samples(path: Path, max_chars: int) -> dict[str, str]:
    """Up to ``max_chars`` characters of text per language of a corpus folder.

    Layouts: a built corpus (``DIR/data/<label>/*.parquet`` with a ``text`` column) or a folder of
    ``<label>.txt`` files (optionally ``.gz``/``.xz``/``.bz2``/``.zst``). Unreadable languages are skipped.
    """
    samples: dict[str, str] = {}
    data = path / "data"
    if data.is_dir():
        for folder in sorted(p for p in data.iterdir() if p.is_dir()):
            samples[folder.name] = _parquet_sample(sorted(folder.glob("*.parquet")), max_chars)
    elif path.is_dir():
        for file in sorted(path.iterdir()):
            name = strip_compression(file.name)
            if name.endswith(".txt") and (file.suffix in COMPRESSED_SUFFIXES or file.suffix == ".txt"):
                samples[name[: -len(".txt")]] = _text_sample(file, max_chars)
    else:
        raise InputError(f"corpus {path}: expected a built corpus (data/<label>/*.parquet) or a folder of <label>.txt")
    return {lang: text for lang, text in samples.items() if text}


def _parquet_sample(files: list[Path], max_chars: int) -> str:
    import pyarrow.parquet as pq

    parts: list[str] = []
    size = 0
    for file in files:
        try:
            table = pq.ParquetFile(file)
            for batch in table.iter_batches(columns=["text"], batch_size=256):
                for text in batch.column(0).to_pylist():
                    parts.append(text or "")
                    size += len(text or "")
                    if size >= max_chars:
                        return "\n".join(parts)[:max_chars]
        except (OSError, KeyError, ValueError) as error:
            logger.warning("corpus file %s skipped: %s", file, error)
    return "\n".join(parts)


def _text_sample(file: Path, max_chars: int) -> str:
    parts: list[str] = []
    size = 0
    try:
        for line in iter_lines(file, errors="replace"):
            parts.append(line)
            size += len(line) + 1
            if size >= max_chars:
                break
    except (OSError, EOFError, ValueError) as error:
        logger.warning("corpus file %s skipped: %s", file, error)
    return "\n".join(parts)[:max_chars]
