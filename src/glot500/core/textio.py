"""Open text files whatever their compression (.gz, .xz, .bz2, .zst), as datatrove and our readers expect."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO

COMPRESSED_SUFFIXES = (".gz", ".xz", ".bz2", ".zst")
TEXT_SUFFIXES = (".txt",)


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
