"""Tiny assets for the training tests: a three-language text corpus and a SentencePiece tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest
from train_fixtures import write_corpus


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    from glot500.corpus.reader import discover_languages, iter_texts
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    work = tmp_path_factory.mktemp("tokenizer")
    texts = [text for files in discover_languages(corpus_dir).values() for text in iter_texts(files)]
    model = train_spm(texts, work / "spm", vocab_size=120, num_threads=1)
    return spm_to_hf_tokenizer(model, work / "hf")
