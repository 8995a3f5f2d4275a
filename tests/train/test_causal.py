"""The causal objective: equal to HF's loss with labels, no loss across documents, chunked = unchunked, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from train_fixtures import kill_at_step, tiny_config_dict

from glot500.train import train, train_config_from_dict
from glot500.train.causal import (
    CausalBatchBuilder,
    CausalLMObjective,
    causal_special_ids,
    causal_targets,
    chunked_cross_entropy,
)
from glot500.train.config import ModelConfig, ScratchModelConfig
from glot500.train.modeling import build_model
from glot500.train.shards import Shard
from glot500.train.stream import MixedStream, PackedLanguage

CAUSAL_FAMILIES = ("llama", "qwen", "gemma")


def _model(tokenizer_dir, family: str, tie: bool = True):
    scratch = ScratchModelConfig(family=family, hidden_size=32, intermediate_size=64, tie_word_embeddings=tie)
    model, tokenizer = build_model(ModelConfig(scratch=scratch, tokenizer=str(tokenizer_dir), dropout=0), seq_len=64)
    return model.eval(), tokenizer


def _document(tokenizer, text: str = "the cat sees a dog and runs to the house") -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("family", CAUSAL_FAMILIES)
def test_causal_loss_equals_hf_loss_with_labels_on_one_document(tokenizer_dir, family):
    model, tokenizer = _model(tokenizer_dir, family, tie=family != "llama")
    special = causal_special_ids(tokenizer)
    ids = np.array([special.bos, *_document(tokenizer), special.eos])
    positions, labels = causal_targets(ids, len(ids), special.eos)
    input_ids = torch.from_numpy(ids)[None]
    with torch.no_grad():
        reference = model(input_ids=input_ids, labels=input_ids).loss
        ours = CausalLMObjective(model)(input_ids, None, torch.from_numpy(positions), torch.from_numpy(labels))
    assert ours.shape == (len(ids) - 1,)
    assert float(ours.mean()) == pytest.approx(float(reference), rel=1e-5)


def test_no_loss_across_a_document_boundary(tokenizer_dir):
    model, tokenizer = _model(tokenizer_dir, "llama")
    special = causal_special_ids(tokenizer)
    first, second = _document(tokenizer), _document(tokenizer, "der hund sieht eine katze")
    ids = np.array([special.bos, *first, special.eos, *second, special.eos])
    boundary = 1 + len(first)  # the EOS closing the first document
    positions, labels = causal_targets(ids, len(ids), special.eos)
    assert boundary not in positions.tolist() and len(positions) == len(ids) - 2
    assert labels.tolist() == [*first, special.eos, *second[1:], special.eos]  # second[0] is never a target
    input_ids = torch.from_numpy(ids)[None]
    hf_labels = input_ids.clone()
    hf_labels[0, boundary + 1] = -100  # HF shifts labels: position `boundary` predicts hf_labels[boundary + 1]
    with torch.no_grad():
        reference = model(input_ids=input_ids, labels=hf_labels).loss
        ours = CausalLMObjective(model)(input_ids, None, torch.from_numpy(positions), torch.from_numpy(labels))
    assert float(ours.mean()) == pytest.approx(float(reference), rel=1e-5)


def test_chunked_loss_and_gradients_equal_the_whole_loss():
    torch.manual_seed(0)
    head = torch.nn.Linear(16, 50)
    hidden = torch.randn(23, 16, requires_grad=True)
    labels = torch.randint(0, 50, (23,))
    whole = chunked_cross_entropy(hidden, head, labels, chunk=100)
    grads_whole = torch.autograd.grad(whole.mean(), [hidden, head.weight])
    chunked = chunked_cross_entropy(hidden, head, labels, chunk=5)  # 5 chunks, logits recomputed in backward
    grads_chunked = torch.autograd.grad(chunked.mean(), [hidden, head.weight])
    assert torch.allclose(whole, chunked)
    for a, b in zip(grads_whole, grads_chunked, strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_causal_batches_score_every_real_next_token_and_no_padding(tokenizer_dir, tmp_path):
    _, tokenizer = _model(tokenizer_dir, "qwen")
    special = causal_special_ids(tokenizer)
    docs = [_document(tokenizer)] * 5
    tokens = np.array([t for doc in docs for t in [*doc, special.eos]], dtype=np.uint32)
    path = tmp_path / "eng.u32"
    tokens.tofile(path)
    language = PackedLanguage("eng_Latn", [Shard("eng_Latn", "x", path, 5, len(tokens))], 16)
    builder = CausalBatchBuilder(MixedStream([language], [1.0], seed=0), special, 0.15, micro_batch_size=len(language))
    batch = builder.next()
    assert batch.attention_mask is not None  # the shard's last sequence is padded
    assert batch.tokens == len(tokens) + len(language)  # every id once, plus one <bos> per sequence
    flat_ids = batch.input_ids.flatten()
    real = batch.attention_mask.flatten().bool()
    assert real[batch.positions].all() and real[batch.positions + 1].all()  # never from or to padding
    assert torch.equal(flat_ids[batch.positions + 1], batch.labels)
    assert not (flat_ids[batch.positions[batch.positions % 16 != 0]] == special.eos).any()


def _causal_config(corpus_dir, tokenizer_dir, out, **overrides):
    overrides.setdefault("model", {"scratch": {"family": "llama", "hidden_size": 32, "intermediate_size": 64}})
    return train_config_from_dict(tiny_config_dict(corpus_dir, tokenizer_dir, out, **overrides))


def test_causal_training_learns_and_resumes_with_identical_losses(corpus_dir, tokenizer_dir, tmp_path, monkeypatch):
    from transformers import AutoModelForCausalLM

    reference = train(_causal_config(corpus_dir, tokenizer_dir, tmp_path / "whole"))
    losses = [reference.losses[step] for step in range(1, 21)]
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.3
    assert type(AutoModelForCausalLM.from_pretrained(reference.final_model)).__name__ == "LlamaForCausalLM"

    config = _causal_config(corpus_dir, tokenizer_dir, tmp_path / "killed")
    kill_at_step(monkeypatch, 15)  # the run dies between checkpoints 10 and 20
    with pytest.raises(KeyboardInterrupt):
        train(config)
    monkeypatch.undo()
    resumed = train(config)
    assert resumed.resumed_from == 10
    assert [resumed.losses[step] for step in range(11, 21)] == [reference.losses[step] for step in range(11, 21)]


@pytest.mark.parametrize("family", ["bert", "modernbert"])
def test_masked_only_loss_equals_hf_loss_for_other_encoder_families(tokenizer_dir, tmp_path, family):
    from glot500.train.modeling import MaskedLMObjective
    from glot500.train.stream import BatchBuilder, SpecialIds

    scratch = ScratchModelConfig(family=family, hidden_size=32, intermediate_size=64)
    model, tokenizer = build_model(ModelConfig(scratch=scratch, tokenizer=str(tokenizer_dir), dropout=0), seq_len=24)
    model.eval()
    ids = tokenizer(["the cat sees a dog and runs to the house"] * 12, add_special_tokens=False)["input_ids"]
    tokens = np.array([t for doc in ids for t in [*doc, tokenizer.eos_token_id]], dtype=np.uint32)
    path = tmp_path / "eng.u32"
    tokens.tofile(path)
    language = PackedLanguage("eng_Latn", [Shard("eng_Latn", "x", path, 12, len(tokens))], 24)
    batch = BatchBuilder(MixedStream([language], [1.0], seed=3), SpecialIds.from_tokenizer(tokenizer), 0.15, 6).next()
    labels = torch.full_like(batch.input_ids, -100)
    labels.view(-1)[batch.positions] = batch.labels
    with torch.no_grad():
        reference = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=labels).loss
        ours = MaskedLMObjective(model)(batch.input_ids, batch.attention_mask, batch.positions, batch.labels)
    assert float(ours.mean()) == pytest.approx(float(reference), rel=1e-5)
