"""The text the training stage tokenizes: corpus files read line by line, bad lines dropped and counted.

Text files are read by the rules every stage shares (:mod:`glot500.core.textio`), so a raw folder of
``<label>.txt`` files trains on what a built corpus would keep: a line holding a NUL byte is dropped
(``nul_bytes``: binary junk, not text), a line that is not valid UTF-8 is dropped (``invalid_utf8``), so is a
line over a million bytes (``line_too_long``); a byte-order mark at the start of a line is removed (repaired,
``bom``), a lone CR is a line break (repaired, ``lone_cr_split``), blank lines are not documents. A compressed
file cut short (or a read error) keeps every line read before the damage, and the error is recorded (a file of
which nothing could be read fails, and is reported). Counts go into each token shard's marker and from there into
the run's ``manifest.json`` (``counts.<label>.dropped_lines`` / ``repaired_lines`` / ``read_errors``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from glot500.core.errors import InputError
from glot500.core.textio import TextAccount, clean_lines

__all__ = ["TextAccount", "training_texts"]


def training_texts(file: Path, account: TextAccount) -> Iterator[str]:
    """The documents (non-blank lines, or parquet ``text`` values) of one corpus file, bad ones counted in
    ``account`` instead.

    Raises:
        InputError: nothing at all could be read from the file (a file damaged part-way keeps what was read
            before the damage, with ``account.read_error`` set).
    """
    if file.suffix == ".parquet":
        yield from _parquet_texts(file, account)
        return
    try:
        yield from clean_lines(file, account)
    except InputError:
        if account.read_error is None or account.lines == 0:
            raise  # unreadable, or nothing recovered: the file fails (reported by the caller and skipped)


def _parquet_texts(file: Path, account: TextAccount) -> Iterator[str]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(file).iter_batches(columns=["text"], batch_size=4096):
        for text in batch.column(0).to_pylist():
            if text is None or not text.strip():
                continue
            if "\x00" in text:
                account.drop("nul_byte")
                continue
            yield text
