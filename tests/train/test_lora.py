"""LoRA phases (peft): frozen weights bit-identical, new rows trained, exact resume, merge to a plain HF folder."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file
from train_fixtures import WORD_CYCLES, kill_at_step, tiny_config_dict

from glot500.train import train, train_config_from_dict
from glot500.train.checkpoint import latest_checkpoint
from glot500.train.lora import merge_adapter

pytest.importorskip("peft")


@pytest.fixture(scope="module")
def extended_models(corpus_dir, tmp_path_factory) -> dict:
    """A base tokenizer (English only), one extended to all three languages, and extended tiny models."""
    from glot500.model.extend import extend_model
    from glot500.model.tiny import make_tiny_model
    from glot500.vocab.merge import merge
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    root = tmp_path_factory.mktemp("lora")
    english = (corpus_dir / "eng_Latn.txt").read_text(encoding="utf-8").splitlines()
    others = [line for label in WORD_CYCLES if label != "eng_Latn"
              for line in (corpus_dir / f"{label}.txt").read_text(encoding="utf-8").splitlines()]  # fmt: skip
    base_tok = spm_to_hf_tokenizer(train_spm(english, root / "b", vocab_size=60, num_threads=1), root / "base_tok")
    added = train_spm(others, root / "a", vocab_size=80, num_threads=1)
    merged = merge(base_tok, added, root / "merged_tok")
    out = {}
    for name, family, sizes in (("llama", "llama", {"tie_word_embeddings": 0}), ("xlmr", "xlmr", {})):
        base = make_tiny_model(base_tok, root / f"{name}_base", family=family, hidden_size=32, intermediate_size=64,
                               **sizes)  # fmt: skip
        out[name] = extend_model(base, merged, "subword-mean", root / f"{name}_ext")
    return out


def _config(corpus_dir, model_dir, out, **overrides):
    overrides.setdefault("peft", {"r": 4, "alpha": 8})
    overrides["model"] = {"checkpoint": str(model_dir), "scratch": None, "tokenizer": None}
    return train_config_from_dict(tiny_config_dict(corpus_dir, model_dir, out, **overrides))


@pytest.mark.parametrize("name", ["llama", "xlmr"])
def test_lora_keeps_frozen_weights_and_old_rows_bit_identical(corpus_dir, extended_models, tmp_path, name):
    from transformers import AutoConfig

    from glot500.model.extend import read_extension_file

    model_dir = extended_models[name]
    result = train(_config(corpus_dir, model_dir, tmp_path / "run", max_steps=10))
    initial = load_file(str(model_dir / "model.safetensors"))
    checkpoint = latest_checkpoint(tmp_path / "run")
    saved_base = load_file(str(checkpoint / "model" / "model.safetensors"))
    assert saved_base.keys() == initial.keys()
    for key, tensor in initial.items():  # every base weight, the embedding matrices included, untouched
        assert torch.equal(saved_base[key], tensor), key
    assert (checkpoint / "adapter" / "adapter_model.safetensors").is_file()

    final = load_file(str(result.final_model / "model.safetensors"))
    record = read_extension_file(model_dir)
    new = torch.zeros(AutoConfig.from_pretrained(model_dir).vocab_size, dtype=torch.bool)
    for start, end in record["new_token_ids"]:
        new[start:end] = True
    embedding_keys = [k for k in initial if initial[k].ndim == 2 and initial[k].shape[0] == len(new)]
    assert embedding_keys
    for key in embedding_keys:  # the input embedding (and the untied head): old rows exact, new rows trained
        assert torch.equal(final[key][~new], initial[key][~new]), key
        assert not torch.equal(final[key][new], initial[key][new]), key


def test_resume_inside_a_lora_phase_gives_identical_losses(corpus_dir, extended_models, tmp_path, monkeypatch):
    model_dir = extended_models["llama"]
    reference = train(_config(corpus_dir, model_dir, tmp_path / "whole"))
    config = _config(corpus_dir, model_dir, tmp_path / "killed")
    kill_at_step(monkeypatch, 15)  # the run dies between checkpoints 10 and 20
    with pytest.raises(KeyboardInterrupt):
        train(config)
    monkeypatch.undo()
    resumed = train(config)
    assert resumed.resumed_from == 10
    assert [resumed.losses[step] for step in range(11, 21)] == [reference.losses[step] for step in range(11, 21)]


def test_merged_folder_loads_with_the_auto_class_and_matches_the_adapter(corpus_dir, extended_models, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    train(_config(corpus_dir, extended_models["llama"], tmp_path / "run", max_steps=10))
    checkpoint = latest_checkpoint(tmp_path / "run")
    merged_dir = merge_adapter(checkpoint / "model", checkpoint / "adapter", tmp_path / "merged")
    merged = AutoModelForCausalLM.from_pretrained(merged_dir).eval()
    assert type(merged).__name__ == "LlamaForCausalLM"
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(checkpoint / "model"), checkpoint / "adapter")
    ids = torch.randint(0, merged.config.vocab_size, (2, 12))
    with torch.no_grad():
        expected, got = adapted.eval()(input_ids=ids).logits, merged(input_ids=ids).logits
    # W + B A summed once in float32 instead of applied as two matmuls: rounding of ~1e-7 relative per layer
    assert torch.allclose(got, expected, atol=1e-4, rtol=1e-4)

    from typer.testing import CliRunner

    from glot500.cli.model import app

    args = ["merge", "--base", str(checkpoint / "model"), "--adapter", str(checkpoint / "adapter"), "--output",
            str(tmp_path / "cli_merged")]  # fmt: skip
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    again = AutoModelForCausalLM.from_pretrained(tmp_path / "cli_merged").eval()
    with torch.no_grad():
        assert torch.equal(again(input_ids=ids).logits, got)


def test_a_phase_can_switch_from_lora_to_full_training(corpus_dir, extended_models, tmp_path):
    phases = [{"steps": 6, "train": "lora"}, {"steps": 6, "train": "all", "lr": 1e-3}]
    config = _config(corpus_dir, extended_models["llama"], tmp_path / "run", phases=phases, max_steps=None, checkpoint_every=6)
    result = train(config)
    assert sorted(result.losses) == list(range(1, 13))
    assert all(loss == loss for loss in result.losses.values())  # finite
    assert not (latest_checkpoint(tmp_path / "run") / "adapter").exists()  # the full phase saved a plain model


def test_new_rows_lr_multiplier_scales_the_new_rows_update_in_a_lora_phase(corpus_dir, extended_models, tmp_path):
    from glot500.model.extend import read_extension_file

    model_dir = extended_models["llama"]
    initial = load_file(str(model_dir / "model.safetensors"))
    key = "model.embed_tokens.weight"
    start, end = read_extension_file(model_dir)["new_token_ids"][0]
    moved = {}
    for multiplier in (1.0, 4.0):
        phase = {"steps": 1, "train": "lora", "warmup_steps": 0, "new_rows_lr_multiplier": multiplier}
        result = train(_config(corpus_dir, model_dir, tmp_path / str(multiplier), max_steps=None, phases=[phase]))
        final = load_file(str(result.final_model / "model.safetensors"))
        assert torch.equal(final[key][:start], initial[key][:start])  # old rows untouched either way
        moved[multiplier] = final[key][start:end] - initial[key][start:end]
    assert moved[1.0].abs().sum() > 0
    torch.testing.assert_close(moved[4.0], 4 * moved[1.0], rtol=1e-4, atol=1e-6)
