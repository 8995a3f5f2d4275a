"""vref-aligned Bible files: ``<label>.txt`` with one verse per line, line ``i`` being verse ``vref[i]``.

This is the layout of the eBible corpus (``vref.txt`` lists ``GEN 1:1`` ... one reference per line; a blank
line in a translation is a verse it lacks). Chunk ids carry the verse reference, so they stay stable and
line up across languages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from glot500.core.textio import iter_lines
from glot500.corpus.sources.base import Chunk, Problems
from glot500.corpus.sources.text import read_text_file


def read_vref(path: Path) -> list[str]:
    return [line.strip() for line in iter_lines(path, errors="replace")]


def read_bible_file(
    path: Path,
    label: str,
    source: str,
    vref: list[str],
    problems: Problems,
    max_line_bytes: int,
    preview_chars: int,
    unknown_reason: str | None = None,
) -> Iterator[Chunk]:
    """Verses of one translation; lines beyond the verse list are kept with a ``line<N>`` id and reported."""
    prefix = f"{source}/{path.name}"
    beyond = 0
    chunks = read_text_file(
        path, label, source, problems, max_line_bytes, preview_chars, prefix, unknown_reason, split_lone_cr=False
    )
    for chunk in chunks:
        number = int(chunk.id.rsplit("/", 1)[1])
        if number < len(vref) and vref[number]:
            yield chunk._replace(id=f"{prefix}/{vref[number]}")
        else:
            beyond += 1
            yield chunk._replace(id=f"{prefix}/line{number}")
    if beyond:
        problems.add(path, f"{beyond} lines beyond the {len(vref)} verses of the verse list")
