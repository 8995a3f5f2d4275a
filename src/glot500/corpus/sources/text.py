"""Plain-text sources: one chunk per line, ``.txt`` or compressed (``.gz``, ``.xz``, ``.bz2``, ``.zst``).

Lines are read as bytes in blocks, so a single line of hundreds of megabytes never sits in memory whole:
past ``max_line_bytes`` it is skipped up to the next newline and reported as one dropped chunk
(``line_too_long``, with a preview of its start). The same rules hold at every position of a file:

* a line holding a NUL byte is dropped (``nul_byte``): NUL is never text (a UTF-16 or binary file drops every
  line, and its problem record says so);
* a line that is not valid UTF-8 is dropped (``invalid_utf8``);
* a byte order mark (U+FEFF) at the start of a line is removed (repaired, counted in a problem record);
* a lone CR (old Mac line end) is a line break: each part is its own chunk (repaired, counted); CRLF is one
  line end. Verse-aligned Bible files join the parts with a space instead, so that line numbers stay verses;
* a truncated or corrupt compressed file keeps every line decompressed before the damage (what ``zcat``
  prints) and gets a problem record saying where it stopped.

Empty and unreadable files are problems too; blank lines are not chunks. Nothing is skipped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from glot500.core.textio import COMPRESSED_SUFFIXES, iter_blocks, open_binary, strip_compression
from glot500.corpus.sources.base import Chunk, Problems

BLOCK_BYTES = 1 << 22
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


def iter_raw_lines(stream, max_line_bytes: int, preview_bytes: int) -> Iterator[tuple[bytes, int, bool]]:
    """``(line bytes, full length, too_long)`` per line; an over-long line yields only its first bytes.

    A stream that breaks off (truncated compressed data) still yields every line read before the break,
    the partial last one included, then raises the stream's error.
    """
    pending = b""
    skipping = False
    skipped = 0
    broken: Exception | None = None
    try:
        for block in iter_blocks(stream, BLOCK_BYTES):
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
    except (EOFError, OSError, ValueError) as error:  # zlib.error, LZMAError, ZstdError are among these
        broken = error
    if skipping:
        yield pending, skipped, True
    elif pending:
        yield pending, len(pending), False
    if broken is not None:
        raise broken


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
            for number, (raw, length, too_long) in enumerate(iter_raw_lines(stream, max_line_bytes, preview_chars * 4)):
                texts = _line_texts(raw, too_long, preview_chars, counts, split_lone_cr)
                for part, (text, error) in enumerate(texts):
                    if error is None and not text:
                        continue
                    counts["lines"] += 1
                    if error is not None:
                        counts[error] += 1
                    if error == "line_too_long":
                        problems.add(
                            path, f"line {number + 1}: {length} bytes > max_line_bytes, dropped (read:line_too_long)"
                        )
                    size = length if len(texts) == 1 else len(text.encode("utf-8"))
                    chunk_id = f"{prefix}/{number}" if part == 0 else f"{prefix}/{number}.{part}"
                    yield Chunk(chunk_id, text, label, size, error or unknown_reason)
    except PermissionError as error:
        problems.add(path, f"unreadable: {error.strerror or error}")
        return
    except Exception as error:  # noqa: BLE001 - each decompressor has its own corrupt-stream error
        stopped = f"{type(error).__name__}: {error}"
        problems.add(
            path, f"truncated or corrupt data: kept the {counts['lines']} lines read before the damage ({stopped})"
        )
    _report_counts(path, counts, problems, empty=stopped is None)


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


def _report_counts(path: Path, counts: Counter[str], problems: Problems, empty: bool) -> None:
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
