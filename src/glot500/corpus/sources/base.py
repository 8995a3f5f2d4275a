"""What every source reader yields (a :class:`Chunk`) and how it reports a bad file (a problem record).

Readers never raise on bad input: a file that cannot be read becomes a problem record ``{file, reason}``
and the run goes on; a line that cannot be used becomes a chunk with ``error`` set, which the pipeline
drops at step ``read`` with that reason, so it is still counted.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import NamedTuple

from glot500.core.errors import LanguageCodeError

logger = logging.getLogger(__name__)

UNKNOWN_LABEL = "und_Zzzz"


class Chunk(NamedTuple):
    id: str
    text: str
    lang: str
    nbytes: int  # UTF-8 size of the chunk as read (of the whole line, also when it is dropped)
    error: str | None = None  # reason to drop at the read step (``line_too_long``, ``invalid_utf8``, ...)


class Problems:
    """File-level problems of one task: appended to ``stats.json`` ``errors`` and logged."""

    def __init__(self) -> None:
        self.records: list[dict[str, str]] = []

    def add(self, file: object, reason: str) -> None:
        logger.warning("%s: %s", file, reason)
        self.records.append({"file": _printable(str(file)), "reason": _printable(reason)})


def _printable(text: str) -> str:
    """``text`` as valid UTF-8: a file name with undecodable bytes shows them as U+FFFD (stats.json must be text)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return text.encode("utf-8", "replace").decode("utf-8")


@lru_cache(maxsize=65536)
def _normalize_code(code: str) -> str:
    from glot500.languages import normalize

    return normalize(code)


def label_for(code: object, text: str | None = None) -> str | None:
    """The label of a language code, or ``None`` when it cannot be normalised.

    Codes with a script (``deu_Latn``, ``sr-Cyrl``) are cached; bare codes (``sr``) take the script of ``text``.
    """
    if not isinstance(code, str) or not code.strip():
        return None
    try:
        if text is not None and not any(len(part) == 4 for part in code.replace("-", "_").split("_")[1:]):
            from glot500.languages import normalize

            return normalize(code, text=text)
        return _normalize_code(code)
    except LanguageCodeError:
        return None
