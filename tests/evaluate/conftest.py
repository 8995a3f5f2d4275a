"""Tiny assets for the evaluation tests: a SentencePiece tokenizer and a random tiny XLM-R, made once."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_helpers import CYRILLIC, LATIN, make_sentences


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from glot500.model.tiny import make_tiny_mlm
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    root = tmp_path_factory.mktemp("tiny_eval")
    texts = make_sentences(LATIN, 300, 0) + make_sentences(CYRILLIC, 200, 1) + ["good bad alpha beta"] * 5
    spm = train_spm(texts, root / "spm" / "sp", vocab_size=160)
    tokenizer = spm_to_hf_tokenizer(spm, root / "tok")
    return make_tiny_mlm(tokenizer, root / "model", seed=0)


@pytest.fixture(scope="session")
def encoder(tiny_model):
    from glot500.evaluate.encoder import HFEncoder

    return HFEncoder(str(tiny_model), device="cpu", batch_size=16, progress=False)
