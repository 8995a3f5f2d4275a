"""Plain-text sources: one chunk per line, ``.txt`` or compressed (``.gz``, ``.xz``, ``.bz2``, ``.zst``).

Lines are read as bytes in blocks, so a single line of hundreds of megabytes never sits in memory whole:
past ``max_line_bytes`` it is skipped up to the next newline and reported as one dropped chunk
(``line_too_long``, with a preview of its start). Invalid UTF-8 lines are dropped (``invalid_utf8``);
binary files (NUL bytes in the first block), empty and unreadable files and corrupt compressed data are
reported as problems, and the rest of the run goes on. Blank lines are not chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from glot500.core.textio import COMPRESSED_SUFFIXES, open_binary, strip_compression
from glot500.corpus.sources.base import Chunk, Problems

BLOCK_BYTES = 1 << 22
TEXT_SUFFIXES = (".txt", ".text", ".tsv")


class BinaryFileError(ValueError):
    """The file holds NUL bytes: not text."""


def is_text_file(path: Path) -> bool:
    name = strip_compression(path.name)
    return path.is_file() and (name.endswith(TEXT_SUFFIXES) or path.suffix in COMPRESSED_SUFFIXES)


def label_stem(path: Path) -> str:
    """``deu_Latn.txt.xz`` -> ``deu_Latn`` (the part of the file name that names the language)."""
    name = strip_compression(path.name)
    for suffix in TEXT_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def iter_raw_lines(stream, max_line_bytes: int, preview_bytes: int) -> Iterator[tuple[bytes, int, bool]]:
    """``(line bytes, full length, too_long)`` per line; an over-long line yields only its first bytes."""
    pending = b""
    skipping = False
    skipped = 0
    first = True
    while block := stream.read(BLOCK_BYTES):
        if first and b"\x00" in block[:65536]:
            raise BinaryFileError("binary file (NUL bytes), not text")
        first = False
        start = 0
        if skipping:
            newline = block.find(b"\n")
            if newline < 0:
                skipped += len(block)
                continue
            skipped += newline
            yield pending, skipped, True
            pending, skipping, start = b"", False, newline + 1
        parts = block[start:].split(b"\n")
        parts[0] = pending + parts[0]
        pending = parts.pop()
        for line in parts:
            if len(line) > max_line_bytes:
                yield line[:preview_bytes], len(line), True
            else:
                yield line, len(line), False
        if len(pending) > max_line_bytes:
            skipping, skipped, pending = True, len(pending), pending[:preview_bytes]
    if skipping:
        yield pending, skipped, True
    elif pending:
        yield pending, len(pending), False


def read_text_file(
    path: Path,
    label: str,
    source: str,
    problems: Problems,
    max_line_bytes: int = 1_000_000,
    preview_chars: int = 1000,
    id_prefix: str | None = None,
    unknown_reason: str | None = None,
) -> Iterator[Chunk]:
    """Chunks of one text file, all labelled ``label``; bad lines come back with ``error`` set.

    ``unknown_reason`` marks every line for dropping (the file name is not a language code).
    """
    prefix = id_prefix or f"{source}/{path.name}"
    lines = 0
    invalid = 0
    try:
        with open_binary(path) as stream:
            for number, (raw, length, too_long) in enumerate(iter_raw_lines(stream, max_line_bytes, preview_chars * 4)):
                text, error = _decode(raw, too_long, preview_chars)
                if error is None and not text:
                    continue
                lines += 1
                invalid += error == "invalid_utf8"
                if error == "line_too_long":
                    problems.add(
                        path, f"line {number + 1}: {length} bytes > max_line_bytes, dropped (read:line_too_long)"
                    )
                yield Chunk(f"{prefix}/{number}", text, label, length, error or unknown_reason)
    except BinaryFileError as error:
        problems.add(path, str(error))
        return
    except PermissionError as error:
        problems.add(path, f"unreadable: {error.strerror or error}")
        return
    except Exception as error:  # noqa: BLE001 - each decompressor has its own corrupt-stream error
        problems.add(path, f"read stopped after {lines} lines: {type(error).__name__}: {error}")
    if lines == 0:
        problems.add(path, "empty file: no text lines")
    if invalid:
        problems.add(path, f"{invalid} lines not valid UTF-8, dropped (read:invalid_utf8)")


def _decode(raw: bytes, too_long: bool, preview_chars: int) -> tuple[str, str | None]:
    if too_long:
        return raw.decode("utf-8", errors="replace")[:preview_chars], "line_too_long"
    try:
        return raw.decode("utf-8").strip(), None
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace").strip()[:preview_chars], "invalid_utf8"
