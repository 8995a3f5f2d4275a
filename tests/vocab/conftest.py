"""Tiny assets for vocabulary tests: a five-language toy corpus, a base (head-only) and an added SentencePiece."""

from __future__ import annotations

from pathlib import Path

import pytest
from toy_languages import HEAD, TOY_LANGUAGES, toy_sentences


@pytest.fixture(scope="session")
def toy_corpus(tmp_path_factory) -> Path:
    """``<label>.txt`` files, one sentence per line (the raw-corpus layout of glot500.corpus.reader)."""
    root = tmp_path_factory.mktemp("toy_corpus")
    for label in TOY_LANGUAGES:
        (root / f"{label}.txt").write_text("\n".join(toy_sentences(label)) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def spm_models(tmp_path_factory) -> dict[str, Path]:
    """Base SPM on the head languages; added SPM on all languages; a merged HF tokenizer folder."""
    from glot500.vocab.merge import merge
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    root = tmp_path_factory.mktemp("spm")
    base = train_spm([t for label in HEAD for t in toy_sentences(label)], root / "base", 200, num_threads=1)
    everything = [t for label in TOY_LANGUAGES for t in toy_sentences(label)]
    added = train_spm(everything, root / "added", 1500, num_threads=1)
    base_tok = spm_to_hf_tokenizer(base, root / "base_tok")
    merged = merge(base_tok, added, root / "merged_tok")
    return {"base": base, "added": added, "base_tok": base_tok, "merged_tok": merged}
