"""The last stages of a deduplicated build, column by column: a task's cleaned shard minus its duplicates.

datatrove's dedup filters (``ExactDedupFilter``, ``MinhashDedupFilter``) walk a stream of Documents and drop
the ones whose *position* in the stream their stage 2/3 listed. On verse-length chunks that per-document
walk (plus a Document, a writer call and a tally per chunk) cost more than the cleaning filters. Here a task
reads its shard as one Arrow table and applies the same duplicate lists, read from the same datatrove files,
as index masks:

* :class:`Removal` — one dedup method's list for a task: datatrove's exact ``.c4_dup`` files (stage 2) or
  MinHash ``.remove`` file (stage 3); positions count the documents that survived the removals before it.
* :class:`DedupShardReader` — yields the shard's surviving documents (input of the MinHash signatures).
* :class:`ShardPublisher` — writes ``dropped/<step>/<rank>.parquet`` per removal, the relabel tally, and
  ``data/<label>/<rank>.parquet`` (kept rows in shard order, grouped by label).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep

from glot500.core.io import write_json_atomic

SHARD_NAME = "{rank:05d}.parquet"


@dataclass(frozen=True)
class Removal:
    """Where one dedup method listed the documents to drop, and how drops are recorded."""

    kind: Literal["exact", "minhash"]  # datatrove's ExactFindDedups / MinhashDedupCluster output
    folder: str
    step: str  # dropped/<step>/
    reason: str

    def positions(self, rank: int) -> np.ndarray:
        """Sorted positions (in the stream this method saw) of the documents to drop for task ``rank``."""
        folder = get_datafolder(self.folder)
        if self.kind == "minhash":
            name = f"{rank:06d}.remove"
            names = [name] if folder.isfile(name) else []
        elif self.kind == "exact":
            from datatrove.utils.typeshelper import ExtensionHelperSD

            candidates = [f"{sub}/{rank:05d}{ExtensionHelperSD.stage_2_duplicates}" for sub in _subfolders(folder)]
            names = [name for name in candidates if folder.exists(name)]
        else:
            raise ValueError(f"unknown removal kind {self.kind!r}")
        parts = []
        for name in names:
            with folder.open(name, "rb") as handle:
                parts.append(np.frombuffer(handle.read(), dtype="<u4"))
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype="<u4")


def _subfolders(folder) -> list[str]:
    return sorted(folder.list_files(include_directories=True, recursive=False))


def read_shard(folder: str, rank: int):
    """Task ``rank``'s shard as an Arrow table (None when the task had no input)."""
    import pyarrow.parquet as pq

    data_folder = get_datafolder(folder)
    name = SHARD_NAME.format(rank=rank)
    if not data_folder.isfile(name):
        return None
    with data_folder.open(name, "rb") as handle:
        return pq.read_table(handle)


def apply_removals(rows: int, removals: list[Removal], rank: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(keep mask, shard rows dropped by each removal)`` after applying ``removals`` in order."""
    keep = np.ones(rows, dtype=bool)
    dropped = []
    for removal in removals:
        alive = np.flatnonzero(keep)
        positions = removal.positions(rank)
        if len(positions) and positions[-1] >= len(alive):
            raise RuntimeError(
                f"{removal.folder}: task {rank} lists document {positions[-1]} but its stream had {len(alive)}; "
                "the dedup files belong to another build (delete work/ and rebuild)"
            )
        rows_dropped = alive[positions]
        keep[rows_dropped] = False
        dropped.append(rows_dropped)
    return keep, dropped


class DedupShardReader(PipelineStep):
    """Reads task ``rank``'s shard minus the documents ``removals`` drop, as Documents (writes nothing)."""

    name = "glot500 shard reader (deduplicated)"
    type = "📖 - READER"

    def __init__(self, folder: str, removals: list[Removal]) -> None:
        super().__init__()
        self.folder = folder
        self.removals = removals

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        table = read_shard(self.folder, rank)
        if table is None:
            return
        keep, _ = apply_removals(table.num_rows, self.removals, rank)
        table = table.filter(keep)
        columns = [table.column(name).to_pylist() for name in ("id", "text", "lang", "original_lang", "source")]
        for doc_id, text, lang, original, source in zip(*columns, strict=True):
            yield Document(text=text, id=doc_id, metadata={"lang": lang, "original_lang": original, "source": source})


class ShardPublisher(PipelineStep):
    """Task ``rank``'s shard -> ``dropped/<step>/`` per removal, relabel tally, ``data/<label>/`` (see module)."""

    name = "glot500 publish (columnar dedup + write)"
    type = "💽 - WRITER"

    def __init__(self, shard_folder: str, removals: list[Removal], output_dir: str, relabel_folder: str) -> None:
        super().__init__()
        self.shard_folder = shard_folder
        self.removals = removals
        self.output_dir = output_dir
        self.relabel_folder = relabel_folder

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        table = read_shard(self.shard_folder, rank)
        relabels: list[list] = []
        if table is not None:
            with self.track_time():
                keep, dropped = apply_removals(table.num_rows, self.removals, rank)
                for removal, rows in zip(self.removals, dropped, strict=True):
                    self._write_dropped(table.take(rows), removal, rank)
                kept = table.filter(keep)
                relabels = relabel_tally(kept)
                self._write_data(kept, rank)
                self.stat_update("total", value=table.num_rows)
                self.stat_update("forwarded", value=kept.num_rows)
        write_json_atomic(Path(self.relabel_folder) / f"{rank:05d}.json", relabels)
        return iter(())

    def _write_dropped(self, rows, removal: Removal, rank: int) -> None:
        import pyarrow as pa

        if not rows.num_rows:
            return
        n = rows.num_rows
        table = pa.table(
            {
                "id": rows["id"],
                "text": rows["text"],
                "lang": rows["original_lang"],  # dropped chunks are accounted under the label they were read with
                "source": rows["source"],
                "step": pa.array([removal.step] * n, pa.string()),
                "reason": pa.array([removal.reason] * n, pa.string()),
            }
        )
        write_parquet(table, self.output_dir, f"dropped/{removal.step}/{SHARD_NAME.format(rank=rank)}")

    def _write_data(self, kept, rank: int) -> None:
        if not kept.num_rows:
            return
        kept = kept.select(["id", "text", "lang", "source"])
        for label, rows in label_runs(kept):
            write_parquet(rows, self.output_dir, f"data/{label}/{SHARD_NAME.format(rank=rank)}")


def label_runs(table):
    """``(label, rows)`` per label of ``table``, rows in table order. A shard is read unit by unit, so its labels
    usually come in one run each and are sliced as they are; otherwise the table is first sorted (stably)."""
    import pyarrow.compute as pc

    codes = pc.dictionary_encode(table["lang"]).combine_chunks()
    indices = codes.indices.to_numpy()
    starts = np.flatnonzero(np.r_[True, indices[1:] != indices[:-1]])
    if len(starts) != len(codes.dictionary):  # a label in several runs: group them
        table = table.take(pc.sort_indices(table["lang"]))  # stable: table order within each label
        yield from label_runs(table)
        return
    ends = np.r_[starts[1:], len(indices)]
    labels = codes.dictionary.to_pylist()
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        yield labels[indices[start]], table.slice(start, end - start)


def relabel_tally(kept) -> list[list]:
    """``[original, new, source, chunks, bytes]`` for kept rows whose label script relabelling changed."""
    import pyarrow.compute as pc

    moved = kept.filter(pc.not_equal(kept["lang"], kept["original_lang"]))
    if not moved.num_rows:
        return []
    moved = moved.append_column("bytes", pc.binary_length(moved["text"]))
    grouped = moved.group_by(["original_lang", "lang", "source"]).aggregate([("bytes", "count"), ("bytes", "sum")])
    rows = zip(
        *(grouped[name].to_pylist() for name in ("original_lang", "lang", "source", "bytes_count", "bytes_sum")),
        strict=True,
    )
    return sorted([list(row) for row in rows])


def write_parquet(table, folder: str, name: str, compression: str = "zstd", row_group_size: int = 8192) -> None:
    """Write ``table`` to ``folder/name`` through datatrove's DataFolder (local or remote; one per folder)."""
    import pyarrow.parquet as pq

    with _data_folder(folder).open(name, "wb") as handle:
        pq.write_table(table, handle, compression=compression, row_group_size=row_group_size)


@lru_cache(maxsize=8)
def _data_folder(folder: str):
    return get_datafolder(folder)
