"""The corpus pipeline's own datatrove blocks: the source reader (read errors to ``dropped/read/``), the
intermediate shard writer, the ``dropped/`` writer and the finalize step (``data/``: :mod:`.publish`).

Documents carry ``metadata["lang"]`` (label, may be changed by script relabelling), ``metadata["original_lang"]``
(the label the chunk was read with; accounting is by this one) and ``metadata["source"]``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache, partial
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter

from glot500.corpus.config import ReadingSettings
from glot500.corpus.sources.base import Problems
from glot500.corpus.units import InputUnit, read_unit
from glot500.corpus.writers import ColumnarParquetWriter

READ_STEP = "read"
DATATROVE_LOGS_ENV = "GLOT500_DATATROVE_LOGS"


def quiet_datatrove_logs(data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
    """First "step" of every stage: silence datatrove's per-task console logs unless GLOT500_DATATROVE_LOGS=1
    (its stats files under ``work/logs/<stage>/stats/`` are still written)."""
    if os.environ.get(DATATROVE_LOGS_ENV, "0") != "1":
        from datatrove.utils.logging import logger

        logger.disable("datatrove")
        os.environ["TQDM_DISABLE"] = "1"  # datatrove's inner progress bars; ours passes disable=False
    relax_gc()
    return data


TASK_GC_THRESHOLD = 50_000


def relax_gc() -> None:
    """Collect the youngest generation every 50,000 allocations instead of 700: a task allocates a few objects
    per chunk and keeps batches of them alive, so the default collects (and promotes) constantly; 15% of a
    task's CPU time on verse-length chunks. Older generations keep their default ratios."""
    import gc

    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(max(TASK_GC_THRESHOLD, gc.get_threshold()[0]), middle, oldest)


def cache_loguru_lib_dirs() -> None:
    """datatrove adds a loguru handler per task, and loguru lists the interpreter's library folders for each
    (hundreds of ``sysconfig`` calls, ~45 ms: 15 s over the ~300 tasks of a 731-language build); list them once
    per process. A no-op if loguru changes that private helper."""
    try:
        from loguru._better_exceptions import ExceptionFormatter
    except ImportError:  # pragma: no cover - datatrove depends on loguru
        return
    helper = ExceptionFormatter.__dict__.get("_get_lib_dirs")
    if isinstance(helper, staticmethod) and not hasattr(helper.__func__, "cache_info"):
        ExceptionFormatter._get_lib_dirs = staticmethod(lru_cache(maxsize=1)(helper.__func__))


def write_json_atomic(path: str | Path, data: object, indent: int | None = None) -> None:
    """Write JSON so that a reader (or a resumed run) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps(data, ensure_ascii=False, sort_keys=indent is None, indent=indent) + "\n", encoding="utf-8"
    )
    os.replace(tmp, path)


class InputCounter:
    """Chunks and bytes read per ``(label, source)``, plus a sampled script check, for one task."""

    def __init__(self, sample_every: int) -> None:
        self.sample_every = sample_every
        self.counts: dict[tuple[str, str], list[int]] = {}  # -> [chunks, bytes, sampled, mismatched]

    def add(self, label: str, source: str, nbytes: int, text: str, error: str | None) -> None:
        entry = self.counts.get((label, source))
        if entry is None:
            entry = self.counts[(label, source)] = [0, 0, 0, 0]
        if error is None and entry[0] % self.sample_every == 0:
            self._check_script(entry, label, text)
        entry[0] += 1
        entry[1] += nbytes

    @staticmethod
    def _check_script(entry: list[int], label: str, text: str) -> None:
        from glot500.languages import detect_script, scripts_match
        from glot500.languages.scripts import NO_SCRIPT

        detected = detect_script(text)
        if detected == NO_SCRIPT:
            return
        entry[2] += 1
        entry[3] += not scripts_match(label.rsplit("_", 1)[-1], detected)

    def to_json(self, problems: Problems) -> dict:
        return {
            "counts": [[label, source, *values] for (label, source), values in sorted(self.counts.items())],
            "errors": problems.records,
        }


class SourceReader(PipelineStep):
    """Reads ``units[rank::world_size]`` into Documents.

    Chunks a reader flagged (``line_too_long``, ``invalid_utf8``, ``unknown_language``, ...) go straight to
    ``dropped/read/`` instead of through a filter step, which would cost every good chunk a Python call.
    At the end the task writes ``counts_dir/<rank>.json``: chunks and bytes in per label and source, sampled
    script mismatches and file problems.
    """

    name = "glot500 sources"
    type = "📖 - READER"

    def __init__(self, units: list[InputUnit], reading: ReadingSettings, counts_dir: str, dropped: DiskWriter) -> None:
        super().__init__()
        self.units = units
        self.reading = reading
        self.counts_dir = counts_dir
        self.dropped = dropped

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        problems = Problems()
        counter = InputCounter(self.reading.script_sample_every)
        with self.dropped as dropped:
            for unit in self.units[rank::world_size]:
                source = unit.source_name
                for chunk in read_unit(unit, self.reading, problems):
                    counter.add(chunk.lang, source, chunk.nbytes, chunk.text, chunk.error)
                    doc = Document(
                        text=chunk.text,
                        id=chunk.id,
                        metadata={"lang": chunk.lang, "original_lang": chunk.lang, "source": source},
                    )
                    if chunk.error:
                        doc.metadata["filter_reason"] = chunk.error
                        dropped.write(doc, rank)
                        continue
                    yield doc
        for values in counter.counts.values():
            self.stat_update("chunks_in", value=values[0])
        write_json_atomic(Path(self.counts_dir) / f"{rank:05d}.json", counter.to_json(problems))


SHARD_COLUMNS = ("id", "text", "lang", "original_lang", "source")
DROPPED_COLUMNS = ("id", "text", "lang", "source", "step", "reason")


def _shard_row(doc: Document) -> tuple:
    meta = doc.metadata
    return doc.id, doc.text, meta["lang"], meta.get("original_lang", meta["lang"]), meta["source"]


def shard_writer(folder: str) -> ColumnarParquetWriter:
    """Intermediate shard of one task: ``folder/<rank>.parquet`` (read back as a table by ``glot500.corpus.publish``)."""
    return ColumnarParquetWriter(folder, "${rank}.parquet", SHARD_COLUMNS, _shard_row, compression="lz4")


def _dropped_row(step: str, default_reason: str, doc: Document) -> tuple:
    meta = doc.metadata
    return (
        doc.id,
        doc.text,
        meta.get("original_lang", meta["lang"]),
        meta["source"],
        step,
        str(meta.get("filter_reason") or default_reason),
    )


def dropped_writer(output_dir: str, step: str, default_reason: str = "filtered") -> ColumnarParquetWriter:
    """``DIR/dropped/<step>/<rank>.parquet`` with columns id, text, lang (as read), source, step, reason."""
    return ColumnarParquetWriter(
        str(Path(output_dir) / "dropped" / step),
        "${rank}.parquet",
        DROPPED_COLUMNS,
        partial(_dropped_row, step, default_reason),
    )


class FinalizeStep(PipelineStep):
    """The last stage (one task): exclusion, stats.json with the accounting check, corpus card, manifest."""

    name = "glot500 finalize"
    type = "📊 - STATS"

    def __init__(self, config: dict, tasks: int, n_units: int) -> None:
        super().__init__()
        self.config = config  # plain JSON: the task may run in another process or on another node
        self.tasks = tasks
        self.n_units = n_units

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from glot500.corpus.config import CorpusConfig
        from glot500.corpus.build import finalize

        finalize(CorpusConfig.model_validate(self.config), self.tasks, self.n_units)
        return iter(())
