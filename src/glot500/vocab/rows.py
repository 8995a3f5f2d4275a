"""One row of a tokenizer report (shared by the report and its plots, so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageRow:
    """One tokenizer on one language-script."""

    tokenizer: str
    label: str
    script: str
    head: bool
    sentences: int
    words: int
    characters: int
    tokens: int
    fertility: float
    fertility_unit: str
    tokens_per_word: float
    tokens_per_char: float
    unk_share: float
    unk_char_share: float
    split_share: float
    changed_vs_first: float
    fallback_share: float = 0.0
    round_trip_share: float = 1.0
    spm_agreement_nfc: float | None = None
    spm_agreement_nfd: float | None = None
