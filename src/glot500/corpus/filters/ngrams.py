"""Vectorised 64-bit n-gram hashes for a batch of texts (character/word repetition, decontamination).

Units are the lower-cased runs of non-special characters (:mod:`.measures`), or single letters in scripts
written without spaces. Each unit gets a polynomial hash from prefix sums over the batch's characters,
and each n-gram a polynomial hash from prefix sums over the units — a constant number of numpy passes
whatever ``n`` is. Hashes depend only on the text (no per-process salt), so they can be cached on disk.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from glot500.corpus.filters.measures import Batch, special_table

_CHAR_BASE = 0x100000001B3  # odd bases: invertible modulo 2**64, so prefix sums can be "divided"
_UNIT_BASE = 0x9E3779B97F4A7C15
_LAST_CASED = 0x1E943
_WHOLE_TAG = np.uint64(0x5851F42D4C957F2D)  # keeps whole-text keys apart from n-gram keys
# Sort keys for per-text counting: text index in the high 16 bits, the hash's top 48 bits below.
_TEXT_BITS = np.uint64(48)
_TEXT_BITS_LOW = np.uint64(16)


class NgramHashes(NamedTuple):
    """N-gram hashes of a batch: ``hashes[i]`` belongs to text ``texts[i]``; ``units`` counts per text."""

    hashes: np.ndarray  # (n_ngrams,) uint64
    texts: np.ndarray  # (n_ngrams,) int64
    units: np.ndarray  # (n_texts,) int64
    windows: np.ndarray  # (n_texts,) n-grams per text (max(units - n + 1, 0))


@lru_cache(maxsize=1)
def lower_table() -> np.ndarray:
    """``uint32[codepoint]``: the lower-case codepoint where lower-casing maps one character to one."""
    table = np.arange(sys.maxunicode + 1, dtype=np.uint32)
    for codepoint in range(_LAST_CASED + 1):  # no cased letters above Adlam (U+1E943)
        lowered = chr(codepoint).lower()
        if len(lowered) == 1 and lowered != chr(codepoint):
            table[codepoint] = ord(lowered)
    return table


def ngram_hashes(texts: list[str], n: int, spaceless: bool, whole_if_shorter: bool = False) -> NgramHashes:
    """Hashes of every unit n-gram of each text.

    Args:
        texts: the batch.
        n: n-gram length in units.
        spaceless: units are single letters (scripts written without spaces) instead of words.
        whole_if_shorter: a text with fewer than ``n`` units (but at least one) gets one hash of all its units
            instead, in its own key space (decontamination matches short eval texts whole).
    """
    unit_values, unit_texts, units = _unit_hashes(Batch.of(texts), spaceless)
    windows = np.maximum(units - n + 1, 0)
    prefix = _prefix_hash(unit_values, _UNIT_BASE)
    count = len(unit_values) - n + 1
    if count > 0:
        starts = np.arange(count)
        inside = unit_texts[:count] == unit_texts[n - 1 :]
        starts = starts[inside]
        hashes = _mix(_span_hash(prefix, starts, starts + n, _UNIT_BASE))
        owners = unit_texts[starts]
    else:
        hashes, owners = np.zeros(0, np.uint64), np.zeros(0, np.int64)
    if whole_if_shorter:
        short = np.flatnonzero((units > 0) & (units < n))
        if len(short):
            first_unit = np.concatenate(([0], np.cumsum(units)))[:-1]
            span = _span_hash(prefix, first_unit[short], first_unit[short] + units[short], _UNIT_BASE)
            hashes = np.concatenate((hashes, _mix(span ^ _WHOLE_TAG)))
            owners = np.concatenate((owners, short))
    return NgramHashes(hashes, owners, units, windows)


def window_hashes(values: np.ndarray, n: int) -> np.ndarray:
    """Hash of every window of ``n`` consecutive values (``len(values) - n + 1`` of them)."""
    prefix = _prefix_hash(values, _CHAR_BASE)
    starts = np.arange(len(values) - n + 1)
    return _mix(_span_hash(prefix, starts, starts + n, _CHAR_BASE))


def repetition_ratios(ngrams: NgramHashes) -> np.ndarray:
    """Per text: the share of its n-grams that occur more than once in it (ROOTS's word repetition)."""
    n_texts = len(ngrams.units)
    ratios = np.zeros(n_texts)
    if len(ngrams.hashes) == 0:
        return ratios
    keys = np.sort((ngrams.texts.astype(np.uint64) << _TEXT_BITS) | (ngrams.hashes >> _TEXT_BITS_LOW))
    run_starts = np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))
    run_lengths = np.diff(np.concatenate((run_starts, [len(keys)])))
    run_texts = (keys[run_starts] >> _TEXT_BITS).astype(np.int64)
    repeated = run_lengths > 1
    covered = np.bincount(run_texts[repeated], weights=run_lengths[repeated], minlength=n_texts)
    has = ngrams.windows > 0
    ratios[has] = covered[has] / ngrams.windows[has]
    return ratios


def character_repetition_ratios(texts: list[str], n: int, roots_exact: bool = False) -> np.ndarray:
    """:func:`.measures.character_repetition_ratio` of each text, from sorted 48-bit n-gram hashes.

    Each n-gram gets a polynomial hash (prefix sums over the whole batch), keyed by its text in the high
    16 bits; after one sort, runs of equal keys are the n-gram frequencies of each text.
    """
    batch = Batch.of(texts)
    totals = np.maximum(batch.lengths - n + 1, 0)
    ratios = np.zeros(len(texts))
    windows = len(batch.codepoints) - n + 1
    if windows <= 0 or not totals.any():
        return ratios
    hashes = window_hashes(batch.codepoints.astype(np.uint64), n)
    text_ids = batch.text_ids()
    inside = text_ids[:windows] == text_ids[n - 1 :]  # windows that do not cross into the next text
    keys = np.sort((text_ids[:windows][inside] << _TEXT_BITS) | (hashes[inside] >> _TEXT_BITS_LOW))
    run_starts = np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))
    run_lengths = np.diff(np.concatenate((run_starts, [len(keys)])))
    run_texts = (keys[run_starts] >> _TEXT_BITS).astype(np.int64)
    distinct = np.bincount(run_texts, minlength=len(texts))
    top = np.sqrt(distinct).astype(np.int64)  # isqrt
    repeated = run_lengths > 1
    repeated_runs = np.bincount(run_texts[repeated], minlength=len(texts))
    # ROOTS: the min(isqrt(distinct), seen_once) most frequent n-grams, singletons included.
    top = np.minimum(top, distinct - repeated_runs) if roots_exact else np.maximum(top, 1)
    covered = _top_sums(run_texts[repeated], run_lengths[repeated], top, len(texts))
    if roots_exact:
        covered = covered + np.maximum(top - repeated_runs, 0)  # singletons fill the rest of the top
    has_windows = totals > 0
    ratios[has_windows] = covered[has_windows] / totals[has_windows]
    return ratios


def _top_sums(run_texts: np.ndarray, run_lengths: np.ndarray, top: np.ndarray, n_texts: int) -> np.ndarray:
    """Per text, the sum of its ``top[text]`` largest run lengths."""
    if len(run_texts) == 0:
        return np.zeros(n_texts, dtype=np.int64)
    order = np.lexsort((-run_lengths, run_texts))
    texts, lengths = run_texts[order], run_lengths[order]
    group_starts = np.searchsorted(texts, texts, side="left")
    rank = np.arange(len(texts)) - group_starts
    chosen = rank < top[texts]
    return np.bincount(texts[chosen], weights=lengths[chosen], minlength=n_texts).astype(np.int64)


def _unit_hashes(batch: Batch, spaceless: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hash of each unit, the text it belongs to, and the number of units per text."""
    special = special_table()[batch.codepoints]
    letters = ~special
    if spaceless:
        unit_starts = np.flatnonzero(letters)
        unit_ends = unit_starts + 1
    else:
        text_start = np.zeros(len(special), dtype=bool)
        text_start[batch.starts[batch.lengths > 0]] = True
        text_end = np.zeros(len(special), dtype=bool)
        text_end[batch.ends[batch.lengths > 0] - 1] = True
        previous_special = np.concatenate(([True], special[:-1])) | text_start
        next_special = np.concatenate((special[1:], [True])) | text_end
        unit_starts = np.flatnonzero(letters & previous_special)
        unit_ends = np.flatnonzero(letters & next_special) + 1
    characters = lower_table()[batch.codepoints].astype(np.uint64)
    prefix = _prefix_hash(characters, _CHAR_BASE)
    values = _mix(_span_hash(prefix, unit_starts, unit_ends, _CHAR_BASE))
    owners = np.searchsorted(batch.ends, unit_starts, side="right").astype(np.int64)
    units = np.bincount(owners, minlength=len(batch.lengths)).astype(np.int64)
    return values, owners, units


def _prefix_hash(values: np.ndarray, base: int) -> np.ndarray:
    """``P[i] = sum(values[j] * base**j for j < i)`` modulo 2**64 (numpy's uint64 arithmetic wraps)."""
    return np.concatenate((np.zeros(1, np.uint64), np.cumsum(values * _powers(base, len(values)), dtype=np.uint64)))


def _span_hash(prefix: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: int) -> np.ndarray:
    """``sum(values[starts + k] * base**k)``: the span's prefix difference divided by ``base**start``."""
    return (prefix[ends] - prefix[starts]) * _inverse_powers(base, int(starts.max(initial=0)) + 1)[starts]


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole hash."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _powers(base: int, count: int) -> np.ndarray:
    return _power_table(base, False, count)[:count]


def _inverse_powers(base: int, count: int) -> np.ndarray:
    return _power_table(base, True, count)[:count]


_POWER_CACHE: dict[tuple[int, bool], np.ndarray] = {}


def _power_table(base: int, inverse: bool, count: int) -> np.ndarray:
    """``base**k`` (or its inverse modulo 2**64) for ``k < count``, grown by doubling and kept."""
    table = _POWER_CACHE.get((base, inverse))
    if table is None or len(table) < count:
        size = max(1024, 1 << max(count - 1, 1).bit_length())
        factor = pow(base, -1, 1 << 64) if inverse else base
        table = np.empty(size, dtype=np.uint64)
        table[0] = 1
        table[1:] = np.uint64(factor)
        table = np.cumprod(table, dtype=np.uint64)
        _POWER_CACHE[(base, inverse)] = table
    return table
