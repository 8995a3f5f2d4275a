"""Extending a tiny MLM to a merged tokenizer: rows follow strings, head tied, bias remapped, saved safely."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from glot500.core.errors import InputError
from glot500.model.extend import align_vocabularies, extend_embeddings, extend_embeddings_counted, extend_model
from glot500.model.init import INIT_STRATEGIES
from glot500.model.io import load_mlm


def _extended(model_assets, init: str, seed: int = 0):
    model, old_tokenizer = load_mlm(model_assets["base_model"])
    before = model.get_input_embeddings().weight.detach().clone()
    bias_before = model.lm_head.bias.detach().clone()
    new_tokenizer = AutoTokenizer.from_pretrained(model_assets["merged_tok"])
    corpus = model_assets["corpus"] if init == "corpus-informed" else None
    model, counts = extend_embeddings_counted(model, old_tokenizer, new_tokenizer, init=init, seed=seed, corpus=corpus)
    return model, old_tokenizer, new_tokenizer, before, bias_before, counts


@pytest.mark.parametrize("init", INIT_STRATEGIES)
def test_old_rows_are_bit_identical_by_string_and_head_stays_tied(model_assets, init):
    model, old_tok, new_tok, before, bias_before, counts = _extended(model_assets, init)
    weight = model.get_input_embeddings().weight
    new_vocab = new_tok.get_vocab()
    assert weight.shape[0] == len(new_tok) == model.config.vocab_size
    for token, old_id in old_tok.get_vocab().items():
        assert torch.equal(weight[new_vocab[token]], before[old_id]), token
        assert torch.equal(model.lm_head.bias[new_vocab[token]], bias_before[old_id]), token
    assert model.get_output_embeddings().weight.data_ptr() == weight.data_ptr()
    assert counts.copied == len(old_tok) and counts.initialised == len(new_tok) - len(old_tok)
    fresh = [i for t, i in new_vocab.items() if t not in old_tok.get_vocab()]
    assert torch.isfinite(weight[fresh]).all() and torch.isfinite(model.lm_head.bias[fresh]).all()
    assert weight[fresh].double().norm(dim=1).min() > 0  # every new row was written, none left at zero


def test_mask_row_moves_with_the_mask_token(model_assets):
    model, old_tok, new_tok, before, _, _ = _extended(model_assets, "mean")
    assert new_tok.mask_token_id == len(new_tok) - 1 != old_tok.mask_token_id
    assert torch.equal(model.get_input_embeddings().weight[new_tok.mask_token_id], before[old_tok.mask_token_id])


def test_random_rows_follow_the_initializer_range(model_assets):
    model, old_tok, new_tok, *_ = _extended(model_assets, "random", seed=3)
    fresh = model.get_input_embeddings().weight[len(old_tok) - 1 : -1].detach()  # appended pieces (before <mask>)
    std = model.config.initializer_range
    assert abs(fresh.mean().item()) < 4 * std / fresh.numel() ** 0.5
    assert fresh.std().item() == pytest.approx(std, rel=0.1)
    again, old_again = load_mlm(model_assets["base_model"])
    again = extend_embeddings(again, old_again, new_tok, init="random", seed=3)  # the plain API returns the model
    assert torch.equal(again.get_input_embeddings().weight, model.get_input_embeddings().weight)


def test_mean_rows_equal_the_mean_of_base_rows(model_assets):
    model, old_tok, _, before, bias_before, _ = _extended(model_assets, "mean")
    fresh = model.get_input_embeddings().weight[len(old_tok) - 1 : -1].detach()
    assert torch.allclose(fresh, before.double().mean(0).float().expand_as(fresh))
    assert torch.allclose(model.lm_head.bias[len(old_tok) - 1 : -1], bias_before.mean().expand(len(fresh)))


def test_subword_mean_rows_average_the_base_segmentation(model_assets):
    model, old_tok, new_tok, before, _, counts = _extended(model_assets, "subword-mean")
    weight, backend = model.get_input_embeddings().weight.detach(), old_tok.backend_tokenizer.model
    checked = 0
    for token, new_id in new_tok.get_vocab().items():
        if token in old_tok.get_vocab():
            continue
        parts = [t.id for t in backend.tokenize(token) if t.id != old_tok.unk_token_id]
        expected = before[parts].double().mean(0) if parts else before.double().mean(0)
        assert torch.allclose(weight[new_id].double(), expected, atol=1e-6), token
        checked += len(parts) >= 2
    assert checked > 20  # many Latin pieces are built from several base pieces
    assert counts.init_fallbacks >= 0


def test_script_mean_rows_match_the_script_distribution(model_assets):
    from glot500.languages.scripts import token_script

    model, old_tok, new_tok, before, _, _ = _extended(model_assets, "script-mean", seed=1)
    weight = model.get_input_embeddings().weight.detach().double()
    special = set(old_tok.all_special_ids)
    latin_old = [i for t, i in old_tok.get_vocab().items() if i not in special and token_script(t) == "Latn"]
    latin_new = [
        i for t, i in new_tok.get_vocab().items() if t not in old_tok.get_vocab() and token_script(t) == "Latn"
    ]
    assert len(latin_new) > 30
    spread = before.double()[latin_old].std(0)
    sample_mean = weight[latin_new].mean(0)
    # the sample mean of n draws sits within a few standard errors of the Latin base mean
    z = (sample_mean - before.double()[latin_old].mean(0)) / (spread / len(latin_new) ** 0.5)
    assert z.abs().max() < 5
    assert weight[latin_new].std(0).div(spread).mean().item() == pytest.approx(1.0, abs=0.3)


def test_script_mean_sampler_reproduces_mean_and_covariance():
    from glot500.model.init import script_mean_rows

    gen = torch.Generator().manual_seed(0)
    mix = torch.tensor([[2.0, 0.0, 0.0], [1.0, 0.5, 0.0], [0.0, 0.3, 0.2]])
    latin = torch.randn(400, 3, generator=gen) @ mix + torch.tensor([5.0, 0.0, -1.0])
    cyrillic = torch.randn(400, 3, generator=gen) * 0.1 - 3.0
    old = torch.cat([latin, cyrillic])
    scripts = ["Latn"] * 400 + ["Cyrl"] * 400
    rows, _, fallbacks = script_mean_rows(old, None, scripts, ["Latn"] * 5000 + ["Grek"] * 5, gen)
    drawn = rows[:5000]
    assert torch.allclose(drawn.mean(0), latin.double().mean(0), atol=0.15)
    assert torch.allclose(torch.cov(drawn.T), torch.cov(latin.double().T), atol=0.25)
    assert fallbacks == 5  # Greek has no base rows: drawn from all rows
    assert rows[5000:].mean().item() == pytest.approx(old.double().mean().item(), abs=3.0)


def test_extend_model_saves_safetensors_that_load(model_assets, tmp_path):
    out = extend_model(model_assets["base_model"], model_assets["merged_tok"], "mean", tmp_path / "ext")
    assert (out / "model.safetensors").is_file() and (out / "manifest.json").is_file()
    assert (out / "sentencepiece.bpe.model").is_file()
    model = AutoModelForMaskedLM.from_pretrained(out, use_safetensors=True)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert model.config.vocab_size == len(tokenizer)
    assert model.lm_head.decoder.weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    logits = model(**tokenizer(["дом αβ ab"], return_tensors="pt")).logits
    assert logits.shape[-1] == len(tokenizer) and torch.isfinite(logits).all()


def test_alignment_is_by_string_not_position():
    old = {"<s>": 0, "a": 1, "b": 2, "<mask>": 3}
    new = {"<s>": 0, "b": 1, "a": 2, "c": 3, "<mask>": 4}
    alignment = align_vocabularies(old, new, old_rows=4)
    assert dict(zip(alignment.old_ids, alignment.new_ids, strict=True)) == {0: 0, 1: 2, 2: 1, 3: 4}
    assert alignment.fresh_tokens == ["c"] and alignment.dropped_tokens == []


def test_unknown_init_is_refused(model_assets):
    model, old_tok = load_mlm(model_assets["base_model"])
    with pytest.raises(InputError, match="unknown init"):
        extend_embeddings(model, old_tok, old_tok, init="zeros")


def test_bfloat16_model_keeps_rows_bit_identical(model_assets):
    model, old_tok = load_mlm(model_assets["base_model"], dtype="bfloat16")
    before = model.get_input_embeddings().weight.detach().clone()
    new_tok = AutoTokenizer.from_pretrained(model_assets["merged_tok"])
    model = extend_embeddings(model, old_tok, new_tok, init="script-mean", seed=0)
    weight = model.get_input_embeddings().weight
    assert weight.dtype == torch.bfloat16 and torch.isfinite(weight.float()).all()
    new_vocab = new_tok.get_vocab()
    assert all(torch.equal(weight[new_vocab[t]], before[i]) for t, i in old_tok.get_vocab().items())
