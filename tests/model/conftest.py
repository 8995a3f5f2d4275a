"""Tiny assets for model tests: toy languages in two scripts, a base tokenizer, a merged one, a tiny MLM."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

ALPHABETS = {
    "Latn": "abdefgiklmnoprstu",
    "Cyrl": "абвгдежиклмнопрсту",
    "Grek": "αβγδεζηθικλμνξοπρστ",
}

CORPUS_LANGUAGES = {"fra_Latn": ("Latn", 1), "rus_Cyrl": ("Cyrl", 2), "ell_Grek": ("Grek", 3), "ita_Latn": ("Latn", 4)}


def toy_sentences(script: str, seed: int, n: int = 400) -> list[str]:
    """Sentences of a made-up language: a Zipf-ish lexicon of syllable words in one script."""
    rng = random.Random(seed)
    letters = ALPHABETS[script]
    syllables = [rng.choice(letters) + rng.choice(letters) for _ in range(40)]
    lexicon = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(300)]
    weights = [1 / (rank + 1) for rank in range(len(lexicon))]
    return [" ".join(rng.choices(lexicon, weights, k=rng.randint(5, 12))) for _ in range(n)]


@pytest.fixture(scope="session")
def model_assets(tmp_path_factory) -> dict[str, Path]:
    """Base tokenizer (Latin toy language), merged tokenizer (+ Cyrillic, Greek, another Latin), tiny MLM."""
    from glot500.model.tiny import make_tiny_mlm
    from glot500.vocab.merge import merge
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    root = tmp_path_factory.mktemp("model_assets")
    base_spm = train_spm(toy_sentences("Latn", 1), root / "base" / "sp", vocab_size=120, num_threads=1)
    added_texts = toy_sentences("Cyrl", 2) + toy_sentences("Grek", 3) + toy_sentences("Latn", 4)
    added_spm = train_spm(added_texts, root / "added" / "sp", vocab_size=400, num_threads=1)
    base_tok = spm_to_hf_tokenizer(base_spm, root / "base_tok")
    merged_tok = merge(base_tok, added_spm, root / "merged_tok")
    base_model = make_tiny_mlm(base_tok, root / "base_model", seed=0, hidden_size=32, intermediate_size=64)
    corpus = root / "corpus"  # the extension corpus, in the raw <label>.txt layout (for corpus-informed)
    corpus.mkdir()
    for label, (script, seed) in CORPUS_LANGUAGES.items():
        (corpus / f"{label}.txt").write_text("\n".join(toy_sentences(script, seed)) + "\n", encoding="utf-8")
    return {"base_tok": base_tok, "merged_tok": merged_tok, "base_model": base_model, "root": root, "corpus": corpus}
