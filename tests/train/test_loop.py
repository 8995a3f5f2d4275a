"""End-to-end training runs of a tiny model on CPU: learning, resumption, outputs, non-finite losses."""

from __future__ import annotations

import json
import math

import pytest
import torch
from train_fixtures import kill_at_step, tiny_config_dict

from glot500.train import train, train_config_from_dict
from glot500.train.checkpoint import latest_checkpoint
from glot500.train.loop import NonFiniteLossError
from glot500.train.metrics import read_metrics
from glot500.train.modeling import MaskedLMObjective, weights_tied


def _config(corpus_dir, tokenizer_dir, out, **overrides):
    return train_config_from_dict(tiny_config_dict(corpus_dir, tokenizer_dir, out, **overrides))


def test_loss_falls_and_outputs_are_complete(corpus_dir, tokenizer_dir, tmp_path):
    from transformers import AutoModelForMaskedLM

    config = _config(corpus_dir, tokenizer_dir, tmp_path / "run", max_steps=50, checkpoint_every=25)
    result = train(config)
    losses = [result.losses[step] for step in range(1, 51)]
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.3

    records = read_metrics(tmp_path / "run")
    assert [r["step"] for r in records] == list(range(1, 51))
    assert all(r["tokens_per_s"] > 0 and math.isfinite(r["loss_head"]) for r in records)
    assert any("loss_tail" in r for r in records)  # yor_Latn is a tail language
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["step"] == 50
    assert set(manifest["counts"]) == {"deu_Latn", "eng_Latn", "yor_Latn"}

    # The final folder loads with plain transformers, weights still tied, same logits as in memory.
    loaded = AutoModelForMaskedLM.from_pretrained(result.final_model, use_safetensors=True).eval()
    trained = result.model.eval()
    ids = torch.tensor([[0, 5, 17, 9, 30, 2]])
    with torch.no_grad():
        assert torch.allclose(loaded(input_ids=ids).logits, trained(input_ids=ids).logits, atol=1e-6)
    assert weights_tied(loaded) and weights_tied(trained)
    assert torch.equal(trained.lm_head.decoder.weight, trained.roberta.embeddings.word_embeddings.weight)
    assert latest_checkpoint(tmp_path / "run").name == "step-00000050"


def test_a_killed_run_resumes_with_identical_losses(corpus_dir, tokenizer_dir, tmp_path, monkeypatch):
    reference = train(_config(corpus_dir, tokenizer_dir, tmp_path / "whole"))
    config = _config(corpus_dir, tokenizer_dir, tmp_path / "killed")

    kill_at_step(monkeypatch, 15)  # the run dies between checkpoints 10 and 20
    with pytest.raises(KeyboardInterrupt):
        train(config)
    monkeypatch.undo()
    assert latest_checkpoint(tmp_path / "killed").name == "step-00000010"

    resumed = train(config)  # the same command again
    assert resumed.resumed_from == 10
    assert [resumed.losses[step] for step in range(11, 21)] == [reference.losses[step] for step in range(11, 21)]
    logged = [record["loss"] for record in read_metrics(tmp_path / "killed")]
    assert logged == [record["loss"] for record in read_metrics(tmp_path / "whole")]  # steps 11-15 not doubled
    for name, tensor in reference.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name


def _poison(monkeypatch, bad_calls: set[int]):
    """Make the objective return NaN losses on the given forward calls (counted from 1)."""
    original = MaskedLMObjective.forward
    calls = {"n": 0}

    def forward(self, *args):
        calls["n"] += 1
        losses = original(self, *args)
        return losses * float("nan") if calls["n"] in bad_calls else losses

    monkeypatch.setattr(MaskedLMObjective, "forward", forward)


def test_nonfinite_step_is_skipped(corpus_dir, tokenizer_dir, tmp_path, monkeypatch):
    _poison(monkeypatch, {5})  # micro-batch 5 belongs to step 3 (2 micro-batches per step)
    result = train(_config(corpus_dir, tokenizer_dir, tmp_path / "skip", max_steps=6, on_nonfinite="skip"))
    assert math.isnan(result.losses[3])
    assert all(math.isfinite(result.losses[step]) for step in (1, 2, 4, 5, 6))
    assert all(torch.isfinite(p).all() for p in result.model.parameters())
    assert read_metrics(tmp_path / "skip")[-1]["nonfinite_steps"] == 1


def test_nonfinite_loss_stops_when_asked(corpus_dir, tokenizer_dir, tmp_path, monkeypatch):
    _poison(monkeypatch, {5})
    with pytest.raises(NonFiniteLossError, match="step 3: non-finite loss"):
        train(_config(corpus_dir, tokenizer_dir, tmp_path / "stop", max_steps=6, on_nonfinite="stop"))


def test_too_many_nonfinite_steps_in_a_row_stop(corpus_dir, tokenizer_dir, tmp_path, monkeypatch):
    _poison(monkeypatch, set(range(1, 100)))
    config = _config(corpus_dir, tokenizer_dir, tmp_path / "nan", max_steps=10, max_nonfinite_in_a_row=3)
    with pytest.raises(NonFiniteLossError, match="3 non-finite steps in a row"):
        train(config)
