"""The corpus pipeline's own datatrove blocks: the source reader (read errors to ``dropped/read/``), the
intermediate shard writer and the ``dropped/`` writer (``data/``: :mod:`.publish`; the last stage: :mod:`.finalize`).

Documents carry ``metadata["lang"]`` (label, may be changed by script relabelling), ``metadata["original_lang"]``
(the label the chunk was read with; accounting is by this one) and ``metadata["source"]``.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter

from glot500.core.io import write_json_atomic
from glot500.corpus.config import ReadingSettings
from glot500.corpus.sources.base import Problems
from glot500.corpus.units import InputUnit, read_unit
from glot500.corpus.writers import ColumnarParquetWriter

READ_STEP = "read"


class RankGroup(PipelineStep):
    """Runs a stage's blocks for several of its ranks in one datatrove task: ``steps`` (a block list, as a stage's
    pipeline) are written for ``ranks`` ranks (their files are partitioned so), and task ``rank`` of
    ``world_size`` runs ranks ``rank, rank + world_size, ...`` of them, each through all ``steps`` with
    ``world_size=ranks``, so the files it reads and writes are those of the ungrouped stage.

    A datatrove task has a fixed cost (three ``loguru`` sinks, a deep copy of the pipeline, statistics and a
    completion marker: ~20 ms); a stage of many small partitions (the duplicate finder's, MinHash buckets,
    shards to publish) pays it fewer times. The stage's statistics are those of the last block (the same
    object): the blocks that come before it in this build (a shard reader) keep none."""

    type = "🗂 - GROUP"

    def __init__(self, steps: list[PipelineStep], ranks: int) -> None:
        super().__init__()
        self.steps = steps
        self.ranks = ranks
        self.name = " -> ".join(step.name for step in steps) + " (ranks grouped)"
        self.stats = steps[-1].stats

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for inner_rank in range(rank, self.ranks, world_size):
            result = None
            for step in self.steps:  # datatrove's own way of piping one task's blocks
                result = step(result, inner_rank, self.ranks)
            if result is not None:  # a generator block does its work when consumed
                deque(result, maxlen=0)
        return iter(())


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
