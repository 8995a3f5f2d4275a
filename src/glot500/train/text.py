"""The text the training stage tokenizes: corpus files read line by line, bad lines dropped and counted.

The same rules as the corpus stage's reader, so a raw folder of ``<label>.txt`` files trains on what a built
corpus would keep: a line holding a NUL byte is dropped (``nul_bytes``: binary junk, not text), a line that is not
valid UTF-8 is dropped (``invalid_utf8``), a byte-order mark at the start of a file is removed (repaired,
``bom``), blank lines are not documents. A compressed file cut short (or a read error) keeps every line read
before the damage, and the error is recorded (a file of which nothing could be read fails, and is reported). Counts go into each token shard's marker and from there into the
run's ``manifest.json`` (``counts.<label>.dropped_lines`` / ``repaired_lines`` / ``read_errors``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from glot500.core.textio import open_binary

BLOCK_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"


@dataclass
class TextAccount:
    """What reading one file dropped or repaired, by reason; ``read_error`` when the file could not be read to
    its end (the lines before it are kept)."""

    dropped: Counter = field(default_factory=Counter)
    repaired: Counter = field(default_factory=Counter)
    read_error: str | None = None

    def to_json(self) -> dict:
        return {"dropped": dict(self.dropped), "repaired": dict(self.repaired), "read_error": self.read_error}


def training_texts(file: Path, account: TextAccount) -> Iterator[str]:
    """The documents (non-blank lines, or parquet ``text`` values) of one corpus file, bad ones counted in
    ``account`` instead."""
    if file.suffix == ".parquet":
        yield from _parquet_texts(file, account)
        return
    first = True
    for raw in _raw_lines(file, account):
        if first and raw.startswith(BOM):
            raw = raw[len(BOM) :]
            account.repaired["bom"] += 1
        first = False
        text = _clean(raw, account)
        if text is not None and text.strip():
            yield text


def _clean(raw: bytes, account: TextAccount) -> str | None:
    if b"\x00" in raw:
        account.dropped["nul_bytes"] += 1
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        account.dropped["invalid_utf8"] += 1
        return None


def _raw_lines(file: Path, account: TextAccount) -> Iterator[bytes]:
    """Lines as bytes without ``\\n`` / ``\\r\\n``, in blocks (any compression); a read error ends the file."""
    pending: list[bytes] = []  # pieces of the line not ended yet (joined once: a long line costs no re-copies)
    lines = 0
    try:
        with open_binary(file) as stream:
            # read1: what one read of the compressed file gives, so a cut stream loses only its last piece
            read = getattr(stream, "read1", stream.read)
            while block := read(BLOCK_BYTES):
                parts = block.split(b"\n")
                if len(parts) == 1:
                    pending.append(block)
                    continue
                parts[0] = b"".join([*pending, parts[0]])
                pending = [parts.pop()]
                for line in parts:
                    lines += 1
                    yield line[:-1] if line.endswith(b"\r") else line
    except Exception as error:  # noqa: BLE001 - every decompressor has its own error for a cut or corrupt stream
        if lines == 0:
            raise  # nothing recovered: the file fails (reported by the caller and skipped)
        account.read_error = f"{type(error).__name__}: {error}"
        return  # a half-read last line may be cut anywhere: not kept
    last = b"".join(pending)
    if last:
        yield last[:-1] if last.endswith(b"\r") else last


def _parquet_texts(file: Path, account: TextAccount) -> Iterator[str]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(file).iter_batches(columns=["text"], batch_size=4096):
        for text in batch.column(0).to_pylist():
            if text is None or not text.strip():
                continue
            if "\x00" in text:
                account.dropped["nul_bytes"] += 1
                continue
            yield text
