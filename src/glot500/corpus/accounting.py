"""Accounting: ``stats.json`` from what was read (per-task input counts) and what is on disk (data/, dropped/).

Input counts come from the readers; kept and dropped counts are read back from the parquet files, so the
invariant ``kept + sum(dropped) == chunks_in`` (per language, per source) is a real check of the output,
not a sum of the same numbers. Chunks relabelled by script consistency are counted under the label they
were read with. Languages under ``min_chunks`` are moved to ``dropped/min_chunks/`` when the config says so.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from glot500.core.stats import STATS_SCHEMA_VERSION
from glot500.corpus.config import CorpusLevelSettings

logger = logging.getLogger(__name__)
MIN_CHUNKS_STEP = "min_chunks"

Key = tuple[str, str]  # (label as read, source)


class AccountingError(RuntimeError):
    """kept + dropped != input for some language or source: a bug, never expected."""


def _group_parquet(files: list[Path], keys: list[str], with_bytes: bool) -> dict[tuple, list[int]]:
    """``{key values: [rows, text bytes]}`` over parquet files (columnar: no Python loop over rows).

    All files are scanned as one pyarrow dataset (``pq.read_table`` per file costs ~1 ms of set-up, most of the
    time for hundreds of per-language files) and grouped together, ``GROUP_ROWS`` rows at a time."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    pending: list = []

    def add_pending() -> None:
        table = pa.concat_tables(pending)
        pending.clear()
        if with_bytes:
            grouped = table.group_by(keys).aggregate([("nbytes", "count"), ("nbytes", "sum")])
            value_columns = ["nbytes_count", "nbytes_sum"]
        else:
            grouped = table.group_by(keys).aggregate([([], "count_all")])
            value_columns = ["count_all"]
        rows = grouped.to_pydict()
        for i in range(grouped.num_rows):
            entry = totals[tuple(rows[key][i] for key in keys)]
            entry[0] += rows[value_columns[0]][i]
            if with_bytes:
                entry[1] += rows[value_columns[1]][i] or 0

    if not files:
        return totals
    pending_rows = 0
    columns = keys + (["text"] if with_bytes else [])
    # one scan over all files: pyarrow reads and decompresses them on its threads, batch by batch
    for batch in ds.dataset([str(file) for file in files], format="parquet").to_batches(columns=columns):
        if batch.num_rows == 0:
            continue
        table = pa.Table.from_batches([batch]).select(keys)
        if with_bytes:
            table = table.append_column("nbytes", pc.binary_length(batch["text"]).cast("int64"))
        pending.append(table)
        pending_rows += table.num_rows
        if pending_rows >= GROUP_ROWS:
            add_pending()
            pending_rows = 0
    if pending:
        add_pending()
    return totals


GROUP_ROWS = 1_000_000


def read_input_counts(counts_dir: Path, tasks: int) -> tuple[dict[Key, list[int]], list[dict[str, str]]]:
    """Merge the readers' per-task files: ``{(label, source): [chunks, bytes, sampled, mismatched]}``, errors."""
    counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    errors: list[dict[str, str]] = []
    for rank in range(tasks):
        path = counts_dir / f"{rank:05d}.json"
        if not path.is_file():
            raise AccountingError(f"input counts of task {rank} missing ({path}): the ingest stage did not finish")
        data = json.loads(path.read_text(encoding="utf-8"))
        for label, source, *values in data["counts"]:
            entry = counts[(label, source)]
            for i, value in enumerate(values):
                entry[i] += value
        errors.extend(data["errors"])
    return counts, errors


def exclude_small_languages(output_dir: Path, settings: CorpusLevelSettings) -> list[str]:
    """Move ``data/<label>`` of languages under ``min_chunks`` to ``dropped/min_chunks/<label>`` (idempotent).

    Each file is rewritten with step/reason columns, then its original removed; a rerun after a kill between
    the two finds the same file on both sides and finishes the move without counting it twice.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if settings.small_languages != "exclude":
        return []
    data_dir, moved_dir = output_dir / "data", output_dir / "dropped" / MIN_CHUNKS_STEP
    labels = sorted({p.name for p in data_dir.iterdir() if p.is_dir()} if data_dir.is_dir() else set())
    labels += sorted({p.name for p in moved_dir.iterdir() if p.is_dir()} - set(labels) if moved_dir.is_dir() else [])
    excluded = []
    for label in sorted(labels):
        in_data = sorted((data_dir / label).glob("*.parquet"))
        only_moved = [
            p for p in sorted((moved_dir / label).glob("*.parquet")) if not (data_dir / label / p.name).exists()
        ]
        total = sum(pq.ParquetFile(p).metadata.num_rows for p in in_data + only_moved)
        if total >= settings.min_chunks:
            continue
        excluded.append(label)
        reason = f"below_{settings.min_chunks}"
        for file in in_data:
            table = pq.read_table(file)
            table = table.append_column("step", pa.array([MIN_CHUNKS_STEP] * table.num_rows, pa.string()))
            table = table.append_column("reason", pa.array([reason] * table.num_rows, pa.string()))
            target = moved_dir / label / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, target)
            file.unlink()
        if (data_dir / label).is_dir() and not any((data_dir / label).iterdir()):
            (data_dir / label).rmdir()
    if excluded:
        logger.info("excluded %d language-scripts under %d chunks", len(excluded), settings.min_chunks)
    return excluded


def read_relabels(folder: Path) -> list[tuple[str, str, str, int, int]]:
    moved: list[tuple[str, str, str, int, int]] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        moved.extend(tuple(row) for row in json.loads(path.read_text(encoding="utf-8")))
    return moved


def build_stats(
    output_dir: Path, work_dir: Path, tasks: int, settings: CorpusLevelSettings, excluded: list[str]
) -> dict[str, Any]:
    """The ``stats.json`` document (schema in :mod:`glot500.core.stats`); raises AccountingError on a mismatch."""
    inputs, errors = read_input_counts(work_dir / "ingest_counts", tasks)
    kept = _group_parquet(sorted((output_dir / "data").glob("*/*.parquet")), ["lang", "source"], with_bytes=True)
    for original, new, source, count, nbytes in read_relabels(work_dir / "relabels"):
        # relabelled chunks are accounted for under the label they were read with
        kept[(original, source)][0] += count
        kept[(original, source)][1] += nbytes
        kept[(new, source)][0] -= count
        kept[(new, source)][1] -= nbytes
    dropped_files = sorted((output_dir / "dropped").glob("**/*.parquet"))
    dropped = _group_parquet(dropped_files, ["lang", "source", "step", "reason"], with_bytes=False)
    languages: dict[str, dict[str, Any]] = {}
    for (label, source), (chunks_in, bytes_in, sampled, mismatched) in sorted(inputs.items()):
        entry = languages.setdefault(label, _language_entry(label, label in excluded))
        source_entry = _counts_entry(chunks_in, bytes_in)
        source_entry["script_mismatch_share"] = round(mismatched / sampled, 4) if sampled else 0.0
        source_entry["flagged"] = bool(sampled) and mismatched / sampled > settings.flag_script_mismatch_share
        entry["sources"][source] = source_entry
    for (label, source), (rows, nbytes) in kept.items():
        if rows or nbytes:
            target = _source_entry(languages, label, source, excluded)
            target["kept"] += rows
            target["kept_bytes"] += nbytes
    for (label, source, step, reason), (rows, _) in dropped.items():
        target = _source_entry(languages, label, source, excluded)
        target["dropped"][f"{step}:{reason}"] = target["dropped"].get(f"{step}:{reason}", 0) + rows
    _roll_up(languages)
    return {
        "schema_version": STATS_SCHEMA_VERSION,
        "languages": languages,
        "totals": _totals(languages),
        "errors": errors,
    }


def check_accounting(stats: dict[str, Any]) -> list[str]:
    """Every language and source where kept + dropped != chunks_in (empty when all is accounted for)."""
    problems = []
    for label, entry in stats["languages"].items():
        for name, counts in [(label, entry)] + [(f"{label}/{s}", c) for s, c in entry["sources"].items()]:
            total = counts["kept"] + sum(counts["dropped"].values())
            if total != counts["chunks_in"]:
                problems.append(
                    f"{name}: kept {counts['kept']} + dropped {total - counts['kept']} != input {counts['chunks_in']}"
                )
    return problems


def _language_entry(label: str, excluded: bool) -> dict[str, Any]:
    from glot500.languages import is_head

    script = label.rsplit("_", 1)[-1]
    try:
        head = is_head(label)
    except Exception:  # noqa: BLE001 - the unknown-language bucket has no registry entry
        head = False
    return {"script": script, "head": head, **_counts_entry(0, 0), "excluded": excluded, "sources": {}}


def _counts_entry(chunks_in: int, bytes_in: int) -> dict[str, Any]:
    return {"chunks_in": chunks_in, "bytes_in": bytes_in, "kept": 0, "kept_bytes": 0, "dropped": {}}


def _source_entry(languages: dict, label: str, source: str, excluded: list[str]) -> dict[str, Any]:
    entry = languages.setdefault(label, _language_entry(label, label in excluded))
    return entry["sources"].setdefault(source, {**_counts_entry(0, 0), "script_mismatch_share": 0.0, "flagged": False})


def _roll_up(languages: dict[str, dict[str, Any]]) -> None:
    for entry in languages.values():
        for key in ("chunks_in", "bytes_in", "kept", "kept_bytes"):
            entry[key] = sum(source[key] for source in entry["sources"].values())
        entry["dropped"] = _sum_dropped(source["dropped"] for source in entry["sources"].values())
        for source in entry["sources"].values():
            source["dropped"] = dict(sorted(source["dropped"].items()))


def _totals(languages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    totals = {
        key: sum(entry[key] for entry in languages.values()) for key in ("chunks_in", "bytes_in", "kept", "kept_bytes")
    }
    totals["dropped"] = _sum_dropped(entry["dropped"] for entry in languages.values())
    return totals


def _sum_dropped(parts) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for part in parts:
        for key, value in part.items():
            total[key] += value
    return dict(sorted(total.items()))
