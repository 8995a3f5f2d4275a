"""Every family (XLM-R, BERT, ModernBERT, Llama, Qwen, Gemma): tiny models, extension keeps old rows and ties."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoConfig, AutoTokenizer, GPT2Config

from glot500.core.errors import InputError
from glot500.model.extend import extend_model, output_matrix, read_extension_file
from glot500.model.families import FAMILIES, UnsupportedModelError, family_of
from glot500.model.io import load_model
from glot500.model.tiny import make_tiny_model

CAUSAL = ("llama", "qwen", "gemma")
SIZES = {"hidden_size": 32, "intermediate_size": 64}


@pytest.fixture(scope="module")
def family_models(model_assets, tmp_path_factory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("families")
    models = {name: make_tiny_model(model_assets["base_tok"], root / name, family=name, **SIZES) for name in FAMILIES}
    models["llama-untied"] = make_tiny_model(
        model_assets["base_tok"], root / "llama-untied", family="llama", tie_word_embeddings=0, **SIZES
    )
    return models


def test_each_tiny_model_loads_with_its_family_and_auto_class(family_models):
    for name in FAMILIES:
        model, tokenizer = load_model(family_models[name])
        family = family_of(model.config)
        assert family.name == name
        assert type(model).__name__.endswith("ForCausalLM" if name in CAUSAL else "ForMaskedLM")
        ids = torch.tensor([tokenizer("ab ba")["input_ids"]])
        hidden = family.body(model)(input_ids=ids).last_hidden_state  # (1, seq, hidden)
        logits = family.head(model)(hidden[0])
        assert torch.allclose(logits, model(input_ids=ids).logits[0], atol=1e-5), name


@pytest.mark.parametrize("name", [*FAMILIES, "llama-untied"])
@pytest.mark.parametrize("init", ["random", "subword-mean", "corpus-informed"])
def test_extension_keeps_old_rows_and_ties_in_every_family(family_models, model_assets, tmp_path, name, init):
    base, old_tok = load_model(family_models[name])
    before_in = base.get_input_embeddings().weight.detach().clone()
    before_out = output_matrix(base)
    before_out = None if before_out is None else before_out.detach().clone()
    corpus = model_assets["corpus"] if init == "corpus-informed" else None
    out = extend_model(family_models[name], model_assets["merged_tok"], init, tmp_path / "ext", corpus=corpus)
    model, new_tok = load_model(out)
    weight = model.get_input_embeddings().weight
    new_vocab = new_tok.get_vocab()
    assert weight.shape[0] == len(new_tok) == model.config.vocab_size
    tied = before_out is None
    assert (output_matrix(model) is None) == tied  # tied stays tied, untied stays untied
    head = model.get_output_embeddings().weight
    for token, old_id in old_tok.get_vocab().items():
        assert torch.equal(weight[new_vocab[token]], before_in[old_id]), token
        if not tied:
            assert torch.equal(head[new_vocab[token]], before_out[old_id]), token
    fresh = [i for t, i in new_vocab.items() if t not in old_tok.get_vocab()]
    assert weight[fresh].double().norm(dim=1).min() > 0 and head[fresh].double().norm(dim=1).min() > 0
    record = read_extension_file(out)
    assert record["base_vocab_size"] == len(old_tok) and record["vocab_size"] == len(new_tok)


def test_unsupported_architecture_is_one_clear_error(tmp_path, model_assets):
    folder = tmp_path / "gpt2"
    folder.mkdir()
    GPT2Config(vocab_size=10, n_layer=1, n_head=1, n_embd=8).save_pretrained(folder)
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(UnsupportedModelError, match="'gpt2' is not supported"):
        extend_model(folder, model_assets["merged_tok"], "random", tmp_path / "out")


def test_truncated_safetensors_is_an_input_error(family_models, model_assets, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    source = family_models["llama"]
    for path in source.iterdir():
        data = path.read_bytes()
        (folder / path.name).write_bytes(data[: len(data) // 2] if path.name == "model.safetensors" else data)
    with pytest.raises(InputError, match="truncated or corrupt"):
        extend_model(folder, model_assets["merged_tok"], "random", tmp_path / "out")


def test_a_smaller_tokenizer_is_refused_unless_allow_drop(family_models, model_assets, tmp_path):
    # the merged model's tokenizer has more tokens than the base tokenizer: "extending" back would drop rows
    big = extend_model(family_models["llama"], model_assets["merged_tok"], "random", tmp_path / "big")
    with pytest.raises(InputError, match="--allow-drop"):
        extend_model(big, model_assets["base_tok"], "random", tmp_path / "small")
    out = extend_model(big, model_assets["base_tok"], "random", tmp_path / "small", allow_drop=True)
    assert AutoConfig.from_pretrained(out).vocab_size == len(AutoTokenizer.from_pretrained(model_assets["base_tok"]))
    assert json.loads((out / "manifest.json").read_text())["counts"]["dropped"] > 0
