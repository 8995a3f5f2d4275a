"""Typed evaluation settings: fine-tuning profiles (Glot500's defaults, a small CPU profile) and run options."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from glot500.core.config import StrictModel


class FinetuneConfig(StrictModel):
    """Fine-tuning hyperparameters for classification and tagging (English train, English dev selection).

    The defaults are those of Glot500's released scripts (``evaluation/tagging/evaluate_{ner,pos}.sh``:
    10 epochs, lr 2e-5, batch 8 x gradient accumulation 4 = 32, max length 256, seed 5;
    ``evaluation/text_classification/zero_shot_train.py``: 30 epochs, lr 2e-5, batch 8 x 2 = 16, length 100).
    """

    epochs: int = Field(10, ge=1)
    learning_rate: float = Field(2e-5, gt=0)
    batch_size: int = Field(8, ge=1)
    gradient_accumulation: int = Field(4, ge=1)
    max_length: int = Field(256, ge=8)
    weight_decay: float = Field(0.0, ge=0)
    warmup_ratio: float = Field(0.0, ge=0, lt=1)
    seed: int = 5
    max_train_examples: int | None = Field(None, ge=1, description="Cap on English training examples.")
    max_dev_examples: int | None = Field(None, ge=1, description="Cap on English dev examples.")
    eval_batch_size: int = Field(32, ge=1)


def glot500_tagging() -> FinetuneConfig:
    return FinetuneConfig()


def glot500_classification() -> FinetuneConfig:
    return FinetuneConfig(epochs=30, batch_size=8, gradient_accumulation=2, max_length=100, seed=42)


def cpu_small() -> FinetuneConfig:
    """A profile that fine-tunes a tiny model in seconds on a CPU (tests, demos, smoke runs)."""
    return FinetuneConfig(
        epochs=2,
        learning_rate=5e-4,
        batch_size=16,
        gradient_accumulation=1,
        max_length=64,
        seed=0,
        max_train_examples=256,
        max_dev_examples=128,
        eval_batch_size=64,
    )


Profile = Literal["glot500", "cpu-small"]


class EvalConfig(StrictModel):
    """Everything a run needs besides the models and the data (``configs/eval-*.yaml``)."""

    profile: Profile = "glot500"
    layer: int = Field(8, ge=0, description="Hidden layer for retrieval and alignment (0 = embeddings).")
    batch_size: int = Field(128, ge=1, description="Sentences per inference batch (sorted by length).")
    max_length: int = Field(512, ge=8, description="Token limit for inference (clipped to the model's).")
    device: str | None = Field(None, description="'cuda', 'cpu', ... (default: cuda when available).")
    train_lang: str = "eng_Latn"
    classification: FinetuneConfig | None = None
    tagging: FinetuneConfig | None = None
    ppl_max_sentences: int | None = Field(200, ge=1, description="Sentences per language for pseudo-perplexity.")
    ppl_batch_size: int = Field(64, ge=1, description="Masked copies per forward pass.")
    roundtrip_cycle: int = Field(3, ge=3, description="Languages per round-trip cycle (the language + pivots).")
    roundtrip_max_sentences: int | None = Field(200, ge=1)
    word_pooling: Literal["first", "mean"] = "first"
    suite_extras: bool = Field(
        True, description="Suite: also pseudo-perplexity and round-trip alignment over parallel retrieval folders."
    )
    fail_fast: bool = False

    def finetune(self, kind: Literal["classification", "tagging"]) -> FinetuneConfig:
        """The fine-tuning settings for ``kind``: the explicit block, else the profile's default."""
        explicit = self.classification if kind == "classification" else self.tagging
        if explicit is not None:
            return explicit
        if self.profile == "cpu-small":
            return cpu_small()
        return glot500_classification() if kind == "classification" else glot500_tagging()
