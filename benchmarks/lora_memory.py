"""Memory of full training vs LoRA + trainable new rows on the same random-init Llama-shaped model.

Each side runs in a fresh child process (peak RSS only grows within a process, so the two must not share one);
the parent prints both and the ratios. A side: random-init ``LlamaForCausalLM`` (untied head) whose vocabulary
is ``--base-vocab`` old rows plus ``--new-rows`` new ones, then ``--steps`` optimizer steps (AdamW) of glot500's
chunked causal objective on random tokens:

* ``full``: every parameter trains;
* ``lora``: :class:`glot500.train.lora.LoraAdapter` (peft LoRA on every linear layer of the body, rank ``--r``,
  plus the new rows of the input embedding and of the head as peft trainable tokens); every old weight frozen.

Printed per side: trainable parameters, optimizer-state bytes (AdamW's moments, measured from the optimizer),
peak memory (CPU: the process's peak RSS; CUDA: ``torch.cuda.max_memory_allocated``), seconds per step.

    python benchmarks/lora_memory.py                     # CPU: ~480M parameters, 100K new rows (a few minutes)
    python benchmarks/lora_memory.py --ci                # tiny, seconds
    python benchmarks/lora_memory.py --device cuda --hidden 2048 --layers 16 --intermediate 5632 --seq-len 1024
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--ci", action="store_true", help="tiny sizes, finishes in seconds")
    parser.add_argument("--base-vocab", type=int, default=32_000)
    parser.add_argument("--new-rows", type=int, default=100_000)
    parser.add_argument("--hidden", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=16)
    parser.add_argument("--heads", type=int, default=16)
    parser.add_argument("--intermediate", type=int, default=2816)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--r", type=int, default=16, help="LoRA rank")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--side", choices=["full", "lora"], help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.ci:
        args.base_vocab, args.new_rows, args.hidden, args.layers, args.heads = 500, 1000, 64, 2, 2
        args.intermediate, args.seq_len, args.batch, args.steps = 128, 32, 2, 2
    return args


def run_side(args: argparse.Namespace) -> dict:
    import torch
    from transformers import LlamaForCausalLM

    from glot500.model.tiny import tiny_family_config
    from glot500.train.causal import CausalLMObjective
    from glot500.train.config import PeftSettings
    from glot500.train.lora import LoraAdapter

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    vocab = args.base_vocab + args.new_rows
    sizes = {"hidden_size": args.hidden, "num_layers": args.layers, "num_heads": args.heads,
             "intermediate_size": args.intermediate, "max_position_embeddings": args.seq_len,
             "tie_word_embeddings": 0}  # fmt: skip
    torch.manual_seed(0)
    model = LlamaForCausalLM(tiny_family_config("llama", vocab, **sizes)).to(device).train()
    total = sum(p.numel() for p in model.parameters())
    if args.side == "lora":
        adapter = LoraAdapter(PeftSettings(r=args.r, alpha=2.0 * args.r), list(range(args.base_vocab, vocab)))
        adapter.attach(model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, fused=True)
    objective = CausalLMObjective(model)
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab, (args.batch, args.seq_len), generator=generator).to(device)
    rows = torch.arange(args.batch, device=device)[:, None] * args.seq_len
    positions = (rows + torch.arange(args.seq_len - 1, device=device)[None, :]).flatten()
    labels = ids.flatten()[positions + 1]
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = objective(ids, None, positions, labels).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    state_bytes = sum(v.numel() * v.element_size() for s in optimizer.state.values() for v in s.values()
                      if isinstance(v, torch.Tensor))  # fmt: skip
    peak = torch.cuda.max_memory_allocated() if device.type == "cuda" else _peak_rss()
    return {"side": args.side, "parameters": total, "trainable": sum(p.numel() for p in trainable),
            "optimizer_state_bytes": state_bytes, "peak_bytes": peak, "seconds_per_step": min(times),
            "loss": float(loss)}  # fmt: skip


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main() -> None:
    args = parse()
    if args.side:
        print(json.dumps(run_side(args)))
        return
    results = {}
    for side in ("full", "lora"):
        command = [sys.executable, __file__, *sys.argv[1:], "--side", side]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{side}: failed (exit {done.returncode})\n{done.stderr[-3000:]}")
            return
        results[side] = json.loads(done.stdout.strip().splitlines()[-1])
    full, lora = results["full"], results["lora"]
    print(f"model: Llama hidden {args.hidden}, {args.layers} layers, intermediate {args.intermediate}, vocabulary "
          f"{args.base_vocab:,} + {args.new_rows:,} new rows (untied head): {full['parameters'] / 1e6:,.1f}M "
          f"parameters; batch {args.batch} x {args.seq_len}; {args.steps} AdamW steps; LoRA r={args.r} on every "
          f"linear layer of the body; device {args.device}")  # fmt: skip
    memory = "peak CUDA memory" if args.device == "cuda" else "peak RSS"
    print(f"{'':6} {'trainable':>14} {'optimizer state':>16} {memory:>16} {'s/step':>8}")
    for name, side in (("full", full), ("LoRA", lora)):
        print(f"{name:6} {side['trainable']:>14,} {side['optimizer_state_bytes'] / 2**30:>12.2f} GiB "
              f"{side['peak_bytes'] / 2**30:>12.2f} GiB {side['seconds_per_step']:>8.1f}")  # fmt: skip
    print(f"ratio LoRA / full: trainable {lora['trainable'] / full['trainable']:.2f}x, optimizer state "
          f"{lora['optimizer_state_bytes'] / full['optimizer_state_bytes']:.2f}x, {memory} "
          f"{lora['peak_bytes'] / full['peak_bytes']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
