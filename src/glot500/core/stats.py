"""The corpus statistics schema: ``stats.json``, written by ``glot500.corpus``, read by vocab, train and report.

Layout (``schema_version`` 1)::

    {
      "schema_version": 1,
      "languages": {
        "<label>": {
          "script": "Latn", "head": true,
          "chunks_in": 1200, "bytes_in": 345678,
          "kept": 1100, "kept_bytes": 320000,
          "dropped": {"<step>:<reason>": 100, ...},
          "excluded": false,                 # true when the language-script fell under min_chunks
          "sources": {"<source>": {"chunks_in": ..., "bytes_in": ..., "kept": ..., "kept_bytes": ...,
                                   "dropped": {...}, "script_mismatch_share": 0.01, "flagged": false}}
        }
      },
      "totals": {"chunks_in": ..., "bytes_in": ..., "kept": ..., "kept_bytes": ..., "dropped": {...}},
      "errors": [{"file": "...", "reason": "..."}]
    }

Invariant: for every language and every source, ``kept + sum(dropped.values()) == chunks_in``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATS_NAME = "stats.json"
STATS_SCHEMA_VERSION = 1


def read_corpus_stats(path: str | Path) -> dict[str, Any]:
    """Load ``stats.json`` (a corpus folder or the file itself)."""
    path = Path(path)
    if path.is_dir():
        path = path / STATS_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    version = data.get("schema_version")
    if version != STATS_SCHEMA_VERSION:
        raise ValueError(f"{path}: unsupported stats schema_version {version!r} (expected {STATS_SCHEMA_VERSION})")
    return data


def kept_chunks_per_language(stats: dict[str, Any]) -> dict[str, int]:
    """``{label: kept chunks}`` of the languages that were not excluded."""
    return {
        label: int(entry.get("kept", 0))
        for label, entry in stats.get("languages", {}).items()
        if not entry.get("excluded", False)
    }


def require_some_text(stats: dict[str, Any], where: str | Path) -> dict[str, Any]:
    """``stats`` when the build read at least one chunk; a build that read none is a mistake in the input.

    Raises:
        InputError: no chunk was read; names the first problem (the stats stay written, to show why).
    """
    from glot500.core.errors import InputError

    if stats.get("totals", {}).get("chunks_in", 0) > 0:
        return stats
    problems = stats.get("errors") or []
    first = f"; first: {problems[0]['file']}: {problems[0]['reason']}" if problems else ""
    raise InputError(
        f"no text read from any input ({len(problems)} input problems in {Path(where) / STATS_NAME}{first})"
    )
