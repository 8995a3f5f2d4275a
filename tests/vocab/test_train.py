"""``vocab train``: alpha-sampled SentencePiece unigram with XLM-R ids, language selection, manifest."""

from __future__ import annotations

import json

import pytest
import sentencepiece as spm
from toy_languages import HEAD, TOY_LANGUAGES
from transformers import AutoTokenizer

from glot500.core.config import validate_config
from glot500.core.errors import ConfigError, InputError
from glot500.vocab.config import VocabTrainConfig
from glot500.vocab.merge import load_spm_proto
from glot500.vocab.spm import SPM_FILE_NAME
from glot500.vocab.train import select_languages, train_vocab


def _config(toy_corpus, output, **overrides) -> VocabTrainConfig:
    data = {"corpus": toy_corpus, "output": output, "vocab_size": 300, "sample_size": 1000, "num_threads": 1}
    return validate_config(VocabTrainConfig, data | overrides)


def test_head_only_training_writes_an_hf_folder_with_xlmr_ids(toy_corpus, tmp_path):
    out = train_vocab(_config(toy_corpus, tmp_path / "tok", head_only=True, keep_sample=True))
    proto = load_spm_proto(out / SPM_FILE_NAME)
    assert proto.trainer_spec.model_type == proto.trainer_spec.UNIGRAM
    assert proto.trainer_spec.character_coverage == 1.0
    processor = spm.SentencePieceProcessor(model_file=str(out / SPM_FILE_NAME))
    assert (processor.unk_id(), processor.bos_id(), processor.eos_id(), processor.pad_id()) == (0, 1, 2, -1)
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["counts"]["sampled_chunks"]) == set(HEAD)
    assert sum(manifest["counts"]["sampled_chunks"].values()) == 1000
    labels = (out / "sample.txt.langs").read_text().split()
    assert set(labels) == set(HEAD) and len(labels) == 1000
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.is_fast and tokenizer.convert_ids_to_tokens([0, 1, 2, 3]) == ["<s>", "<pad>", "</s>", "<unk>"]
    assert "ᎠᎧ" not in "".join(proto.pieces[i].piece for i in range(len(proto.pieces)))  # tail script absent


def test_all_languages_with_byte_fallback(toy_corpus, tmp_path):
    with pytest.raises(InputError, match="SentencePiece training failed: Vocabulary size is smaller"):
        train_vocab(_config(toy_corpus, tmp_path / "small", byte_fallback=True))  # 256 bytes + all characters
    out = train_vocab(_config(toy_corpus, tmp_path / "tok", byte_fallback=True, alpha=0.5, vocab_size=600))
    proto = load_spm_proto(out / SPM_FILE_NAME)
    assert proto.trainer_spec.byte_fallback
    assert sum(p.type == p.BYTE for p in proto.pieces) == 256
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["counts"]["sampled_chunks"]) == set(TOY_LANGUAGES)


def test_language_selection(toy_corpus):
    assert select_languages(toy_corpus, None, False) is None
    assert select_languages(toy_corpus, ["ru", "quc_Latn"], True) == ["rus_Cyrl"]
    with pytest.raises(InputError, match="no data for"):
        select_languages(toy_corpus, ["deu_Latn"], False)
    with pytest.raises(InputError, match="no language left"):
        select_languages(toy_corpus, ["quc_Latn"], True)


def test_config_errors_are_listed_together(toy_corpus, tmp_path):
    with pytest.raises(ConfigError) as error:
        validate_config(VocabTrainConfig, {"corpus": toy_corpus, "output": tmp_path, "alpha": 2, "vocab_size": 0})
    assert "alpha" in str(error.value) and "vocab_size" in str(error.value)
