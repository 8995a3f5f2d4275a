"""The last stage of a corpus build (one task): small-language exclusion, ``stats.json`` with the accounting
check, the corpus card and the manifest. Its datatrove block, :class:`FinalizeStep`, calls :func:`finalize`,
which is idempotent (safe to rerun) and can also be called on a finished build's folder.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from glot500.core.io import write_json_atomic
from glot500.corpus.config import CorpusConfig

logger = logging.getLogger(__name__)
SCHEMA_VERSION = 1


class FinalizeStep(PipelineStep):
    """The last stage's block: :func:`finalize` for the build's config."""

    name = "glot500 finalize"
    type = "📊 - STATS"

    def __init__(self, config: dict, tasks: int, n_units: int) -> None:
        super().__init__()
        self.config = config  # plain JSON: the task may run in another process or on another node
        self.tasks = tasks
        self.n_units = n_units

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        finalize(CorpusConfig.model_validate(self.config), self.tasks, self.n_units)
        return iter(())


def finalize(config: CorpusConfig, tasks: int, n_units: int) -> dict[str, Any]:
    """Exclusion, stats.json, accounting check, corpus card and manifest; idempotent (safe to rerun)."""
    from glot500.core.manifest import write_manifest
    from glot500.core.stats import STATS_NAME
    from glot500.corpus.accounting import AccountingError, build_stats, check_accounting, exclude_small_languages
    from glot500.corpus.card import write_card

    out = Path(config.output)
    excluded = exclude_small_languages(out, config.corpus_level)
    stats = build_stats(out, out / "work", tasks, config.corpus_level, excluded)
    mismatches = check_accounting(stats)
    if mismatches:
        raise AccountingError("accounting mismatch (a bug): " + "; ".join(mismatches[:20]))
    write_json_atomic(out / STATS_NAME, stats, indent=1)
    write_card(out, stats, config)
    counts = {label: entry["kept"] for label, entry in sorted(stats["languages"].items())}
    write_manifest(
        out,
        "corpus",
        SCHEMA_VERSION,
        config=config.model_dump(mode="json"),
        inputs=input_summary(config),
        counts=counts,
        tasks=tasks,
        input_units=n_units,
        totals={k: v for k, v in stats["totals"].items() if k != "dropped"},
    )
    if not config.keep_work:
        remove_intermediates(out / "work")
    logger.info(
        "corpus: %d language-scripts, %d of %d chunks kept; accounting checked",
        len(stats["languages"]),
        stats["totals"]["kept"],
        stats["totals"]["chunks_in"],
    )
    return stats


INTERMEDIATES = ("clean", "exact_sigs", "minhash_sigs", "minhash_buckets")


def remove_intermediates(work: Path) -> None:
    """Delete shards and signatures (the bulk of work/, ~6x the corpus with MinHash). Completion markers, input
    counts and relabel tallies stay: a rerun finds every stage done, and finalize needs only those."""
    for name in INTERMEDIATES:
        shutil.rmtree(work / name, ignore_errors=True)


def input_summary(config: CorpusConfig) -> dict[str, Any]:
    """Per source: type, path and, for local files, total size and number of files (hashes would re-read TBs)."""
    summary = {}
    for source in config.sources:
        entry: dict[str, Any] = {"type": source.type, "path": source.path}
        if source.path and Path(source.path).exists():
            path = Path(source.path)
            files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            entry |= {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
        summary[source.display_name()] = entry
    return summary
