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
BOM = b"\xef\xbb\xbf"
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


def iter_raw_lines(stream, max_line_bytes: int, preview_bytes: int) -> Iterator[tuple[bytes, int, bool, bool]]:
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
        for block in iter_blocks(stream, BLOCK_BYTES):
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
        for number, part, size, text, error in iter_line_texts(
            path, max_line_bytes, preview_chars, counts, split_lone_cr
        ):
            if error == "line_too_long":
                problems.add(path, f"line {number + 1}: {size} bytes > max_line_bytes, dropped (read:line_too_long)")
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


def iter_line_texts(
    path: Path, max_line_bytes: int, preview_chars: int, counts: Counter[str], split_lone_cr: bool = True
) -> Iterator[tuple[int, int, int, str, str | None]]:
    """``(line number, part, bytes, text, error)`` per non-blank chunk of a text file, by the module's rules.

    ``counts`` gets ``lines`` and one count per reason and repair. A damaged compressed file raises its
    decompressor's error after the last recoverable line.
    """
    lines = 0
    try:
        with open_binary(path) as stream:
            for number, (raw, length, too_long, plain) in enumerate(
                iter_raw_lines(stream, max_line_bytes, preview_chars * 4)
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
