"""Retrieval-embedding throughput: glot500's encoder vs a plain fixed-length loop, in one process.

    .venv/bin/python benchmarks/eval_throughput.py                      # CPU, a small random model
    .venv/bin/python benchmarks/eval_throughput.py --device cuda        # XLM-R-base size, random init, seq 128

Both sides embed the same sentences (token lengths spread uniformly up to --seq-len) as the mean of layer-8
hidden states. The baseline pads every batch to --seq-len in the given order and runs the whole model;
glot500 sorts by length (no wasted padding), runs only the layers up to 8, and uses bf16 on CUDA.
Prints sentences/s for each and the ratio. Target on a GPU: >= 10,000 sentences/s for glot500.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

WORDS = [f"w{i}" for i in range(2000)]


def make_model(root: Path, device: str) -> Path:
    """A random XLM-R-shaped model folder: XLM-R-base size on CUDA, a small one on CPU."""
    from transformers import AutoTokenizer, XLMRobertaForMaskedLM

    from glot500.model.tiny import tiny_config
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    rng = random.Random(0)
    texts = [" ".join(rng.choice(WORDS) for _ in range(20)) for _ in range(3000)]
    tokenizer_dir = spm_to_hf_tokenizer(train_spm(texts, root / "spm" / "sp", vocab_size=4000), root / "model")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    if device.startswith("cuda"):  # XLM-R base: 12 layers, 768 hidden, 250k vocabulary
        config = tiny_config(
            250_002, hidden_size=768, num_layers=12, num_heads=12, intermediate_size=3072, max_position_embeddings=514
        )
    else:
        config = tiny_config(
            len(tokenizer),
            hidden_size=128,
            num_layers=12,  # XLM-R depth: layer 8 of 12 shows the saved layers
            num_heads=4,
            intermediate_size=512,
            max_position_embeddings=514,
        )
    XLMRobertaForMaskedLM(config).save_pretrained(root / "model", safe_serialization=True)
    return root / "model"


def make_sentences(tokenizer, count: int, seq_len: int, seed: int = 0) -> list[str]:
    """Sentences whose token counts spread uniformly between 8 and ``seq_len`` (as real test sets vary)."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        target = rng.randint(8, seq_len)
        words = [rng.choice(WORDS) for _ in range(target)]
        while len(tokenizer(" ".join(words))["input_ids"]) > target and len(words) > 1:
            words = words[: max(1, int(len(words) * 0.8))]
        sentences.append(" ".join(words))
    return sentences


def baseline(
    model, tokenizer, sentences: list[str], layer: int, batch_size: int, seq_len: int, device: str, dtype
) -> np.ndarray:
    """The plain loop: pad to ``seq_len``, keep the input order, run all layers, pool layer ``layer``."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(sentences), batch_size):
            batch = tokenizer(
                sentences[start : start + batch_size],
                padding="max_length",
                truncation=True,
                max_length=seq_len,
                return_tensors="pt",
            ).to(device)
            hidden = model(**batch, output_hidden_states=True).hidden_states[layer]
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            out.append(((hidden * mask).sum(1) / mask.sum(1)).float().cpu().numpy())
    return np.concatenate(out)


def timed(fn, device: str) -> tuple[float, object]:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--model", help="A model folder (default: a random one made here).")
    parser.add_argument("--sentences", type=int, default=None, help="default: 20,000 on CUDA, 500 on CPU")
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=None, help="default: 512 on CUDA, 64 on CPU")
    parser.add_argument("--layer", type=int, default=8)
    args = parser.parse_args()
    cuda = args.device.startswith("cuda")
    count = args.sentences or (20_000 if cuda else 500)
    batch_size = args.batch_size or (512 if cuda else 64)

    from glot500.evaluate.encoder import HFEncoder

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model or make_model(Path(tmp), args.device)
        encoder = HFEncoder(
            str(model_dir), device=args.device, batch_size=batch_size, max_length=args.seq_len, progress=False
        )
        sentences = make_sentences(encoder.tokenizer, count, args.seq_len)
        layer = encoder.clip_layer(args.layer)
        base_model = encoder.model.base_model
        # warm-up both paths (CUDA kernels, allocator)
        encoder.embed(sentences[:batch_size], layer)
        baseline(
            base_model,
            encoder.tokenizer,
            sentences[:batch_size],
            layer,
            batch_size,
            args.seq_len,
            args.device,
            encoder.dtype,
        )
        ours_s, ours = timed(lambda: encoder.embed(sentences, layer), args.device)
        base_s, base = timed(
            lambda: baseline(
                base_model, encoder.tokenizer, sentences, layer, batch_size, args.seq_len, args.device, encoder.dtype
            ),
            args.device,
        )
    cosine = np.sum(ours * base, 1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(base, axis=1))
    print(
        f"device={args.device} dtype={encoder.dtype} layers={encoder.num_layers} hidden={encoder.config.hidden_size} "
        f"sentences={count} seq_len<={args.seq_len} batch={batch_size} layer={layer}"
    )
    print(f"baseline (fixed length {args.seq_len}, unsorted, all layers): {count / base_s:,.0f} sentences/s")
    print(f"glot500  (length-sorted, layers <= {layer}):                  {count / ours_s:,.0f} sentences/s")
    print(f"ratio glot500/baseline: {base_s / ours_s:.2f}x   (min cosine between the two: {cosine.min():.5f})")


if __name__ == "__main__":
    main()
