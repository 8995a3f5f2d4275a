"""Checkpoint save/load round trip (safetensors + JSON), atomic completion and pruning."""

from __future__ import annotations

import torch
from transformers import get_scheduler

from glot500.model.tiny import tiny_config
from glot500.train.checkpoint import (
    TrainerState,
    latest_checkpoint,
    load_model_weights,
    load_training_state,
    rng_state,
    save_checkpoint,
)


def _setup(seed: int):
    from transformers import XLMRobertaForMaskedLM

    torch.manual_seed(seed)
    model = XLMRobertaForMaskedLM(tiny_config(50, hidden_size=16, num_layers=1, intermediate_size=32))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    scheduler = get_scheduler("linear", optimizer, 2, 10)
    return model, optimizer, scheduler


def test_round_trip_restores_everything(tmp_path, tokenizer_dir):
    from transformers import AutoTokenizer

    model, optimizer, scheduler = _setup(0)
    model(input_ids=torch.tensor([[0, 5, 6, 2]]), labels=torch.tensor([[-100, 5, 6, -100]])).loss.backward()
    optimizer.step()
    scheduler.step()
    state = TrainerState(step=7, tokens=123, nonfinite_steps=1)
    stream = {"position": 4, "cursors": {"eng_Latn": 4}, "rng": {"state": 2**100}}
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    saved_rng = rng_state()
    folder = save_checkpoint(tmp_path, state, model, tokenizer, optimizer.state_dict(), scheduler, stream,
                             [saved_rng], {"seed": 0}, keep=2)  # fmt: skip
    assert folder.name == "step-00000007" and latest_checkpoint(tmp_path) == folder
    assert not list(folder.rglob("*.bin")) and not list(folder.rglob("*.pt"))  # no pickle

    fresh, fresh_optimizer, fresh_scheduler = _setup(1)
    load_model_weights(folder, fresh)
    restored, restored_stream, rngs = load_training_state(folder, fresh_optimizer, fresh_scheduler)
    assert restored == state and restored_stream == stream
    assert torch.equal(rngs["rank0"]["cpu"], saved_rng["cpu"])
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, fresh.state_dict()[name]), name
    original, loaded = optimizer.state_dict(), fresh_optimizer.state_dict()
    assert original["param_groups"] == loaded["param_groups"]
    for index, values in original["state"].items():
        for key, value in values.items():
            assert torch.equal(value, loaded["state"][index][key]), (index, key)
    assert fresh_scheduler.get_last_lr() == scheduler.get_last_lr()


def test_partial_checkpoints_are_ignored_and_old_ones_pruned(tmp_path, tokenizer_dir):
    from transformers import AutoTokenizer

    model, optimizer, scheduler = _setup(0)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    for step in (1, 2, 3):
        save_checkpoint(tmp_path, TrainerState(step=step), model, tokenizer, optimizer.state_dict(), scheduler,
                        {}, [rng_state()], {}, keep=2)  # fmt: skip
    (tmp_path / "checkpoints" / "step-00000009.partial").mkdir()  # a save killed half-way
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["step-00000002", "step-00000003", "step-00000009.partial"]
    assert latest_checkpoint(tmp_path).name == "step-00000003"
