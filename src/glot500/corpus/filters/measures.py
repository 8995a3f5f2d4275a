"""Cheap text measures for the chunk filters, computed for a whole batch of chunks with numpy.

"Special" characters are those of Unicode categories Nd (decimal digits), P (punctuation), S (symbols,
emoji), Z (spaces) and C (controls, format, private use). Other numbers (No: superscript digits, Nl: letter
numbers) are not special: several orthographies (e.g. Chinantec ``hí³``) write tones with superscript
digits, and counting them drops most of such a language. ROOTS used a hand-made list (string.punctuation +
digits + whitespace + emoji + ~200 signs) that also holds letters of some scripts (Devanagari vowel signs,
katakana ツ, Han 一, Arabic ه) and would count real words as noise, so the categories are used instead.
Letters (L) and combining marks (M) are never special.

Words are the lower-cased runs between special characters. In scripts written without spaces
(:func:`glot500.languages.is_spaceless`) each non-special character is one unit instead.

Batch functions encode the joined texts once (``utf-32-le`` gives one ``uint32`` per character, so the
offsets of each text are its ``len()``) and work on that array. The per-text functions at the end
(:func:`word_units`, :func:`character_repetition_ratio`, :func:`word_repetition_ratio`) are the plain
reference implementations the vectorised ones in :mod:`.ngrams` are tested against (and
:func:`word_units` serves one-off uses).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from math import isqrt
from typing import NamedTuple

import numpy as np

from glot500.core.unicode import category_mask

_SPECIAL_CATEGORY_GROUPS = frozenset("PSZC")
_SPACE = 0x20
_MAX_BATCH = 1 << 16


@lru_cache(maxsize=1)
def special_table() -> np.ndarray:
    """``bool[codepoint]``: whether a character is special (built once per process; unassigned and private
    use code points are special, as category C)."""
    return category_mask(lambda category: category[0] in _SPECIAL_CATEGORY_GROUPS or category == "Nd")


class Batch(NamedTuple):
    """The joined characters of a batch of texts, with each text's offsets."""

    codepoints: np.ndarray  # (n_chars,) uint32
    lengths: np.ndarray  # (n_texts,) int64
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, texts: list[str]) -> Batch:
        if len(texts) > _MAX_BATCH:
            raise ValueError(f"at most {_MAX_BATCH} texts per batch")
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codepoints = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ends = np.cumsum(lengths)
        return cls(codepoints, lengths, ends - lengths, ends)

    def text_ids(self) -> np.ndarray:
        """(n_chars,) index of the text each character belongs to."""
        return np.repeat(np.arange(len(self.lengths), dtype=np.uint64), self.lengths)

    def sum_per_text(self, flags: np.ndarray) -> np.ndarray:
        """(n_texts,) how many of each text's characters are flagged (``flags``: (n_chars,) bool)."""
        # Flagged positions before each text's end minus those before its start: 5x faster than a cumulative
        # sum over every character (np.add.reduceat mishandles empty texts).
        positions = np.flatnonzero(flags)
        return np.searchsorted(positions, self.ends) - np.searchsorted(positions, self.starts)


class CharProfile(NamedTuple):
    """Per-text counts of a batch: characters, special characters and words (runs of non-special ones).

    ``special_unattached`` (computed on request, else equal to ``special``) leaves out word marks
    (apostrophes, quotes, hyphens) that touch a letter: many orthographies write tones or glottal stops with
    them (``yre_Latn``: ``'nan -ya "bɛ``).
    """

    lengths: np.ndarray
    special: np.ndarray
    words: np.ndarray
    special_unattached: np.ndarray


# Marks that orthographies use inside or at the edge of words (tone, glottal stop, elision, compounds).
WORD_MARKS = "'\"-\u2019\u2018\u02bc\u2010\u2011\u00b4\u0060"


def char_profile(texts: list[str], unattached: bool = False) -> CharProfile:
    """Character, special-character and word counts of each text (``special_unattached`` when asked)."""
    batch = Batch.of(texts)
    special = special_table()[batch.codepoints]
    starts = batch.starts[batch.lengths > 0]
    # A word starts at a non-special character that follows a special one or begins its text.
    previous_special = np.concatenate(([True], special[:-1]))
    previous_special[starts] = True
    word_starts = ~special & previous_special
    special_count = batch.sum_per_text(special)
    special_unattached = special_count
    if unattached:
        # Word marks next to a letter of the same text are not counted as special.
        next_special = np.concatenate((special[1:], [True]))
        next_special[batch.ends[batch.lengths > 0] - 1] = True
        attached = _word_mark_table()[batch.codepoints] & ~(previous_special & next_special)
        special_unattached = batch.sum_per_text(special & ~attached)
    return CharProfile(batch.lengths, special_count, batch.sum_per_text(word_starts), special_unattached)


@lru_cache(maxsize=1)
def _word_mark_table() -> np.ndarray:
    table = np.zeros(sys.maxunicode + 1, dtype=bool)
    table[[ord(mark) for mark in WORD_MARKS]] = True
    return table


def normalized_texts(texts: list[str]) -> list[str]:
    """Each text with every special character replaced by a space (case kept; lengths unchanged)."""
    batch = Batch.of(texts)
    codepoints = np.where(special_table()[batch.codepoints], np.uint32(_SPACE), batch.codepoints)
    joined = codepoints.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    return [joined[start:end] for start, end in zip(batch.starts.tolist(), batch.ends.tolist(), strict=True)]


def units_of_normalized(normalized: str, spaceless: bool) -> list[str]:
    """Words of a :func:`normalized_texts` text, or its non-space characters for spaceless scripts."""
    if spaceless:
        return list(normalized.lower().replace(" ", ""))
    return normalized.lower().split()


def word_units(text: str, spaceless: bool) -> list[str]:
    """Lower-cased words of ``text`` (or its letters, for scripts written without spaces)."""
    return units_of_normalized(normalized_texts([text])[0], spaceless)


def character_repetition_ratio(text: str, n: int, roots_exact: bool = False) -> float:
    """Share of all character n-grams taken by the most frequent ones (BigScience ROOTS), for one text.

    ROOTS sums the ``min(isqrt(distinct), seen_once)`` most frequent n-grams, where ``seen_once`` counts the
    n-grams occurring exactly once. On chunks that misfires twice: a chunk with no repeated n-gram still
    scores ``isqrt(N) / N`` (above ROOTS's 0.2 cut-off under ~30 characters), and a chunk made only of repeated
    n-grams (``seen_once == 0``) scores 0. By default the ``isqrt(distinct)`` most frequent n-grams are
    summed, counting only those that occur more than once; ``roots_exact=True`` gives ROOTS's number.
    This is the plain reference implementation; the filter uses :func:`.ngrams.character_repetition_ratios`.
    """
    total = len(text) - n + 1
    if total <= 0:
        return 0.0
    frequencies = sorted(_frequencies([text[i : i + n] for i in range(total)]), reverse=True)
    distinct = len(frequencies)
    if roots_exact:
        seen_once = sum(1 for frequency in frequencies if frequency == 1)
        return sum(frequencies[: min(isqrt(distinct), seen_once)]) / total
    return sum(frequency for frequency in frequencies[: max(1, isqrt(distinct))] if frequency > 1) / total


def word_repetition_ratio(units: list[str], n: int) -> float:
    """ROOTS's word repetition: share of word n-grams that occur more than once."""
    total = len(units) - n + 1
    if total <= 0:
        return 0.0
    grams = list(zip(*(units[i:] for i in range(n)), strict=False)) if n > 1 else units
    if len(set(grams)) == total:
        return 0.0
    return sum(frequency for frequency in _frequencies(grams) if frequency > 1) / total


def _frequencies(items: list) -> list[int]:
    counts: dict = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return list(counts.values())
