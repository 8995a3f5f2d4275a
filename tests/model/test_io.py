"""load_mlm / save_mlm: round trip, safetensors only, clear errors."""

from __future__ import annotations

import shutil

import pytest
import torch

from glot500.core.errors import InputError
from glot500.model.io import load_mlm, save_mlm


def test_round_trip_keeps_weights_and_tokenizer(model_assets, tmp_path):
    model, tokenizer = load_mlm(model_assets["base_model"])
    assert tokenizer.is_fast
    out = save_mlm(model, tokenizer, tmp_path / "copy")
    assert (out / "model.safetensors").is_file()
    assert not list(out.glob("*.bin"))
    assert (out / "sentencepiece.bpe.model").is_file()  # kept: the folder can be the base of another merge
    again, tokenizer_again = load_mlm(out)
    for (name, tensor), (_, tensor_again) in zip(model.state_dict().items(), again.state_dict().items(), strict=True):
        assert torch.equal(tensor, tensor_again), name
    text = "abab dede"
    assert tokenizer(text)["input_ids"] == tokenizer_again(text)["input_ids"]


def test_dtype_by_name(model_assets):
    model, _ = load_mlm(model_assets["base_model"], dtype="bfloat16")
    assert model.dtype == torch.bfloat16
    with pytest.raises(InputError, match="unknown dtype"):
        load_mlm(model_assets["base_model"], dtype="float7")


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_mlm(tmp_path / "nowhere")


def test_pickle_only_weights_are_refused(model_assets, tmp_path):
    folder = tmp_path / "pickled"
    shutil.copytree(model_assets["base_model"], folder)
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(InputError, match="pickle weights"):
        load_mlm(folder)


def test_unknown_hub_name_offline_is_a_clear_error():
    with pytest.raises(InputError, match="cannot load (masked LM|model)"):
        load_mlm("glot500-test/no-such-model")
