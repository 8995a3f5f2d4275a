"""Tokens per second per core: the merged fast tokenizer (HF `tokenizers`, batch API) vs `sentencepiece`.

Usage:
    .venv/bin/python benchmarks/tokenize_throughput.py --tokenizer /tmp/vocab/val/merged_tok \
        --corpus ../shared/data/corpus/bible [--max-sentences 1000] [--repeats 3]

Both encoders run on one thread (TOKENIZERS_PARALLELISM=false, RAYON_NUM_THREADS=1, sentencepiece
num_threads=1) over the same texts in this one process. Figures are tokens per CPU-second of this process
(robust on a shared machine) and tokens per wall-second; the best of ``--repeats`` runs is kept.
Target: >= 1M tokens/s per core for the fast tokenizer.
"""

from __future__ import annotations

import os

# One core: must be set before `tokenizers` is imported.
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

TARGET = 1_000_000
FAIRSEQ = {0: 3, 1: 0, 2: 2}


def read_corpus(corpus: Path, max_sentences: int) -> list[str]:
    from glot500.corpus.reader import discover_languages, iter_texts

    texts: list[str] = []
    for files in discover_languages(corpus).values():
        texts.extend(iter_texts(files, max_sentences))
    return texts


def best_of(run: Callable[[], int], repeats: int) -> tuple[int, float, float]:
    """``(tokens, best CPU seconds, best wall seconds)`` over ``repeats`` runs."""
    tokens, cpu, wall = 0, float("inf"), float("inf")
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        tokens = run()
        cpu, wall = min(cpu, time.process_time() - start_cpu), min(wall, time.perf_counter() - start_wall)
    return tokens, cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", type=Path, required=True, help="merged HF tokenizer folder")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--max-sentences", type=int, default=200, help="per language-script")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import sentencepiece as spm
    from transformers import AutoTokenizer

    texts = read_corpus(args.corpus, args.max_sentences)
    backend = AutoTokenizer.from_pretrained(args.tokenizer).backend_tokenizer
    processor = spm.SentencePieceProcessor(model_file=str(args.tokenizer / "sentencepiece.bpe.model"))
    batches = [texts[i : i + args.batch_size] for i in range(0, len(texts), args.batch_size)]
    print(f"{len(texts):,} sentences, {sum(map(len, texts)) / 1e6:.1f}M characters, {len(batches)} batches")

    sample = texts[:: max(len(texts) // 2000, 1)]  # same segmentation, or the comparison is meaningless
    hf_ids = [e.ids for e in backend.encode_batch(sample, add_special_tokens=False)]
    sp_ids = [[FAIRSEQ.get(i, i + 1) for i in ids] for ids in processor.encode(sample, num_threads=1)]
    agree = sum(a == b for a, b in zip(hf_ids, sp_ids, strict=True)) / len(sample)
    print(f"identical ids on {len(sample)} sampled sentences: {agree:.2%}")

    runs = {
        "tokenizers encode_batch": lambda: sum(
            len(e.ids) for b in batches for e in backend.encode_batch(b, add_special_tokens=False)
        ),
        "tokenizers encode_batch_fast (no offsets)": lambda: sum(
            len(e.ids) for b in batches for e in backend.encode_batch_fast(b, add_special_tokens=False)
        ),
        "sentencepiece encode (1 thread)": lambda: sum(
            len(ids) for b in batches for ids in processor.encode(b, num_threads=1)
        ),
    }
    rates: dict[str, float] = {}
    for name, run in runs.items():
        tokens, cpu, wall = best_of(run, args.repeats)
        rates[name] = tokens / cpu
        print(
            f"{name:45s} {tokens:>12,} tokens  {tokens / cpu / 1e6:6.2f}M tok/CPU-s  {tokens / wall / 1e6:6.2f}M tok/s wall"
        )
    baseline = rates["sentencepiece encode (1 thread)"]
    for name in list(runs)[:2]:
        verdict = "meets" if rates[name] >= TARGET else "misses"
        print(f"{name}: {rates[name] / baseline:.2f}x sentencepiece; {verdict} the 1M tokens/s per core target")


if __name__ == "__main__":
    main()
