"""Glot500's chunk-level quality filters (after BigScience ROOTS): length, special characters, repetition."""

from __future__ import annotations

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from glot500.corpus.filters.base import (
    ChunkFilter,
    FilterResult,
    drop_above,
    group_by_spacing,
    is_spaceless_chunk,
)
from glot500.corpus.filters.measures import char_profile
from glot500.corpus.filters.ngrams import character_repetition_ratios, ngram_hashes, repetition_ratios


class LengthFilter(ChunkFilter):
    """Drops chunks with fewer than ``min_words`` words or ``min_chars`` letters (non-special characters).

    Words are runs of non-special characters; in scripts written without spaces each letter is one word.
    """

    name = "length"

    def __init__(
        self,
        min_words: int = 3,
        min_chars: int = 1,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 1024,
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.min_words = min_words
        self.min_chars = min_chars

    def filter_batch(self, batch: list[Document]) -> list[FilterResult]:
        profile = char_profile([doc.text for doc in batch])
        letters = (profile.lengths - profile.special).tolist()
        results: list[FilterResult] = []
        for doc, n_letters, n_words in zip(batch, letters, profile.words.tolist(), strict=True):
            if n_letters < self.min_chars:
                results.append((False, "too_few_chars"))
            elif n_words < self.min_words and not (n_letters >= self.min_words and is_spaceless_chunk(doc)):
                doc.metadata["word_count"] = n_words
                results.append((False, "too_few_words"))
            else:
                results.append(True)
        return results


class SpecialCharactersFilter(ChunkFilter):
    """Drops chunks where special characters (digits, punctuation, symbols, spaces) exceed ``max_ratio``.

    With ``attached_marks_are_letters`` apostrophes, quotes and hyphens touching a letter are not counted:
    several orthographies write tones or glottal stops with them (``yre_Latn``: ``'nan -ya "bɛ``).
    """

    name = "special_characters"

    def __init__(
        self,
        max_ratio: float = 0.4,
        attached_marks_are_letters: bool = True,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 1024,
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.max_ratio = max_ratio
        self.attached_marks_are_letters = attached_marks_are_letters

    def filter_batch(self, batch: list[Document]) -> list[FilterResult]:
        profile = char_profile([doc.text for doc in batch], unattached=self.attached_marks_are_letters)
        ratios = profile.special_unattached / np.maximum(profile.lengths, 1)  # an empty chunk has ratio 0
        return drop_above(batch, ratios.tolist(), self.max_ratio, "special_characters")


class CharacterRepetitionFilter(ChunkFilter):
    """Drops chunks whose most frequent character n-grams cover more than ``max_ratio`` of them (ROOTS)."""

    name = "character_repetition"

    def __init__(
        self,
        ngram: int = 10,
        max_ratio: float = 0.2,
        roots_exact: bool = False,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 1024,
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.ngram = ngram
        self.max_ratio = max_ratio
        self.roots_exact = roots_exact

    def filter_batch(self, batch: list[Document]) -> list[FilterResult]:
        ratios = character_repetition_ratios([doc.text for doc in batch], self.ngram, self.roots_exact)
        return drop_above(batch, ratios.tolist(), self.max_ratio, "character_repetition")


class WordRepetitionFilter(ChunkFilter):
    """Drops chunks where repeated word n-grams exceed ``max_ratio`` of all word n-grams (ROOTS).

    Scripts written without spaces use character n-grams of length ``spaceless_ngram`` instead.
    """

    name = "word_repetition"

    def __init__(
        self,
        ngram: int = 5,
        max_ratio: float = 0.3,
        spaceless_ngram: int = 10,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 1024,
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.ngram = ngram
        self.max_ratio = max_ratio
        self.spaceless_ngram = spaceless_ngram

    def filter_batch(self, batch: list[Document]) -> list[FilterResult]:
        ratios = np.zeros(len(batch))
        for spaceless, members in group_by_spacing(batch).items():
            n = self.spaceless_ngram if spaceless else self.ngram
            ratios[members] = repetition_ratios(ngram_hashes([batch[i].text for i in members], n, spaceless))
        return drop_above(batch, ratios.tolist(), self.max_ratio, "word_repetition")
