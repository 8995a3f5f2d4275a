"""JSONL and Parquet sources: one chunk per row, with a text field and a language field (any code
:func:`glot500.languages.normalize` accepts). Rows whose code is unknown are counted under ``und_Zzzz`` and
dropped (``unknown_language``); invalid JSON lines are dropped (``invalid_json``); a missing field drops the row
(``no_text``); files that cannot be opened are problems. Compressed JSONL (``.jsonl.gz`` etc.) is read too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from glot500.core.textio import iter_raw_lines, open_binary
from glot500.corpus.sources.base import UNKNOWN_LABEL, Chunk, Problems, label_for

BOM_BYTES = b"\xef\xbb\xbf"


class RowLabeller:
    """Turns ``(text, code)`` of a row into a chunk, counting unknown codes per file for one problem record."""

    def __init__(self, fixed_lang: str | None) -> None:
        self.fixed_label = label_for(fixed_lang) if fixed_lang else None
        self.unknown: Counter[str] = Counter()
        self.nul = 0

    def chunk(self, chunk_id: str, text: object, code: object, nbytes: int | None = None) -> Chunk | None:
        if text is None or not isinstance(text, str):
            label = self.fixed_label or label_for(code) or UNKNOWN_LABEL
            return Chunk(chunk_id, "" if text is None else str(text)[:1000], label, nbytes or 0, "no_text")
        text = text.strip().removeprefix("\ufeff")
        if not text:
            return None
        size = len(text.encode("utf-8")) if nbytes is None else nbytes
        if "\x00" in text:  # NUL is never text: dropped as in text files
            self.nul += 1
            return Chunk(
                chunk_id, text.replace("\x00", "\ufffd")[:1000], self.fixed_label or UNKNOWN_LABEL, size, "nul_byte"
            )
        label = self.fixed_label or label_for(code, text)
        if label is None:
            self.unknown[str(code)] += 1
            return Chunk(chunk_id, text, UNKNOWN_LABEL, size, "unknown_language")
        return Chunk(chunk_id, text, label, size)

    def report(self, file: object, problems: Problems) -> None:
        from glot500.languages.labels import shown as shown_code

        if self.nul:
            problems.add(file, f"{self.nul} rows hold NUL bytes, dropped (read:nul_byte)")
        if self.unknown:
            shown = ", ".join(f"{shown_code(code)} x{count}" for code, count in self.unknown.most_common(10))
            problems.add(file, f"unknown language codes, rows dropped (read:unknown_language): {shown}")


def read_jsonl(
    path: Path,
    source: str,
    problems: Problems,
    text_field: str,
    lang_field: str,
    fixed_lang: str | None,
    max_line_bytes: int,
    preview_chars: int,
) -> Iterator[Chunk]:
    labeller = RowLabeller(fixed_lang)
    fallback = labeller.fixed_label or UNKNOWN_LABEL
    rows = 0
    try:
        with open_binary(path) as stream:
            for number, (raw, length, too_long, _) in enumerate(iter_raw_lines(stream, max_line_bytes, preview_chars)):
                chunk_id = f"{source}/{path.name}/{number}"
                if too_long:
                    rows += 1
                    preview = raw.decode("utf-8", errors="replace")[:preview_chars]
                    problems.add(path, f"line {number + 1}: {length} bytes > max_line_bytes, dropped")
                    yield Chunk(chunk_id, preview, fallback, length, "line_too_long")
                    continue
                raw = raw.removeprefix(BOM_BYTES)  # json.loads refuses a BOM: it would cost the first row
                if not raw.strip():
                    continue
                rows += 1
                try:
                    row = json.loads(raw)
                    if not isinstance(row, dict):
                        raise ValueError("not an object")
                except ValueError:
                    yield Chunk(
                        chunk_id,
                        raw.decode("utf-8", errors="replace")[:preview_chars],
                        fallback,
                        length,
                        "invalid_json",
                    )
                    continue
                chunk = labeller.chunk(chunk_id, row.get(text_field), row.get(lang_field))
                if chunk is not None:
                    yield chunk
    except PermissionError as error:
        problems.add(path, f"unreadable: {error.strerror or error}")
    except Exception as error:  # noqa: BLE001 - each decompressor has its own corrupt-stream error
        problems.add(
            path, f"truncated or corrupt data: kept the {rows} rows read before it ({type(error).__name__}: {error})"
        )
    else:
        if rows == 0:
            problems.add(path, "empty file: no rows")
    labeller.report(path, problems)


def read_parquet(
    path: Path,
    source: str,
    problems: Problems,
    text_field: str,
    lang_field: str,
    fixed_lang: str | None,
) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    labeller = RowLabeller(fixed_lang)
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
        if text_field not in names or (fixed_lang is None and lang_field not in names):
            problems.add(path, f"missing column {text_field!r} or {lang_field!r} (has {names})")
            return
        columns = [text_field] + ([lang_field] if lang_field in names else [])
        batches = (batch.to_pydict() for batch in parquet.iter_batches(columns=columns, batch_size=8192))
        rows = yield from _rows_to_chunks(batches, f"{source}/{path.name}", text_field, lang_field, labeller)
    except PermissionError as error:
        problems.add(path, f"unreadable: {error.strerror or error}")
        return
    except Exception as error:  # noqa: BLE001 - pyarrow raises several types for corrupt files
        problems.add(path, f"not a readable parquet file: {type(error).__name__}: {error}")
        return
    if rows == 0:
        problems.add(path, "empty file: no rows")
    labeller.report(path, problems)


def _rows_to_chunks(
    batches: Iterable[dict[str, list]], prefix: str, text_field: str, lang_field: str, labeller: RowLabeller
):
    """Yield chunks of column batches; return the number of rows."""
    index = 0
    for batch in batches:
        texts = batch[text_field]
        codes = batch.get(lang_field) or [None] * len(texts)
        for text, code in zip(texts, codes, strict=True):
            chunk = labeller.chunk(f"{prefix}/{index}", text, code)
            index += 1
            if chunk is not None:
                yield chunk
    return index
