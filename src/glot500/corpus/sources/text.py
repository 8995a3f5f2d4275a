"""Plain-text sources: one chunk per line, ``.txt`` or compressed (``.gz``, ``.xz``, ``.bz2``, ``.zst``).

Lines are read by the rules of :mod:`glot500.core.textio`, the same for every stage that reads text files: in
blocks, so a line of hundreds of megabytes never sits in memory whole (past ``max_line_bytes`` it is one dropped
chunk, ``line_too_long``, with a preview of its start); NUL bytes (``nul_byte``) and invalid UTF-8
(``invalid_utf8``) drop their line at every position of a file; BOMs are removed and lone CRs are line breaks
(repairs), except in verse-aligned Bible files, whose lone CRs become spaces so that line numbers stay verses.
Each dropped line comes back as a chunk with its reason; each reason and repair gets one problem record per file
(a file where every line holds a NUL byte is reported as binary or UTF-16). A truncated or corrupt compressed file
keeps every line decompressed before the damage (what ``zcat`` prints) and gets a problem record saying where it
stopped. Empty and unreadable files are problems too; blank lines are not chunks. Nothing is skipped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from glot500.core import textio
from glot500.core.textio import COMPRESSED_SUFFIXES, iter_line_texts, open_binary, strip_compression
from glot500.corpus.sources.base import Chunk, Problems

BLOCK_BYTES = textio.BLOCK_BYTES
TEXT_SUFFIXES = (".txt", ".text", ".tsv")


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


def read_text_file(
    path: Path,
    label: str,
    source: str,
    problems: Problems,
    max_line_bytes: int = 1_000_000,
    preview_chars: int = 1000,
    id_prefix: str | None = None,
    unknown_reason: str | None = None,
    split_lone_cr: bool = True,
) -> Iterator[Chunk]:
    """Chunks of one text file, all labelled ``label``; bad lines come back with ``error`` set.

    ``unknown_reason`` marks every line for dropping (the file name is not a language code).
    ``split_lone_cr=False`` joins the parts of a line around a lone CR with a space (keeps line numbers).
    """
    prefix = id_prefix or f"{source}/{path.name}"
    counts: Counter[str] = Counter()
    stopped = None
    try:
        with open_binary(path) as stream:
            for number, part, size, text, error in iter_line_texts(
                stream, max_line_bytes, preview_chars, counts, split_lone_cr, BLOCK_BYTES
            ):
                if error == "line_too_long":
                    problems.add(
                        path, f"line {number + 1}: {size} bytes > max_line_bytes, dropped (read:line_too_long)"
                    )
                chunk_id = f"{prefix}/{number}" if part == 0 else f"{prefix}/{number}.{part}"
                yield Chunk(chunk_id, text, label, size, error or unknown_reason)
    except PermissionError as error:
        problems.add(path, f"unreadable: {error.strerror or error}")
        return
    except Exception as error:  # noqa: BLE001 - each decompressor has its own corrupt-stream error
        if path.stat().st_size == 0:  # an empty .xz/.zst is an empty file, not a damaged one
            problems.add(path, "empty file: 0 bytes")
            return
        stopped = f"{type(error).__name__}: {error}"
        problems.add(
            path, f"truncated or corrupt data: kept the {counts['lines']} lines read before the damage ({stopped})"
        )
    report_counts(path, counts, problems, empty=stopped is None)


def report_counts(path: Path, counts: Counter[str], problems: Problems, empty: bool) -> None:
    """One problem record per reason and repair counted while reading ``path`` (``empty``: say so if no line)."""
    lines = counts["lines"]
    if lines == 0 and empty:
        problems.add(path, "empty file: no text lines")
    if counts["nul_byte"]:
        hint = ": a binary or UTF-16 file, not UTF-8 text" if counts["nul_byte"] == lines else ""
        problems.add(path, f"{counts['nul_byte']} of {lines} lines hold NUL bytes, dropped (read:nul_byte){hint}")
    if counts["invalid_utf8"]:
        problems.add(path, f"{counts['invalid_utf8']} lines not valid UTF-8, dropped (read:invalid_utf8)")
    if counts["bom"]:
        problems.add(path, f"repaired: {counts['bom']} byte order marks (U+FEFF) removed from line starts")
    if counts["lone_cr_split"]:
        problems.add(path, f"repaired: {counts['lone_cr_split']} lone CR characters read as line breaks")
    if counts["lone_cr_joined"]:
        problems.add(path, f"repaired: {counts['lone_cr_joined']} lone CR characters read as spaces (verse lines)")
