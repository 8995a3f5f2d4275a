"""Tokens/s per core of the shard builder's two paths and of bare SentencePiece, on the same texts, one run.

Usage:
    .venv/bin/python benchmarks/tokenize_throughput.py --tokenizer /tmp/vocab/val/merged_tok \
        --corpus ../shared/data/corpus/bible [--max-sentences 200] [--repeats 3]

* fast tokenizer: ``glot500.train.shards._fast_encode`` (``AutoTokenizer`` batch call + ``</s>``), the
  path the builder takes when it cannot prove sentencepiece identical, and its only path before issue 14;
* bulk path: ``glot500.train.shards.spm_encode`` (NFC, sentencepiece, fairseq offset, ``</s>``, uint32);
* bare sentencepiece: ``SentencePieceProcessor.encode`` alone.

A tokenizer folder without a SentencePiece model (BPE with byte fallback, byte-level BPE: e.g. Qwen3
extended with ``glot500 vocab extend``) is measured on the builder's BPE bulk path instead:
``glot500.train.shards.backend_encode`` (``encode_batch_fast`` + eos into one uint32 array) against the
``tokenizers`` library's own ``Tokenizer.encode_batch`` (ids read from each encoding), goal: bulk >= 1x.

Every encoder runs on one thread (TOKENIZERS_PARALLELISM=false, RAYON_NUM_THREADS=1, sentencepiece
num_threads=1) in this process; figures are tokens per CPU-second of this process (robust on a shared
machine) and per wall-second, best of ``--repeats``. Goals: bulk >= 8x fast, bulk >= 80% of bare.
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

FAST_GOAL, BARE_GOAL = 8.0, 0.8


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
    parser.add_argument("--tokenizer", type=Path, required=True, help="HF tokenizer folder (with or without .model)")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--max-sentences", type=int, default=200, help="per language-script")
    parser.add_argument("--batch-size", type=int, default=1000, help="the shard builder's default")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from transformers import AutoTokenizer

    texts = read_corpus(args.corpus, args.max_sentences)
    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    if not (args.tokenizer / "sentencepiece.bpe.model").is_file():
        compare_bpe_paths(tokenizer, texts, args)
        return
    compare_spm_paths(tokenizer, texts, args)


def compare_bpe_paths(tokenizer, texts: list[str], args: argparse.Namespace) -> None:
    """The builder's BPE bulk path vs ``tokenizers``' batch encode, same texts, same thread, ids compared."""
    from glot500.train.shards import backend_encode, tokenizer_fingerprint

    backend, eos = tokenizer.backend_tokenizer, tokenizer.eos_token_id
    batches = [texts[i : i + args.batch_size] for i in range(0, len(texts), args.batch_size)]
    print(f"{len(texts):,} sentences, {sum(map(len, texts)) / 1e6:.1f}M characters, {len(batches)} batches; "
          f"{len(tokenizer):,} tokens, {tokenizer_fingerprint(tokenizer)}")  # fmt: skip
    same = all(backend_encode(backend, b, eos).tolist() == [i for e in backend.encode_batch(b, add_special_tokens=False)
                                                             for i in [*e.ids, eos]] for b in batches[:3])  # fmt: skip
    print(f"bulk path ids == tokenizers encode_batch ids (+ eos) on the first batches: {same}")
    runs = {
        "tokenizers encode_batch": lambda: sum(
            len(e.ids) + 1 for b in batches for e in backend.encode_batch(b, add_special_tokens=False)),
        "bulk path (builder's backend_encode)": lambda: sum(int(backend_encode(backend, b, eos).size) for b in batches),
    }  # fmt: skip
    rates = {}
    for name, run in runs.items():
        tokens, cpu, wall = best_of(run, args.repeats)
        rates[name] = tokens / cpu
        print(
            f"{name:38s} {tokens:>12,} tokens  {tokens / cpu / 1e6:6.2f}M tok/CPU-s  {tokens / wall / 1e6:6.2f}M tok/s wall"
        )
    library, bulk = rates.values()
    print(f"bulk / tokenizers encode_batch: {bulk / library:.2f}x per core (goal >= 1x: "
          f"{'met' if bulk >= library else 'missed'})")  # fmt: skip


def compare_spm_paths(tokenizer, texts: list[str], args: argparse.Namespace) -> None:
    import sentencepiece as spm

    from glot500.train.shards import _fast_encode, spm_encode, tokenizer_fingerprint
    from glot500.vocab.fidelity import check_fidelity

    processor = spm.SentencePieceProcessor(model_file=str(args.tokenizer / "sentencepiece.bpe.model"))
    batches = [texts[i : i + args.batch_size] for i in range(0, len(texts), args.batch_size)]
    print(f"{len(texts):,} sentences, {sum(map(len, texts)) / 1e6:.1f}M characters, {len(batches)} batches; "
          f"{type(tokenizer).__name__} {tokenizer_fingerprint(tokenizer)}")  # fmt: skip
    (row,) = check_fidelity(tokenizer, processor, {"all": texts}, forms=("",), nfc_first=True)
    print(f"bulk path == fast tokenizer on {row.identical:,} of {row.lines:,} sentences ({row.agreement:.4%})")

    unk, eos = tokenizer.unk_token_id, tokenizer.eos_token_id
    runs = {
        "fast tokenizer (builder's fast path)": lambda: sum(int(_fast_encode(tokenizer, eos, b).size) for b in batches),
        "bulk path (builder's spm_encode)": lambda: sum(int(spm_encode(processor, b, unk, eos).size) for b in batches),
        "bare sentencepiece encode": lambda: sum(
            len(ids) + 1
            for b in batches
            for ids in processor.encode(b, num_threads=1)  # + </s>, as the others
        ),
    }
    rates: dict[str, float] = {}
    for name, run in runs.items():
        tokens, cpu, wall = best_of(run, args.repeats)
        rates[name] = tokens / cpu
        print(
            f"{name:38s} {tokens:>12,} tokens  {tokens / cpu / 1e6:6.2f}M tok/CPU-s  {tokens / wall / 1e6:6.2f}M tok/s wall"
        )
    fast, bulk, bare = rates.values()
    print(f"bulk / fast: {bulk / fast:.2f}x (goal >= {FAST_GOAL:.0f}x: {'met' if bulk / fast >= FAST_GOAL else 'missed'}); "
          f"bulk / bare sentencepiece: {bulk / bare:.0%} (goal >= {BARE_GOAL:.0%}: "
          f"{'met' if bulk / bare >= BARE_GOAL else 'missed'}); fast / bare: {fast / bare:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
