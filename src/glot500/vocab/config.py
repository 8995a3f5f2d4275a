"""Typed configurations of the vocabulary stage (YAML + CLI flags, validated once at the edge)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from glot500.core.config import StrictModel
from glot500.vocab.family import TokenizerFamily
from glot500.vocab.sizing import SizingOptions


class VocabTrainConfig(StrictModel):
    """``glot500 vocab train``: new pieces on an alpha-sampled corpus (Glot500: alpha 0.3), in a tokenizer family.

    ``like`` (a base tokenizer folder) trains in the base's family with its normaliser and pre-tokeniser;
    ``family`` names the family where there is no base; neither: SentencePiece unigram (XLM-R style).
    """

    corpus: Path
    output: Path
    vocab_size: Annotated[int, Field(gt=3)] | Literal["auto"] = Field(
        32_000,
        description="pieces, including <unk>, <s>, </s> (BPE: alphabet + merges); 'auto': sized by held-out "
        "compression (sizing)",
    )
    sizing: SizingOptions = Field(default_factory=SizingOptions, description="how vocab_size 'auto' chooses")
    like: Path | None = Field(None, description="base tokenizer folder: train in its family, normaliser, pre-tokeniser")
    family: TokenizerFamily | None = Field(None, description="unigram, bpe-byte-fallback, byte-level-bpe (no base)")
    min_frequency: int = Field(2, ge=1, description="BPE: pairs seen fewer times are never merged")
    alpha: float = Field(0.3, gt=0, le=1, description="temperature of the language sampling")
    sample_size: int = Field(1_000_000, gt=0, description="chunks drawn (with repeats for small languages)")
    seed: int = 0
    languages: list[str] | None = Field(None, description="only these language-script labels")
    head_only: bool = Field(False, description="only XLM-R's head languages (a base vocabulary)")
    head_weight: float = Field(1.0, ge=0, description="multiplies the sampling weight of head languages")
    character_coverage: float = Field(1.0, gt=0, le=1)
    min_character_count: int = Field(
        1, ge=1, description="unigram: characters seen fewer times in the sample get no piece and stay <unk> (a row "
        "learnt from a handful of examples is confidently wrong on text that uses the character often)",
    )  # fmt: skip
    byte_fallback: bool = False
    num_threads: int = Field(2, ge=1)
    input_sentence_size: int = Field(0, ge=0, description="SentencePiece reads at most this many lines (0: all)")
    keep_sample: bool = Field(False, description="keep sample.txt(.langs) in the output folder")

    @model_validator(mode="after")
    def _non_empty_language_list(self) -> VocabTrainConfig:
        if self.languages is not None and not self.languages:
            raise ValueError("languages: give at least one label or leave it out")
        return self


class VocabReportConfig(StrictModel):
    """``glot500 vocab report``: fertility, <unk> share and split share per language-script and tokenizer."""

    tokenizers: dict[str, Path] = Field(description="display name -> HF tokenizer folder (or hub name)")
    corpus: Path
    output: Path
    max_sentences: int = Field(1000, gt=0, description="sentences read per language-script")
    languages: list[str] | None = None
    batch_size: int = Field(1000, gt=0)
    plots: bool = True
    fidelity: bool = Field(True, description="compare AutoTokenizer with SentencePiece ids (NFC and NFD)")
    heldout: Path | None = Field(
        None, description="held-out text (a corpus, or <label>/<label>.txt folders) to compare fertility with"
    )
    heldout_gap_warning: float = Field(
        0.05, gt=0, description="warn when held-out tokens per character exceed the training text's by this share"
    )

    @model_validator(mode="after")
    def _at_least_one_tokenizer(self) -> VocabReportConfig:
        if not self.tokenizers:
            raise ValueError("tokenizers: give at least one")
        return self
