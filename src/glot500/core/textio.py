"""Text files whatever their compression (.gz, .xz, .bz2, .zst), and the line rules every stage reads them by.

The rules (:func:`iter_line_texts`; the corpus stage's reader, the downstream corpus reader and the training
stage all read text files through them, so a raw folder of ``<label>.txt`` files gives the same text everywhere):

* a line holding a NUL byte is dropped (``nul_byte``): NUL is never text (a UTF-16 or binary file drops every
  line);
* a line that is not valid UTF-8 is dropped (``invalid_utf8``);
* a line longer than ``max_line_bytes`` is dropped (``line_too_long``) without ever being held whole in memory;
* a byte order mark (U+FEFF) at the start of a line is removed (repaired, ``bom``);
* a lone CR (old Mac line end) is a line break: each part is its own line (repaired, ``lone_cr_split``), or,
  when asked, a space (``lone_cr_joined``: verse-aligned files, whose line numbers must stay verses); CRLF is one
  line end;
* surrounding whitespace is stripped and blank lines are no lines;
* a truncated or corrupt compressed file gives every line decompressed before the damage (what ``zcat``
  prints, the partial last line included), then its decompressor's error.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from glot500.core.errors import InputError

COMPRESSED_SUFFIXES = (".gz", ".xz", ".bz2", ".zst")
TEXT_SUFFIXES = (".txt",)
BLOCK_BYTES = 1 << 22
BOM = b"\xef\xbb\xbf"
MAX_LINE_BYTES = 1_000_000  # the corpus stage's default: longer lines are dropped


def strip_compression(name: str) -> str:
    """``deu_Latn.txt.xz`` -> ``deu_Latn.txt``."""
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def open_binary(path: str | Path) -> IO[bytes]:
    """A binary stream over the decompressed bytes of ``path``."""
    name = str(path)
    if name.endswith(".gz"):
        return gzip.open(name, "rb")
    if name.endswith(".xz"):
        return lzma.open(name, "rb")
    if name.endswith(".bz2"):
        return bz2.open(name, "rb")
    if name.endswith(".zst"):
        return io.BufferedReader(_ZstdFrames(open(name, "rb")), buffer_size=1 << 17)
    return open(name, "rb")


def iter_blocks(stream: IO[bytes], size: int) -> Iterator[bytes]:
    """Blocks of up to ``size`` bytes of ``stream``, every byte delivered before any error is raised.

    ``read1`` does one read of the underlying stream per call: with ``read`` a truncated ``.gz``/``.xz`` raises
    ``EOFError`` inside a big read and the bytes already decompressed in it are lost (``zcat`` keeps them).
    """
    read = getattr(stream, "read1", None) or stream.read
    while block := read(size):
        yield block


class _ZstdFrames(io.RawIOBase):
    """A Zstandard file as a raw stream: every frame in turn (files written by ``pzstd`` or concatenated hold
    several), and ``EOFError`` when the file ends inside a frame, after the bytes that could be recovered."""

    def __init__(self, raw: IO[bytes], read_size: int = 1 << 17) -> None:
        import zstandard

        self._raw = raw
        self._read_size = read_size
        self._context = zstandard.ZstdDecompressor()
        self._frame = self._context.decompressobj()
        self._pending = b""
        self._started = False  # the current frame has been fed (an empty file is not a truncated frame)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            if not self._fill():
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _fill(self) -> bool:
        data = self._raw.read(self._read_size)
        if not data:
            if self._started and not self._frame.eof:
                raise EOFError("Compressed file ended before the end of the Zstandard frame")
            return False
        while data:
            self._started = True
            self._pending += self._frame.decompress(data)
            data = b""
            if self._frame.eof:
                data = self._frame.unused_data
                self._frame, self._started = self._context.decompressobj(), False
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text(path: str | Path, errors: str = "strict", newline: str | None = "") -> IO[str]:
    """A UTF-8 text stream over ``path`` (decompressed); ``errors`` and ``newline`` as in :func:`open`."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors=errors, newline=newline)


def iter_lines(path: str | Path, errors: str = "strict") -> Iterator[str]:
    """Lines of ``path`` without their line endings, split on ``\\n`` and ``\\r\\n`` only (see :func:`split_lines`)."""
    with open_text(path, errors=errors, newline="\n") as handle:
        for line in handle:
            yield _without_line_end(line)


def split_lines(text: str) -> list[str]:
    """``text`` split on ``\\n`` and ``\\r\\n`` only, like a file's lines (a final line end adds no line).

    Never ``str.splitlines()``: it also splits on U+2028, U+2029, U+0085, ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``
    and a lone ``\\r``, characters real sentences contain, which would silently misalign parallel files.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _without_line_end(line: str) -> str:
    line = line[:-1] if line.endswith("\n") else line
    return line[:-1] if line.endswith("\r") else line


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """Lists of ``size`` items (the last one shorter): ``itertools.batched`` before Python 3.12."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def iter_raw_lines(
    stream: IO[bytes], max_line_bytes: int, preview_bytes: int, block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[bytes, int, bool, bool]]:
    """``(line bytes, full length, too_long, plain)`` per line; an over-long line yields only its first bytes.

    ``plain`` is true when the line surely holds no NUL, BOM or lone CR (checked once per block, in C: a check
    per line doubled the reading time); ``False`` only means "look closer".
    A stream that breaks off (truncated compressed data) still yields every line read before the break,
    the partial last one included, then raises the stream's error.
    """
    pending = b""
    skipping = False
    skipped = 0
    broken: Exception | None = None
    try:
        for block in iter_blocks(stream, block_bytes):
            start = 0
            if skipping:
                newline = block.find(b"\n")
                if newline < 0:
                    skipped += len(block)
                    continue
                skipped += newline
                yield pending, skipped, True, False
                pending, skipping, start = b"", False, newline + 1
            plain = b"\x00" not in block and BOM not in block and block.count(b"\r") == block.count(b"\r\n")
            parts = block[start:].split(b"\n")
            first_plain = plain and not pending  # a line across blocks: a BOM or CRLF may straddle the border
            parts[0] = pending + parts[0]
            pending = parts.pop()
            for index, line in enumerate(parts):
                if len(line) > max_line_bytes:
                    yield line[:preview_bytes], len(line), True, False
                else:
                    yield line, len(line), False, plain and (index > 0 or first_plain)
            if len(pending) > max_line_bytes:
                skipping, skipped, pending = True, len(pending), pending[:preview_bytes]
    except (EOFError, OSError, ValueError) as error:  # zlib.error, LZMAError, ZstdError are among these
        broken = error
    if skipping:
        yield pending, skipped, True, False
    elif pending:
        yield pending, len(pending), False, False
    if broken is not None:
        raise broken


def iter_line_texts(
    stream: IO[bytes],
    max_line_bytes: int,
    preview_chars: int,
    counts: Counter[str],
    split_lone_cr: bool = True,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[tuple[int, int, int, str, str | None]]:
    """``(line number, part, bytes, text, error)`` per non-blank chunk of a text stream, by the module's rules.

    A dropped line comes back too, with ``error`` set to its reason and a readable preview of its start as
    ``text``. ``counts`` gets ``lines`` (chunks yielded) and one count per reason and repair. A damaged
    compressed stream raises its decompressor's error after the last recoverable line.
    """
    lines = 0
    try:
        for number, (raw, length, too_long, plain) in enumerate(
            iter_raw_lines(stream, max_line_bytes, preview_chars * 4, block_bytes)
        ):
            if plain:
                try:  # the common case, kept lean: a clean UTF-8 line
                    text = raw.decode("utf-8").strip()
                except UnicodeDecodeError:
                    pass
                else:
                    if text:
                        lines += 1
                        yield number, 0, length, text, None
                    continue
            texts = _line_texts(raw, too_long, preview_chars, counts, split_lone_cr)
            for part, (text, error) in enumerate(texts):
                if error is None and not text:
                    continue
                lines += 1
                if error is not None:
                    counts[error] += 1
                yield number, part, length if len(texts) == 1 else len(text.encode("utf-8")), text, error
    finally:
        counts["lines"] += lines


def _line_texts(
    raw: bytes, too_long: bool, preview_chars: int, counts: Counter[str], split_lone_cr: bool
) -> list[tuple[str, str | None]]:
    """The ``(text, error)`` chunks of one raw line: one, or one per part around lone CRs."""
    if too_long:
        return [(_preview(raw, preview_chars), "line_too_long")]
    if b"\x00" in raw:
        return [(_preview(raw, preview_chars), "nul_byte")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [(_preview(raw, preview_chars).strip(), "invalid_utf8")]
    if text.startswith("\ufeff"):
        counts["bom"] += 1
        text = text[1:]
    text = text[:-1] if text.endswith("\r") else text  # CRLF: one line end
    if "\r" in text:
        counts["lone_cr_split" if split_lone_cr else "lone_cr_joined"] += text.count("\r")
        if split_lone_cr:
            return [(part.strip(), None) for part in text.split("\r")]
        text = text.replace("\r", " ")
    return [(text.strip(), None)]


def _preview(raw: bytes, preview_chars: int) -> str:
    """The start of a dropped line, readable (NUL shown as U+FFFD so that the preview is text)."""
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")[:preview_chars]


# The names of the training manifest's ``dropped_lines`` / ``repaired_lines`` for the reasons counted above.
_DROPPED_NAMES = {"nul_byte": "nul_bytes", "invalid_utf8": "invalid_utf8", "line_too_long": "line_too_long"}
_REPAIRED_NAMES = ("bom", "lone_cr_split", "lone_cr_joined")


@dataclass
class TextAccount:
    """What reading one file dropped or repaired, by reason; ``read_error`` when the file could not be read to
    its end (the lines before it are kept).

    ``counts`` is filled as :func:`iter_line_texts` fills it (``lines`` and one count per reason and repair);
    ``dropped`` and ``repaired`` are its nonzero drops and repairs.
    """

    counts: Counter[str] = field(default_factory=Counter)
    read_error: str | None = None

    @property
    def lines(self) -> int:
        """Non-blank lines read (kept and dropped)."""
        return self.counts["lines"]

    @property
    def dropped(self) -> dict[str, int]:
        return {name: self.counts[reason] for reason, name in _DROPPED_NAMES.items() if self.counts[reason]}

    @property
    def repaired(self) -> dict[str, int]:
        return {name: self.counts[name] for name in _REPAIRED_NAMES if self.counts[name]}

    def drop(self, reason: str) -> None:
        """Count one line dropped for ``reason`` (a name of :func:`iter_line_texts`, e.g. ``nul_byte``)."""
        self.counts[reason] += 1

    def to_json(self) -> dict:
        return {"dropped": self.dropped, "repaired": self.repaired, "read_error": self.read_error}


def clean_lines(path: str | Path, account: TextAccount, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[str]:
    """The lines of a text file (any compression) that the module's rules keep, stripped and non-blank; what was
    dropped or repaired is counted in ``account``.

    Raises:
        InputError: the file cannot be read (permission), or it is truncated or corrupt: then after the last line
            that could be recovered, with ``account.read_error`` saying what broke (a caller that keeps those
            lines catches it).
    """
    try:
        with open_binary(path) as stream:
            for _, _, _, text, error in iter_line_texts(stream, max_line_bytes, 100, account.counts):
                if error is None:
                    yield text
    except PermissionError as error:
        raise InputError(f"{path}: unreadable: {error.strerror or error}") from None
    except Exception as error:  # noqa: BLE001 - each decompressor has its own corrupt-stream error
        account.read_error = f"{type(error).__name__}: {error}"
        raise InputError(
            f"{path}: truncated or corrupt data after {account.lines} lines ({account.read_error})"
        ) from None
