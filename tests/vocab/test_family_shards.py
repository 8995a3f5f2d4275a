"""The bulk shard path for BPE families: same ids as the tokenizer itself, each document ended by eos."""

from __future__ import annotations

import numpy as np
import pytest
from toy_languages import HEAD, TOY_LANGUAGES, toy_sentences
from transformers import AutoTokenizer

from glot500.corpus.reader import discover_languages
from glot500.train.shards import backend_encode, build_shards, load_shards
from glot500.vocab.bpe import save_bpe_folder, train_bpe
from glot500.vocab.family import TokenizerFamily

MIXED = ["ẹ̀ṣọ́ i\u0328\u0300 😀 ﬁ", "한국어 ᎠᎡᎢ ཀཁག", "plain words here"]


@pytest.mark.parametrize("family", [TokenizerFamily.BYTE_LEVEL_BPE, TokenizerFamily.BPE_BYTE_FALLBACK])
def test_bulk_path_gives_the_tokenizers_ids(tmp_path, family, caplog):
    head = [text for label in HEAD for text in toy_sentences(label)]
    folder = save_bpe_folder(train_bpe(iter(head), family, 300), tmp_path / "tok", None)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = {label: toy_sentences(label, 30, seed=2) + MIXED for label in TOY_LANGUAGES}
    for label, lines in texts.items():
        (corpus / f"{label}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    files = discover_languages(corpus)
    with caplog.at_level("INFO", logger="glot500.train.shards"):
        assert build_shards(files, tokenizer, tmp_path / "cache", progress=False) == []
    assert "(bulk: tokenizers batch encode)" in caplog.text
    shards = load_shards(files, tokenizer, tmp_path / "cache")
    eos = tokenizer.eos_token_id
    for label, lines in texts.items():
        expected = [i for line in lines for i in [*tokenizer(line, add_special_tokens=False)["input_ids"], eos]]
        assert np.concatenate([shard.load() for shard in shards[label]]).tolist() == expected


def test_backend_encode_ends_each_document_with_eos(tmp_path):
    folder = save_bpe_folder(train_bpe(iter(toy_sentences("eng_Latn")), TokenizerFamily.BYTE_LEVEL_BPE, 300),
                             tmp_path / "tok", None)  # fmt: skip
    backend = AutoTokenizer.from_pretrained(str(folder)).backend_tokenizer
    flat = backend_encode(backend, ["ab", "", "😀"], eos_id=999_999)
    assert flat.dtype == np.uint32
    assert (flat == 999_999).sum() == 3 and flat[-1] == 999_999
