"""A tiny synthetic 3-language corpus (``<label>.txt`` files) and a fastText model trained on it once."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

VOCABULARY = {
    "eng_Latn": "the house is big and the dog runs in the garden with my friend every morning",
    "deu_Latn": "das haus ist gross und der hund läuft im garten mit meinem freund jeden morgen",
    "rus_Cyrl": "дом большой и собака бегает в саду с моим другом каждое утро",
}


def synthetic_sentences(label: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = VOCABULARY[label].split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(6, 12))) for _ in range(count)]


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lid_corpus")
    for index, label in enumerate(VOCABULARY):
        (folder / f"{label}.txt").write_text("\n".join(synthetic_sentences(label, 80, index)) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from glot500.lid.train import LidTrainConfig, train_lid

    output = tmp_path_factory.mktemp("lid_model") / "lid.bin"
    config = LidTrainConfig(epoch=25, lr=0.2, dim=16, bucket=20_000, threads=1, holdout=0.2, loss="softmax")
    texts = {label: iter(synthetic_sentences(label, 80, index)) for index, label in enumerate(VOCABULARY)}
    return output, train_lid(texts, output, config, source="synthetic")


@pytest.fixture
def sentences():
    """``sentences(label, count, seed)``: fresh synthetic sentences of one of the three languages."""
    return synthetic_sentences
