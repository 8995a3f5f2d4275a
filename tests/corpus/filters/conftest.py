"""Helpers for the cleaning-filter tests: documents and a runner that reports kept ids and drop reasons."""

from __future__ import annotations

import pytest
from datatrove.data import Document


def make_doc(text: str, lang: str, doc_id: str | None = None) -> Document:
    return Document(text=text, id=doc_id or text[:40], metadata={"lang": lang, "source": "test"})


def run_filter(step, docs: list[Document]) -> tuple[list[Document], dict[str, str]]:
    """Kept documents, and ``{id: reason}`` of the dropped ones."""
    kept = list(step(iter(docs)))
    kept_ids = {doc.id for doc in kept}
    dropped = {doc.id: doc.metadata.get("filter_reason", "") for doc in docs if doc.id not in kept_ids}
    return kept, dropped


@pytest.fixture
def doc():
    return make_doc


@pytest.fixture
def run():
    return run_filter


TINY_VOCABULARY = {
    "eng_Latn": "the house is big and the dog runs in the garden with my friend every morning",
    "deu_Latn": "das haus ist gross und der hund läuft im garten mit meinem freund jeden morgen",
    "rus_Cyrl": "дом большой и собака бегает в саду с моим другом каждое утро",
}


@pytest.fixture(scope="session")
def tiny_lid_model(tmp_path_factory: pytest.TempPathFactory):
    """A fastText model trained on three synthetic languages (eng_Latn, deu_Latn, rus_Cyrl)."""
    import random

    from glot500.corpus.filters import train_lid_from_corpus
    from glot500.lid.train import LidTrainConfig

    corpus = tmp_path_factory.mktemp("filters_lid_corpus")
    for seed, (label, words) in enumerate(TINY_VOCABULARY.items()):
        rng = random.Random(seed)
        lines = [" ".join(rng.choice(words.split()) for _ in range(rng.randint(6, 12))) for _ in range(80)]
        (corpus / f"{label}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path_factory.mktemp("filters_lid_model") / "lid.bin"
    train_lid_from_corpus(
        corpus, output, LidTrainConfig(epoch=25, lr=0.2, dim=16, bucket=20_000, threads=1, loss="softmax")
    )
    return output
