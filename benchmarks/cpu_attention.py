"""CPU training step of a small encoder: ``attn_implementation: eager`` vs ``sdpa`` (the default), in one process.

PyTorch's CPU flash-attention kernel, which ``sdpa`` picks for unmasked bf16 input, has a slow backward pass
for small heads; plain (eager) attention's matmuls are faster there. The default setting is the demo's glot
model (hidden 96, 3 layers of 3 heads, 17,024-piece vocabulary, 16 x 128 tokens, bf16 autocast, no dropout): the same
step glot500's trainer takes (masked positions only through the LM head, AdamW). The two sides alternate over
``--rounds`` so that a machine that speeds up or slows down affects both alike.

    python benchmarks/cpu_attention.py            # the demo's shape (~1 min on 2 cores)
    python benchmarks/cpu_attention.py --fp32     # without bf16 autocast
    python benchmarks/cpu_attention.py --ci       # tiny, a few seconds (CI smoke)

Prints each side's median tokens/s over the rounds and the ratio eager / sdpa.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from train_throughput import Setting, build_model, make_batch, time_steps

from glot500.train.modeling import MaskedLMObjective

DEMO = Setting(vocab=17_024, hidden=96, layers=3, heads=3, intermediate=192, seq_len=128, batch=16, warmup=3,
               steps=30)  # fmt: skip
CI = Setting(vocab=2_000, hidden=32, layers=1, heads=2, intermediate=64, seq_len=64, batch=4, warmup=1, steps=3)
SIDES = ("sdpa", "eager")  # the baseline first


def tokens_per_second(attn: str, setting: Setting, batch: dict, bf16: bool, dropout: float) -> float:
    model = build_model(setting, torch.device("cpu"), attn, dropout=dropout)
    objective = MaskedLMObjective(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = objective(batch["input_ids"], None, batch["positions"], batch["labels"]).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return setting.batch * setting.seq_len / time_steps(step, setting, torch.device("cpu"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ci", action="store_true", help="a tiny model, a few seconds")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    # with attention dropout sdpa cannot use the flash kernel at all, so the demo's no-dropout is the default
    parser.add_argument("--dropout", type=float, default=0.0, help="hidden and attention dropout (the demo's: 0)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setting = CI if args.ci else DEMO
    batch = make_batch(setting)
    bf16 = not args.fp32
    speeds: dict[str, list[float]] = {side: [] for side in SIDES}
    for _ in range(args.rounds):
        for side in SIDES:
            speeds[side].append(tokens_per_second(side, setting, batch, bf16, args.dropout))
    print(f"CPU training step, {setting.layers} layers x {setting.heads} heads, hidden {setting.hidden}, vocabulary "
          f"{setting.vocab:,}, {setting.batch} x {setting.seq_len} tokens, {'bf16 autocast' if bf16 else 'fp32'}, "
          f"dropout {args.dropout}, {args.threads} threads, median of {args.rounds} rounds of {setting.steps} steps")  # fmt: skip
    median = {side: statistics.median(values) for side, values in speeds.items()}
    for side in SIDES:
        print(f"  {side:6} {median[side]:10,.0f} tokens/s   (rounds: {', '.join(f'{v:,.0f}' for v in speeds[side])})")
    print(f"  ratio eager / sdpa: {median['eager'] / median['sdpa']:.2f}x")


if __name__ == "__main__":
    main()
