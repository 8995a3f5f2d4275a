"""Typed configuration of the per-chunk cleaning steps: one section per step, each switchable.

Defaults follow BigScience ROOTS (``parameters_filtering_default`` of bigscience-workshop/data-preparation,
the filters Glot500 says it applied) where ROOTS has a value that suits chunks; docs/cleaning.md lists each
default, its source, and what it drops on the eBible corpus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from glot500.core.config import StrictModel


class ScriptConsistencyConfig(StrictModel):
    """Majority script of a chunk against the script of its label."""

    enabled: bool = True
    action: Literal["drop", "relabel"] = Field(
        "drop", description="drop the chunk, or relabel it to <lang>_<detected script> (original kept in metadata)"
    )
    keep_scriptless: bool = Field(True, description="keep chunks with no letters at all (digits, punctuation)")


class LengthConfig(StrictModel):
    """Too few words or too few characters (words are characters in scripts written without spaces)."""

    enabled: bool = True
    min_words: int = Field(
        3, ge=0, description="ROOTS uses 10 on documents; on verses 10 drops 4.1%, 3 drops 0.02% (docs/cleaning.md)"
    )
    min_chars: int = Field(1, ge=0, description="letters (non-special characters)")


class SpecialCharactersConfig(StrictModel):
    """Share of punctuation, digits, symbols, emoji and whitespace among all characters."""

    enabled: bool = True
    max_ratio: float = Field(0.4, gt=0, le=1, description="ROOTS special_characters_max_cutoff")
    attached_marks_are_letters: bool = Field(
        True,
        description="apostrophes, quotes and hyphens touching a letter are not special (tone and glottal-stop "
        "marks of many orthographies); false counts them as ROOTS does",
    )


class CharacterRepetitionConfig(StrictModel):
    """Share of the chunk covered by its most frequent character n-grams (ROOTS's measure)."""

    enabled: bool = True
    ngram: int = Field(10, ge=2, le=64, description="ROOTS character_repetition_length")
    max_ratio: float = Field(0.2, gt=0, le=1, description="ROOTS character_repetition_max_cutoff (English: 0.106)")
    roots_exact: bool = Field(
        False,
        description="ROOTS's formula as published: a chunk with no repeated n-gram scores isqrt(N)/N (above "
        "0.2 under ~30 characters) and one made only of repeated n-grams scores 0; False fixes both",
    )


class WordRepetitionConfig(StrictModel):
    """Share of word n-grams that occur more than once (ROOTS formula)."""

    enabled: bool = True
    ngram: int = Field(5, ge=1, le=64, description="ROOTS word_repetition_length")
    spaceless_ngram: int = Field(10, ge=1, le=128, description="character n-gram length for spaceless scripts")
    max_ratio: float = Field(0.3, gt=0, le=1, description="ROOTS word_repetition_max_cutoff (English: 0.19)")


class LanguageIdConfig(StrictModel):
    """fastText language-ID verification of each chunk's label."""

    enabled: bool = False
    model: Path | None = Field(None, description="fastText .bin (GlotLID or `glot500 lid train`)")
    threshold: float = Field(0.9, gt=0, le=1, description="drop when another label is predicted at >= this")
    unknown_labels: Literal["keep", "drop"] = Field(
        "keep", description="chunks whose label the model does not know: keep (counted) or drop"
    )
    macrolanguage_match: bool = Field(
        True, description="a prediction of the label's macrolanguage (or a member) agrees"
    )
    max_chars: int | None = Field(
        1000, ge=1, description="identify from the first N characters (fastText's cost grows with length)"
    )
    batch_size: int = Field(512, ge=1)

    @model_validator(mode="after")
    def _model_needed(self) -> LanguageIdConfig:
        if self.enabled and self.model is None:
            raise ValueError("lid.enabled needs lid.model (a fastText .bin file)")
        return self


class DecontaminationConfig(StrictModel):
    """Drop chunks sharing a long n-gram with evaluation data (task folders)."""

    enabled: bool = False
    task_dirs: list[Path] = Field(default_factory=list, description="task folders, or a folder of task folders")
    ngram: int = Field(13, ge=3, le=256, description="words (GPT-3's 13-gram contamination check)")
    spaceless_ngram: int = Field(20, ge=3, le=512, description="characters, for spaceless scripts")
    cache_dir: Path | None = Field(None, description="where the n-gram index is cached (default: user cache)")

    @model_validator(mode="after")
    def _tasks_needed(self) -> DecontaminationConfig:
        if self.enabled and not self.task_dirs:
            raise ValueError("decontamination.enabled needs decontamination.task_dirs")
        return self


class CleaningConfig(StrictModel):
    """All per-chunk cleaning steps, in pipeline order."""

    script: ScriptConsistencyConfig = Field(default_factory=ScriptConsistencyConfig)
    length: LengthConfig = Field(default_factory=LengthConfig)
    special_characters: SpecialCharactersConfig = Field(default_factory=SpecialCharactersConfig)
    character_repetition: CharacterRepetitionConfig = Field(default_factory=CharacterRepetitionConfig)
    word_repetition: WordRepetitionConfig = Field(default_factory=WordRepetitionConfig)
    lid: LanguageIdConfig = Field(default_factory=LanguageIdConfig)
    decontamination: DecontaminationConfig = Field(default_factory=DecontaminationConfig)
