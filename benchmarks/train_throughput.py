"""Training throughput: Hugging Face's training step (full-vocabulary logits) vs glot500's, in one process.

Both sides get the same model size, vocabulary, batch, sequence length, masked batch (BERT 80/10/10, 15%),
AdamW (fused on GPU) and precision; a step is forward + backward + optimizer step. The baseline is
``XLMRobertaForMaskedLM(input_ids, attention_mask, labels=...)`` exactly as run_mlm calls it; ours is
:class:`glot500.train.modeling.MaskedLMObjective` (encoder, then the LM head on masked positions only).

``--objective causal``: a Llama-shaped model of the same sizes (untied head), every next token scored; the
baseline is ``LlamaForCausalLM(input_ids, labels=input_ids)`` (logits for every position at once), ours is
:class:`glot500.train.causal.CausalLMObjective` (the head and cross-entropy in chunks of 2,048 rows, recomputed
in the backward pass; Liger's fused kernel on CUDA when ``liger_kernel`` is installed). On CUDA the peak
memory of each side is printed too.

    python benchmarks/train_throughput.py                  # CPU: small body, 250K vocabulary (~1-2 min)
    python benchmarks/train_throughput.py --ci             # tiny, a few seconds (CI smoke)
    python benchmarks/train_throughput.py --device cuda    # XLM-R-base, 401,145 tokens, seq 512, bf16
    python benchmarks/train_throughput.py --device cuda --compile --batch 32 --pad-vocab-to 64
    python benchmarks/train_throughput.py --device cuda --batch 16,64 --compile both   # scripts/device_check
    python benchmarks/train_throughput.py --objective causal              # CPU, Llama shape, 250K vocabulary
    python benchmarks/train_throughput.py --objective causal --device cuda --batch 8   # 401K vocabulary, seq 512

Prints tokens/s of each (median step time) and the ratio ours / baseline, one block per batch size; with
``--compile both`` glot500's step is timed eager and compiled. A side that runs out of GPU memory is reported
as such (Hugging Face's full-vocabulary logits at batch 64 x 512 x 401,145 need ~40 GB in bf16 alone).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch

from glot500.model.tiny import tiny_config
from glot500.train.causal import CausalLMObjective
from glot500.train.modeling import XLMR_BASE_SIZES, MaskedLMObjective
from glot500.train.stream import SpecialIds, mask_tokens


@dataclass(frozen=True)
class Setting:
    vocab: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    seq_len: int
    batch: int
    warmup: int
    steps: int


MODES = {
    "ci": Setting(vocab=20_000, hidden=32, layers=1, heads=2, intermediate=64, seq_len=64, batch=4, warmup=1, steps=3),
    "cpu": Setting(
        vocab=250_002, hidden=128, layers=2, heads=2, intermediate=512, seq_len=128, batch=4, warmup=1, steps=5
    ),
    "cuda": Setting(
        vocab=401_145,
        seq_len=512,
        batch=16,
        warmup=5,
        steps=20,
        **{
            "hidden": XLMR_BASE_SIZES["hidden_size"],
            "layers": XLMR_BASE_SIZES["num_layers"],
            "heads": XLMR_BASE_SIZES["num_heads"],
            "intermediate": XLMR_BASE_SIZES["intermediate_size"],
        },
    ),
}


def make_causal_batch(setting: Setting, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random full-length sequences ``<s> ...``; every position but the last predicts the next id."""
    rng = np.random.default_rng(seed)
    ids = np.concatenate(
        [np.zeros((setting.batch, 1)), rng.integers(4, setting.vocab, (setting.batch, setting.seq_len - 1))], 1
    )
    input_ids = torch.from_numpy(ids.astype(np.int64))
    rows = torch.arange(setting.batch)[:, None] * setting.seq_len
    positions = (rows + torch.arange(setting.seq_len - 1)[None, :]).flatten()
    return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids), "positions": positions,
            "labels": input_ids.flatten()[positions + 1], "hf_labels": input_ids}  # fmt: skip


def make_batch(setting: Setting, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random full-length sequences ``<s> ... </s>``, masked with the training pipeline's own function."""
    special = SpecialIds(bos=0, pad=1, eos=2, mask=setting.vocab - 1, vocab_size=setting.vocab,
                         never_masked=(0, 1, 2, 3, setting.vocab - 1))  # fmt: skip
    regular = np.arange(4, setting.vocab - 1)
    rng = np.random.default_rng(seed)
    rows, positions, labels = [], [], []
    for row in range(setting.batch):
        ids = np.concatenate([[0], rng.integers(4, setting.vocab - 1, size=setting.seq_len - 2), [2]])
        masked, where, original = mask_tokens(ids, rng, special, 0.15, regular)
        rows.append(masked)
        positions.append(where + row * setting.seq_len)
        labels.append(original)
    input_ids = torch.from_numpy(np.stack(rows))
    flat_positions = torch.from_numpy(np.concatenate(positions))
    flat_labels = torch.from_numpy(np.concatenate(labels))
    hf_labels = torch.full_like(input_ids, -100)
    hf_labels.view(-1)[flat_positions] = flat_labels
    return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids), "positions": flat_positions,
            "labels": flat_labels, "hf_labels": hf_labels}  # fmt: skip


def build_model(setting: Setting, device: torch.device, attn: str, causal: bool = False, dropout: float | None = None):
    """A fresh model of ``setting``'s shape (seed 0); ``dropout`` overrides the encoder's hidden and attention dropout."""
    from transformers import XLMRobertaForMaskedLM

    if causal:
        from transformers import LlamaForCausalLM

        from glot500.model.tiny import tiny_family_config

        sizes = {"hidden_size": setting.hidden, "num_layers": setting.layers, "num_heads": setting.heads,
                 "intermediate_size": setting.intermediate, "max_position_embeddings": setting.seq_len,
                 "tie_word_embeddings": 0}  # fmt: skip
        torch.manual_seed(0)
        model = LlamaForCausalLM(tiny_family_config("llama", setting.vocab, **sizes)).to(device).train()
        model.set_attn_implementation(attn)
        return model
    config = tiny_config(setting.vocab, hidden_size=setting.hidden, num_layers=setting.layers,
                         num_heads=setting.heads, intermediate_size=setting.intermediate,
                         max_position_embeddings=setting.seq_len + 2)  # fmt: skip
    if dropout is not None:
        config.hidden_dropout_prob = config.attention_probs_dropout_prob = dropout
    torch.manual_seed(0)
    model = XLMRobertaForMaskedLM(config).to(device).train()
    model.set_attn_implementation(attn)
    return model


def time_steps(step, setting: Setting, device: torch.device) -> float:
    """Median seconds per step after warm-up."""
    times = []
    for index in range(setting.warmup + setting.steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if index >= setting.warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_side(side: str, setting: Setting, batch: dict, device: torch.device, args) -> float:
    """Tokens per second of one side ("baseline" or "glot500"); its model is freed before returning."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    tokens_per_second = _time_side(side, setting, batch, device, args)
    if device.type == "cuda":
        print(f"  peak CUDA memory ({side}): {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return tokens_per_second


def _time_side(side: str, setting: Setting, batch: dict, device: torch.device, args) -> float:
    causal = args.objective == "causal"
    model = build_model(setting, device, args.baseline_attn if side == "baseline" else "sdpa", causal)
    if side == "glot500" and args.pad_vocab_to:  # what model.pad_vocab_to_multiple_of does in training
        model.resize_token_embeddings(setting.vocab, pad_to_multiple_of=args.pad_vocab_to, mean_resizing=False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, fused=device.type == "cuda" or None)
    on_device = {key: value.to(device) for key, value in batch.items()}
    bf16 = device.type == "cuda" and not args.fp32
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
    if side == "baseline":

        def forward() -> torch.Tensor:
            return model(input_ids=on_device["input_ids"], attention_mask=on_device["attention_mask"],
                         labels=on_device["hf_labels"]).loss  # fmt: skip
    else:
        objective = CausalLMObjective(model, fused=_liger(device)) if causal else MaskedLMObjective(model)
        if args.compiled:
            objective = torch.compile(objective)

        def forward() -> torch.Tensor:
            # Full-length sequences: no padding, so no attention mask (SDPA picks its fastest kernel).
            return objective(on_device["input_ids"], None, on_device["positions"], on_device["labels"]).mean()

    def step() -> None:
        with autocast:
            loss = forward()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return setting.batch * setting.seq_len / time_steps(step, setting, device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--objective", choices=["masked", "causal"], default="masked",
                        help="causal: Llama shape, glot500's chunked causal loss vs LlamaForCausalLM + labels")  # fmt: skip
    parser.add_argument("--ci", action="store_true", help="tiny sizes, finishes in seconds")
    parser.add_argument("--batch", help="sequences per step, or a comma list, e.g. 16,64 (default by mode)")
    parser.add_argument("--seq-len", type=int, help="tokens per sequence (default by mode)")
    parser.add_argument("--steps", type=int, help="timed steps (default by mode)")
    parser.add_argument("--compile", nargs="?", const="on", default="off", choices=["off", "on", "both"],
                        help="torch.compile glot500's objective (both: time eager and compiled)")  # fmt: skip
    parser.add_argument("--baseline-attn", default="sdpa", choices=["sdpa", "eager"], help="HF baseline attention")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast on GPU")
    parser.add_argument("--pad-vocab-to", type=int, help="glot500 side: embedding rows padded to this multiple")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    base = MODES["ci" if args.ci else args.device]
    device = torch.device(args.device)
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {name}; torch {torch.__version__}")
    batches = [int(b) for b in args.batch.split(",")] if args.batch else [base.batch]
    for batch_size in batches:
        overrides = {"batch": batch_size, "seq_len": args.seq_len, "steps": args.steps}
        setting = Setting(**{**base.__dict__, **{k: v for k, v in overrides.items() if v is not None}})
        run_setting(setting, device, args)


def run_setting(setting: Setting, device: torch.device, args) -> None:
    """Baseline, then glot500 (eager and/or compiled) at one batch size; prints one block."""
    causal = args.objective == "causal"
    batch = make_causal_batch(setting) if causal else make_batch(setting)
    print(f"model: {'Llama' if causal else 'XLM-R'} hidden {setting.hidden}, layers {setting.layers}, vocab "
          f"{setting.vocab:,}; batch {setting.batch} x seq {setting.seq_len}; {int(batch['positions'].numel())} "
          f"{'scored' if causal else 'masked'} positions; "
          f"{'bf16' if device.type == 'cuda' and not args.fp32 else 'fp32'}; median of {setting.steps} steps")  # fmt: skip
    baseline = _or_oom(lambda: run_side("baseline", setting, batch, device, args), device)
    baseline_name = "LlamaForCausalLM" if causal else "XLMRobertaForMaskedLM"
    print(f"HF {baseline_name} + labels ({args.baseline_attn}): {_show(baseline)} tokens/s")
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.compile]
    for compiled in modes:
        args.compiled = compiled
        ours = _or_oom(lambda: run_side("glot500", setting, batch, device, args), device)
        extras = (" + compile" if compiled else "") + (
            f" + vocab padded to x{args.pad_vocab_to}" if args.pad_vocab_to else ""
        )
        what = ("chunked causal" + (" (Liger fused)" if _liger(device) else "")) if causal else "masked-only"
        print(f"glot500 {what} objective{extras}: {_show(ours)} tokens/s")
        if baseline and ours:
            print(f"ratio{' (compiled)' if compiled else ''}: {ours / baseline:.2f}x")


def _liger(device: torch.device) -> bool:
    from glot500.train.causal import liger_available

    return liger_available(device)


def _or_oom(run, device: torch.device) -> float | None:
    """tokens/s, or None when the side runs out of GPU memory (printed; the next side still runs)."""
    try:
        return run()
    except torch.OutOfMemoryError:
        print("  (out of GPU memory)")
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
        return None


def _show(tokens_per_second: float | None) -> str:
    return f"{tokens_per_second:12,.0f}" if tokens_per_second else "         OOM"


if __name__ == "__main__":
    main()
