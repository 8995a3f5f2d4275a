"""Regression: a unigram vocabulary trained on decomposed text must not turn its own characters into <unk>.

The written folder puts NFC before SentencePiece's normaliser. ``ì`` + U+0328 (grave before ogonek, as
written in the dgr_Latn Bible) becomes ``į`` + U+0300 under NFC, while SentencePiece's own map leaves it as
written: pieces learnt on the raw text had neither ``į`` nor a lone U+0300, and the folder produced ``<unk>``
where SentencePiece on the raw text produced none.
"""

from __future__ import annotations

import random

import sentencepiece as spm
from transformers import AutoTokenizer

from glot500.vocab.config import VocabTrainConfig
from glot500.vocab.fidelity import check_fidelity, fast_nfc
from glot500.vocab.train import train_vocab

DECOMPOSED = ["\u00ec\u0328", "\u00f2\u0328", "\u00e8\u0328"]  # ì ò è + ogonek: NFC reorders and composes


def _decomposed_corpus(root):
    rng = random.Random(0)
    letters = "bcdfgklmnrst"
    words = ["".join(rng.choice(letters) + rng.choice(DECOMPOSED + list("aeiou")) for _ in range(rng.randint(1, 3)))
             for _ in range(200)]  # fmt: skip
    lines = [" ".join(rng.choices(words, k=8)) for _ in range(400)]
    root.mkdir()
    (root / "dgr_Latn.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def test_unigram_trained_on_decomposed_marks_gives_no_unk(tmp_path):
    lines = _decomposed_corpus(tmp_path / "corpus")
    out = train_vocab(VocabTrainConfig(corpus=tmp_path / "corpus", output=tmp_path / "tok", vocab_size=120,
                                       sample_size=400, num_threads=1))  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    processor = spm.SentencePieceProcessor(model_file=str(out / "sentencepiece.bpe.model"))
    unk = tokenizer.unk_token_id
    fast_unk = sum(tokenizer(line, add_special_tokens=False)["input_ids"].count(unk) for line in lines)
    model_unk = sum(ids.count(processor.unk_id()) for ids in processor.encode([fast_nfc(line) for line in lines]))
    assert fast_unk == 0
    assert model_unk == 0  # the model on the text as the folder normalises it (the bulk shard path's input)
    (row,) = check_fidelity(tokenizer, processor, {"dgr_Latn": lines}, forms=("",), nfc_first=True)
    assert row.unk_fast == 0 and row.added_unk == 0 and row.agreement == 1.0
