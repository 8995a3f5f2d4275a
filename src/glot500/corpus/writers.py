"""A columnar Parquet writer for the corpus pipeline (shards, ``data/``, ``dropped/``).

datatrove's ``ParquetWriter`` formats two filename templates, updates three metrics and builds a dict per
document, then ``RecordBatch.from_pylist``: ~60 µs per verse-length chunk, more than all cleaning filters
together. This writer keeps the DiskWriter contract (``write(doc, rank)``, ``run``, a context manager, files
through the DataFolder's output manager, so remote folders work) but caches file names per ``(rank, lang)``,
appends one tuple per document and builds each batch column by column.
"""

from __future__ import annotations

from collections.abc import Callable
from string import Template

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.typeshelper import StatHints

RowFunction = Callable[[Document], tuple]


class ColumnarParquetWriter(DiskWriter):
    """Writes ``row(doc)`` tuples as string columns ``columns`` to ``output_filename`` (``${rank}``,
    ``${lang}`` and other metadata placeholders), ``batch_size`` rows per record batch, zstd-compressed."""

    default_output_filename = "${rank}.parquet"
    name = "📒 Parquet (columnar)"
    _requires_dependencies = ["pyarrow"]

    def __init__(
        self,
        output_folder: DataFolderLike,
        output_filename: str,
        columns: tuple[str, ...],
        row: RowFunction,
        batch_size: int = 8192,
        compression: str = "zstd",
    ) -> None:
        super().__init__(output_folder, output_filename, compression=None, mode="wb")
        self.template = output_filename
        self.columns = columns
        self.row = row
        self.batch_size = batch_size
        self.parquet_compression = compression
        self._names: dict[tuple, str] = {}
        self._rows: dict[str, list[tuple]] = {}
        self._writers: dict = {}
        self._placeholders = [name for name in Template(output_filename).get_identifiers() if name != "rank"]

    def _filename(self, document: Document, rank: int) -> str:
        if not self._placeholders:
            key = rank
        elif len(self._placeholders) == 1:
            key = (rank, document.metadata.get(self._placeholders[0]))
        else:
            key = (rank, *(document.metadata.get(name) for name in self._placeholders))
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = self._get_output_filename(document, rank)
        return name

    def write(self, document: Document, rank: int = 0, **kwargs) -> None:
        filename = self._filename(document, rank)
        rows = self._rows.get(filename)
        if rows is None:
            rows = self._rows[filename] = []
        rows.append(self.row(document))
        if len(rows) >= self.batch_size:
            self._flush(filename)

    def _write(self, document: dict, file_handler, filename: str) -> None:  # pragma: no cover - write() is used
        raise NotImplementedError("ColumnarParquetWriter writes through write()")

    def _flush(self, filename: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = self._rows.pop(filename, None)
        if not rows:
            return
        schema = pa.schema([(name, pa.string()) for name in self.columns])
        # pa.array converts a list ~8x faster than a tuple
        columns = [pa.array(list(values), pa.string()) for values in zip(*rows, strict=True)]
        writer = self._writers.get(filename)
        if writer is None:
            handle = self.output_mg.get_file(filename)
            writer = self._writers[filename] = pq.ParquetWriter(handle, schema, compression=self.parquet_compression)
        writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))
        self.stat_update(StatHints.total, value=len(rows))

    def close(self) -> None:
        for filename in list(self._rows):
            self._flush(filename)
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        self._names.clear()
        super().close()

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self:
            for document in data:
                self.write(document, rank)
                yield document
