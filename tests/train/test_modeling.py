"""The masked-positions-only objective against Hugging Face's full-vocabulary loss; model checks."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer

from glot500.core.errors import ConfigError
from glot500.train.config import ModelConfig, ScratchModelConfig
from glot500.train.modeling import MaskedLMObjective, build_model, weights_tied
from glot500.train.shards import Shard
from glot500.train.stream import BatchBuilder, MixedStream, PackedLanguage, SpecialIds


def _batch(tokenizer, tmp_path, seq_len: int = 24):
    import numpy as np

    ids = tokenizer(["the cat sees a dog and runs to the house"] * 12, add_special_tokens=False)["input_ids"]
    tokens = np.array([t for doc in ids for t in [*doc, tokenizer.eos_token_id]], dtype=np.uint32)
    tokens[-5:] = tokens[:5]
    path = tmp_path / "eng.u32"
    tokens.tofile(path)
    language = PackedLanguage("eng_Latn", [Shard("eng_Latn", "x", path, 12, len(tokens))], seq_len)
    stream = MixedStream([language], [1.0], seed=3)
    return BatchBuilder(stream, SpecialIds.from_tokenizer(tokenizer), 0.15, micro_batch_size=6).next()


def test_masked_only_loss_equals_full_vocabulary_loss(tokenizer_dir, tmp_path):
    config = ModelConfig(scratch=ScratchModelConfig(size="tiny"), tokenizer=str(tokenizer_dir))
    model, tokenizer = build_model(config, seq_len=24)
    model.eval()
    batch = _batch(tokenizer, tmp_path)
    assert batch.attention_mask is not None  # the last sequence is padded: the mask path is exercised
    labels = torch.full_like(batch.input_ids, -100)
    labels.view(-1)[batch.positions] = batch.labels
    with torch.no_grad():
        reference = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=labels).loss
        ours = MaskedLMObjective(model)(batch.input_ids, batch.attention_mask, batch.positions, batch.labels)
    assert ours.shape == batch.labels.shape
    assert float(ours.mean()) == pytest.approx(float(reference), rel=1e-5)


def test_scratch_model_is_sized_to_the_tokenizer_and_tied(tokenizer_dir):
    config = ModelConfig(scratch=ScratchModelConfig(size="tiny", num_layers=1), tokenizer=str(tokenizer_dir), dropout=0)
    model, tokenizer = build_model(config, seq_len=200)
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.max_position_embeddings >= 202
    assert model.config.num_hidden_layers == 1 and model.config.hidden_dropout_prob == 0
    assert weights_tied(model)


def test_checkpoint_with_short_positions_is_refused(tokenizer_dir, tmp_path):
    from glot500.model.tiny import make_tiny_mlm

    folder = make_tiny_mlm(tokenizer_dir, tmp_path / "tiny")  # 130 positions
    model, _ = build_model(ModelConfig(checkpoint=str(folder)), seq_len=64)
    assert weights_tied(model)
    with pytest.raises(ConfigError, match="max_position_embeddings >= 514"):
        build_model(ModelConfig(checkpoint=str(folder)), seq_len=512)


def test_tokenizer_larger_than_model_is_refused(tokenizer_dir, tmp_path):
    from glot500.model.tiny import make_tiny_mlm

    folder = make_tiny_mlm(tokenizer_dir, tmp_path / "tiny")
    bigger = AutoTokenizer.from_pretrained(tokenizer_dir)
    bigger.add_tokens([f"newtoken{i}" for i in range(5)])
    bigger.save_pretrained(tmp_path / "bigger")
    with pytest.raises(ConfigError, match="extend it first"):
        build_model(ModelConfig(checkpoint=str(folder), tokenizer=str(tmp_path / "bigger")), seq_len=64)


@pytest.mark.skipif(torch.cuda.is_available(), reason="flash attention may work on a CUDA machine")
def test_unavailable_attention_is_a_config_error(tokenizer_dir):
    config = ModelConfig(
        scratch=ScratchModelConfig(), tokenizer=str(tokenizer_dir), attn_implementation="flash_attention_2"
    )
    with pytest.raises(ConfigError, match="use sdpa"):
        build_model(config, seq_len=32)


def test_vocabulary_padding_keeps_weights_tied(tokenizer_dir):
    config = ModelConfig(scratch=ScratchModelConfig(), tokenizer=str(tokenizer_dir), pad_vocab_to_multiple_of=64)
    model, tokenizer = build_model(config, seq_len=32)
    assert model.config.vocab_size % 64 == 0 and model.config.vocab_size >= len(tokenizer)
    assert model.lm_head.bias.shape[0] == model.config.vocab_size
    assert weights_tied(model)
