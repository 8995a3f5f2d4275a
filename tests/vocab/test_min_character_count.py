"""``min_character_count``: characters too rare in the sample to learn a row for get no piece and stay <unk>."""

from __future__ import annotations

import json
import random

import pytest
from transformers import AutoTokenizer

from glot500.core.errors import InputError
from glot500.vocab.config import VocabTrainConfig
from glot500.vocab.family import TokenizerFamily
from glot500.vocab.spm import rare_characters
from glot500.vocab.train import train_vocab

RARE = "\u0251"  # ɑ, a few times in the corpus: far below the threshold
SOMETIMES = "\u025b"  # ɛ, a few dozen times: above it


def _corpus(root):
    rng = random.Random(0)
    words = ["".join(rng.choice("bcdfgklmnrst") + rng.choice("aeiou") for _ in range(rng.randint(1, 3)))
             for _ in range(150)]  # fmt: skip
    lines = [" ".join(rng.choices(words, k=8)) for _ in range(300)]
    lines[:40] = [line + f" k{SOMETIMES}" for line in lines[:40]]
    lines[40:43] = [line + f" t{RARE}" for line in lines[40:43]]
    root.mkdir()
    (root / "dop_Latn.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ids(folder, text):
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    return tokenizer(text, add_special_tokens=False)["input_ids"], tokenizer.unk_token_id


def _config(tmp_path, name, **options):
    return VocabTrainConfig(corpus=tmp_path / "corpus", output=tmp_path / name, vocab_size=120, sample_size=300,
                            num_threads=1, **options)  # fmt: skip


def test_rare_characters_stay_unk_and_frequent_ones_keep_their_piece(tmp_path):
    _corpus(tmp_path / "corpus")
    every = train_vocab(_config(tmp_path, "every"))
    pruned = train_vocab(_config(tmp_path, "pruned", min_character_count=10))
    ids, unk = _ids(every, RARE)
    assert unk not in ids  # by default every character of the sample gets a piece
    ids, unk = _ids(pruned, RARE)
    assert ids == [unk] or unk in ids
    ids, unk = _ids(pruned, f"k{SOMETIMES} ba")
    assert unk not in ids  # seen 40 times: kept
    counts = json.loads((pruned / "manifest.json").read_text(encoding="utf-8"))["counts"]["rare_characters"]
    assert counts["min_count"] == 10 and counts["characters_left_out"] == 1 and counts["occurrences_left_out"] == 3


def test_the_coverage_keeps_exactly_the_characters_seen_often_enough(tmp_path):
    sample = tmp_path / "sample.txt"
    sample.write_text("aaaaaaaaaa bbbbb c\n" * 2, encoding="utf-8")  # ▁ 6, a 20, b 10, c 2
    rare = rare_characters(sample, 10)
    assert (rare.characters, rare.occurrences, rare.total) == (2, 8, 38)  # c (2) and ▁ (6) left out
    assert 30 / 38 > rare.coverage > 20 / 38  # b is the last kept: the threshold falls inside its count
    assert rare_characters(sample, 1).coverage == 1.0
    everything = rare_characters(sample, 100)
    assert everything.occurrences == everything.total == 38  # train_vocab refuses this with one line


def test_a_threshold_above_every_character_is_refused(tmp_path):
    _corpus(tmp_path / "corpus")
    with pytest.raises(InputError, match="every character of the sample"):
        train_vocab(_config(tmp_path, "none", min_character_count=100_000))


def test_byte_level_vocabularies_refuse_the_option(tmp_path):
    _corpus(tmp_path / "corpus")
    config = _config(tmp_path, "bpe", family=TokenizerFamily.BYTE_LEVEL_BPE, min_character_count=10)
    with pytest.raises(InputError, match="min_character_count"):
        train_vocab(config)
