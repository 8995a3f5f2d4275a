"""Fixtures of the publish tests: a tiny model made on the spot and a run-like folder around it."""

from __future__ import annotations

from pathlib import Path

import pytest
from publish_fixtures import make_run, sentences


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from glot500.model.tiny import make_tiny_mlm
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    root = tmp_path_factory.mktemp("tiny_publish")
    spm = train_spm(sentences(), root / "spm" / "sp", vocab_size=120)
    tokenizer = spm_to_hf_tokenizer(spm, root / "tok")
    return make_tiny_mlm(tokenizer, root / "model", seed=0)


@pytest.fixture
def run_dir(tmp_path, tiny_model) -> Path:
    return make_run(tmp_path / "runs" / "demo", tiny_model)
