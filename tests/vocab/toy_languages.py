"""Made-up languages for the vocabulary tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import random

# Made-up languages under real labels: two head languages (the base), three tail ones with letters the
# base never sees (so <unk> must fall after extension); Tibetan is written without spaces.
TOY_LANGUAGES = {
    "eng_Latn": ("abcdefghiklmnoprstuw", True),
    "rus_Cyrl": ("абвгдежзиклмнопрсту", True),
    "quc_Latn": ("abchijklmnoqrstuxyäëïöüɨŋ", True),
    "chr_Cher": ("ᎠᎡᎢᎣᎤᎥᎦᎧᎨᎩᎪᎫᎬᎭᎮᎯᎰᎱᎲᎳ", True),
    "dzo_Tibt": ("ཀཁགངཅཆཇཉཏཐདནཔཕབམཙཚཛཝཞཟའཡརལཤསཧཨ", False),
}
HEAD = ["eng_Latn", "rus_Cyrl"]


def toy_sentences(label: str, n: int = 300, seed: int = 0) -> list[str]:
    """Sentences of a made-up language: a Zipf-ish lexicon of syllable words written in the label's letters."""
    letters, spaced = TOY_LANGUAGES[label]
    rng = random.Random(label)  # the language (its lexicon) depends on the label only
    syllables = ["".join(rng.choices(letters, k=2)) for _ in range(40)]
    lexicon = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(300)]
    rng = random.Random(f"{label}-{seed}")  # the sentences on the seed
    weights = [1 / (rank + 1) for rank in range(len(lexicon))]
    joiner = " " if spaced else ""
    return [joiner.join(rng.choices(lexicon, weights, k=rng.randint(5, 12))) + "." for _ in range(n)]
