"""The GPU code path, run on the CPU: ``torch.compile`` (inductor) and bf16 autocast of the training step.

``model.compile`` and ``precision: bf16`` are the GPU settings; without these tests the first GPU run would be
the first time that code runs at all. The compiled tests are slow (inductor compiles C++ kernels on the CPU), so
they use a 1-layer model with a 64-token vocabulary and are marked slow. The ``gpu`` ones repeat the check on CUDA.
"""

from __future__ import annotations

import pytest
import torch
from train_fixtures import tiny_config_dict

from glot500.model.tiny import tiny_config
from glot500.train.config import train_config_from_dict
from glot500.train.loop import train
from glot500.train.modeling import MaskedLMObjective, compile_objective, deterministic_kernels

VOCAB = 64


def _model(device: str = "cpu"):
    from transformers import XLMRobertaForMaskedLM

    config = tiny_config(VOCAB, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64,
                         max_position_embeddings=40)  # fmt: skip
    config.hidden_dropout_prob = config.attention_probs_dropout_prob = 0.0  # eager and compiled see one function
    torch.manual_seed(0)
    return XLMRobertaForMaskedLM(config).to(device).train()


def _batch(seed: int, masked: int, rows: int = 4, seq: int = 32, device: str = "cpu"):
    """Ids, a padding mask (last row padded), ``masked`` masked positions and their labels."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, VOCAB, (rows, seq), generator=generator)
    mask = torch.ones_like(ids)
    mask[-1, seq // 2 :] = 0
    ids[-1, seq // 2 :] = 1
    positions = torch.randperm(rows * seq - seq // 2, generator=generator)[:masked].sort().values
    labels = torch.randint(4, VOCAB, (masked,), generator=generator)
    return [t.to(device) for t in (ids, mask, positions, labels)]


def _step(objective, batch, autocast_dtype=None, forward=None):
    """Loss and gradients of one training step (``forward``, default ``objective``; mean; backward)."""
    objective.model.zero_grad(set_to_none=True)
    device = batch[0].device.type
    with torch.autocast(device, dtype=autocast_dtype or torch.bfloat16, enabled=autocast_dtype is not None):
        loss = (forward or objective)(*batch).mean()
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in objective.model.named_parameters() if p.grad is not None}
    return loss.detach().float(), grads


def _compiled_matches_eager(device: str) -> None:
    import torch._dynamo
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()
    eager = MaskedLMObjective(_model(device))
    compiled = MaskedLMObjective(_model(device))
    forward = compile_objective(compiled)
    # Masked counts vary from batch to batch in training: compile_objective marks that dimension dynamic, so
    # the first batch's graph serves every later count (a recompile per step would eat the GPU's gain).
    for index, masked in enumerate([40, 44, 36]):  # enough rows per thread for inductor to add in parallel
        batch = _batch(index, masked, device=device)
        loss, grads = _step(eager, batch)
        with deterministic_kernels(device == "cpu"):  # as the loop compiles on CPU
            compiled_loss, compiled_grads = _step(compiled, batch, forward=forward)
            again = _step(compiled, batch, forward=forward)[1]
        if device == "cpu":  # bit for bit, or a resumed run cannot repeat an uninterrupted one
            assert all(torch.equal(again[name], grad) for name, grad in compiled_grads.items()), "not reproducible"
        # fp32 both ways; inductor fuses and reorders the same sums, which moves results by a few ulps
        # (float32 eps 1.2e-7) per reduction; through one layer and its backward that stays far below 1e-4
        # relative, while any real difference (a wrong position, mask or label) changes the loss by O(1).
        torch.testing.assert_close(compiled_loss, loss, rtol=1e-5, atol=1e-6)
        assert grads.keys() == compiled_grads.keys()
        for name, grad in grads.items():
            torch.testing.assert_close(compiled_grads[name], grad, rtol=1e-4, atol=1e-6, msg=name)
        if index == 0:
            graphs_after_first = counters["stats"]["unique_graphs"]
    assert graphs_after_first >= 1
    assert counters["stats"]["unique_graphs"] == graphs_after_first, "recompiled for a new masked count"
    for param, compiled_param in zip(eager.parameters(), compiled.parameters(), strict=True):
        assert torch.equal(param, compiled_param)  # the same weights: the comparison above was fair


@pytest.mark.slow
def test_compiled_step_equals_eager_step_without_recompiling():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # the suite runs on 1 (tests/conftest.py): one thread never shows the atomics' races
    try:
        _compiled_matches_eager("cpu")
    finally:
        torch.set_num_threads(threads)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_compiled_step_equals_eager_step_on_cuda():
    _compiled_matches_eager("cuda")


def _bf16_close_to_fp32(device: str) -> None:
    objective = MaskedLMObjective(_model(device))
    batch = _batch(0, 12, device=device)
    loss, grads = _step(objective, batch)
    bf16_loss, bf16_grads = _step(objective, batch, torch.bfloat16)
    assert torch.isfinite(bf16_loss)
    assert all(torch.isfinite(g).all() for g in bf16_grads.values())
    # bf16 keeps 8 bits of mantissa (relative rounding 2^-9 = 0.2%) on matmul inputs; the loss is computed in
    # fp32 from the logits (MaskedLMObjective upcasts), so it stays within 1% of fp32's; the gradient's direction
    # agrees to a cosine of 0.99 (a dropped mask or a wrong dtype cast would send it far off).
    torch.testing.assert_close(bf16_loss, loss, rtol=1e-2, atol=0.0)
    flat = torch.cat([g.float().flatten() for g in grads.values()])
    bf16_flat = torch.cat([bf16_grads[name].float().flatten() for name in grads])
    assert torch.nn.functional.cosine_similarity(flat, bf16_flat, dim=0) > 0.99
    assert not torch.equal(flat, bf16_flat)  # autocast really ran in bf16


def test_bf16_autocast_step_is_finite_and_close_to_fp32():
    _bf16_close_to_fp32("cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_bf16_autocast_step_on_cuda():
    _bf16_close_to_fp32("cuda")


@pytest.mark.parametrize("compiled", [pytest.param(True, marks=pytest.mark.slow), False], ids=["compile", "eager"])
def test_a_stopped_run_resumed_with_more_steps_continues_exactly(corpus_dir, tokenizer_dir, tmp_path, compiled):
    """bf16, with and without ``model.compile`` (the GPU config): a run of ``max_steps: 2`` continued to 4 gives
    the 4-step run's losses and weights bit for bit.

    Two things broke this before (a resumed step-4 loss of 4.3365 against 4.3116): the first step after the
    resume took the learning rate the 2-step schedule had left in the checkpoint (0, the end of its decay)
    instead of this run's schedule's; and inductor's CPU backward added rows with parallel atomics, so a
    compiled run did not even repeat itself in its last bits (the loop now compiles in deterministic mode).
    """

    def config(output, max_steps):
        data = tiny_config_dict(corpus_dir, tokenizer_dir, output, max_steps=max_steps, checkpoint_every=2,
                                global_batch_size=4, precision="bf16",
                                model={"compile": compiled, "dropout": 0.0, "scratch": {"size": "tiny",
                                       "hidden_size": 32, "num_layers": 1, "intermediate_size": 64}})  # fmt: skip
        return train_config_from_dict(data)

    whole = train(config(tmp_path / "whole", 4))
    first = train(config(tmp_path / "split", 2))
    resumed = train(config(tmp_path / "split", 4))
    assert first.resumed_from == 0 and resumed.resumed_from == 2
    assert [first.losses[s] for s in (1, 2)] == [whole.losses[s] for s in (1, 2)]
    assert [resumed.losses[s] for s in (3, 4)] == [whole.losses[s] for s in (3, 4)]
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
