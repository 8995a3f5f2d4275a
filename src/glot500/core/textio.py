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
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(open(name, "rb"), closefd=True)
    return open(name, "rb")


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
