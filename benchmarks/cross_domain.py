"""Cross-domain check: the demo's models scored on text of another domain, Bible verses it never trains on.

    .venv/bin/python benchmarks/cross_domain.py runs/demo                         # all Bible languages, 5 verses
    .venv/bin/python benchmarks/cross_domain.py runs/demo --verses 3 --out cross_domain.json
    .venv/bin/python benchmarks/cross_domain.py runs/demo --verses 3 --split validation   # for tuning

The demo trains and tunes on the UDHR. Its report scores held-out UDHR articles: the same domain, the same
translators. This scores the run's models (``base``, ``glot``, ``control``: ``<run>/<name>/final``) with the
project's pseudo-perplexity (``glot500 eval pseudo-perplexity``: per character, ``<unk>`` charged) on the last
``--verses`` verses of every language of ``../shared/data/corpus/bible`` (one verse per line, ``.txt.xz``; with
``--split validation`` the ``--verses`` verses before those, for tuning), and
prints, over all Bible languages and over those the run's corpus has:

* the tail (languages outside XLM-R's) median of the per-language ratio glot / base, and the share of tail
  languages where glot beats base;
* every tail language more than 2x worse than base, with its ratio, glot's and base's tokens per character and
  share of characters under ``<unk>`` (what the tokenizer made of the text), and whether the run trained on it;
* the head median pseudo-perplexity of glot, base and control.

Scoring 729 languages x 5 verses with three tiny demo models takes a few minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import lzma
import statistics
import sys
import tempfile
import time
from pathlib import Path

MODELS = ("base", "glot", "control")
BLOWUP = 2.0  # a language "blown up": glot's pseudo-perplexity more than this many times base's


def last_verses(path: Path, count: int, split: str = "test", min_chars: int = 20) -> list[str]:
    """The verses of a split, each of at least ``min_chars`` characters (shorter lines are headings or numbers).

    ``test``: the last ``count`` verses; ``validation``: the ``count`` verses before them, for tuning.
    """
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        lines = [line.strip() for line in handle]
    verses = [line for line in lines if len(line) >= min_chars]
    if split == "validation":
        verses = verses[:-count]
    return verses[-count:]


def write_task(
    bible: Path, out: Path, verses: int, languages: set[str] | None, split: str = "test"
) -> dict[str, list[str]]:
    """A pseudo-perplexity task folder ``out/<label>/<label>.txt``; returns the verses per label."""
    texts: dict[str, list[str]] = {}
    for path in sorted(bible.glob("*.txt.xz")):
        label = path.name.removesuffix(".txt.xz")
        if languages is not None and label not in languages:
            continue
        lines = last_verses(path, verses, split)
        if not lines:
            continue
        (out / label).mkdir(parents=True, exist_ok=True)
        (out / label / f"{label}.txt").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        texts[label] = lines
    return texts


def score_models(
    run: Path, task: Path, threads: int, known: dict[str, dict[str, dict[str, float]]] | None = None
) -> dict[str, dict[str, dict[str, float]]]:
    """``{model: {label: {metric: value}}}`` from the project's pseudo-perplexity task (``known`` models as given)."""
    import torch

    from glot500.evaluate.config import EvalConfig
    from glot500.evaluate.encoder import HFEncoder
    from glot500.evaluate.perplexity import PseudoPerplexityTask

    torch.set_num_threads(threads)
    config = EvalConfig(profile="cpu-small", device="cpu", ppl_max_sentences=None)
    scores: dict[str, dict[str, dict[str, float]]] = dict(known or {})
    for name in MODELS:
        if name in scores:
            continue
        folder = run / name / "final"
        if not folder.is_dir():
            print(f"{name}: no model at {folder}, skipped", file=sys.stderr)
            continue
        started = time.perf_counter()
        encoder = HFEncoder(str(folder), device="cpu", batch_size=64, progress=False)
        ppl_task = PseudoPerplexityTask(config)
        rows = ppl_task.score(encoder, ppl_task.load(task))
        scores[name] = {}
        for row in rows:
            if row.error is None and row.value is not None:
                scores[name].setdefault(row.lang, {})[row.metric] = row.value
        print(f"{name}: {len(scores[name])} languages in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return scores


def tokens_per_char(run: Path, name: str, texts: dict[str, list[str]]) -> dict[str, float]:
    """Tokens per character of each language's verses under a model's tokenizer (its fertility on this text)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(run / name / "final"))
    out: dict[str, float] = {}
    for label, lines in texts.items():
        tokens = sum(len(tokenizer(line, add_special_tokens=False)["input_ids"]) for line in lines)
        out[label] = tokens / max(1, sum(len(line) for line in lines))
    return out


def summarize(
    scores: dict[str, dict[str, dict[str, float]]],
    labels: list[str],
    fertility: dict[str, dict[str, float]],
    trained_on: set[str],
) -> dict[str, object]:
    """The check's figures over ``labels``: tail ratios, blow-ups, head medians."""
    from glot500.languages import is_head

    ppl = {name: {label: m["ppl_per_char"] for label, m in per.items()} for name, per in scores.items()}
    both = [label for label in labels if label in ppl.get("glot", {}) and label in ppl.get("base", {})]
    tail = [label for label in both if not is_head(label)]
    head = [label for label in both if is_head(label)]
    ratios = {label: ppl["glot"][label] / ppl["base"][label] for label in tail}
    blown = sorted((label for label, ratio in ratios.items() if ratio > BLOWUP), key=lambda x: -ratios[x])
    return {
        "languages": len(both),
        "tail_languages": len(tail),
        "head_languages": len(head),
        "tail_median_ratio_glot_base": statistics.median(ratios.values()) if ratios else None,
        "tail_share_glot_better": sum(r < 1 for r in ratios.values()) / len(ratios) if ratios else None,
        "blown_up": [
            {
                "lang": label,
                "ratio": ratios[label],
                "trained_on": label in trained_on,
                "glot_tokens_per_char": fertility.get("glot", {}).get(label),
                "base_tokens_per_char": fertility.get("base", {}).get(label),
                "glot_unk_share": scores["glot"][label].get("unk_char_share"),
                "base_unk_share": scores["base"][label].get("unk_char_share"),
            }
            for label in blown
        ],
        "head_median": {
            name: statistics.median(per[label] for label in head if label in per) if head else None
            for name, per in ppl.items()
        },
        "tail_median": {
            name: statistics.median(per[label] for label in tail if label in per) if tail else None
            for name, per in ppl.items()
        },
    }


def print_summary(title: str, summary: dict[str, object]) -> None:
    median, share = summary["tail_median_ratio_glot_base"], summary["tail_share_glot_better"]
    print(f"\n== {title}: {summary['languages']} languages ({summary['head_languages']} head, "
          f"{summary['tail_languages']} tail)")  # fmt: skip
    if median is not None:
        print(f"tail median glot/base {median:.3f}   tail better than base {share:.1%}")
    heads = ", ".join(f"{name} {value:.2f}" for name, value in summary["head_median"].items() if value is not None)
    tails = ", ".join(f"{name} {value:.2f}" for name, value in summary["tail_median"].items() if value is not None)
    print(f"head median ppl/char: {heads}\ntail median ppl/char: {tails}")
    blown = summary["blown_up"]
    print(f"tail languages > {BLOWUP:g}x worse than base: {len(blown)}")
    for item in blown:
        print(f"  {item['lang']:<10} {item['ratio']:6.2f}x  trained on: {'yes' if item['trained_on'] else 'no ':<3}"
              f"  tokens/char glot {item['glot_tokens_per_char']:.3f} base {item['base_tokens_per_char']:.3f}"
              f"  <unk> share glot {item['glot_unk_share']:.1%} base {item['base_unk_share']:.1%}")  # fmt: skip


def corpus_languages(run: Path) -> set[str]:
    """The language-scripts of the run's corpus (``<run>/corpus/data/<label>``): the ones glot trained on."""
    data = run / "corpus" / "data"
    return {path.name for path in data.iterdir() if path.is_dir()} if data.is_dir() else set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a demo run folder (base/, glot/, control/ with final/ in each)")
    parser.add_argument("--bible", type=Path, default=Path("../shared/data/corpus/bible"))
    parser.add_argument("--verses", type=int, default=5, help="the last N verses of each language")
    parser.add_argument(
        "--split", choices=("test", "validation"), default="test",
        help="test: the last N verses (report once); validation: the N before them (tune on these)",
    )  # fmt: skip
    parser.add_argument("--only-trained", action="store_true", help="only the languages the run's corpus has")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the figures and per-language scores as JSON here")
    parser.add_argument(
        "--base-scores", type=Path, help="an earlier --out of runs sharing this base model: its base scores are reused"
    )
    parser.add_argument(
        "--reuse", nargs="+", choices=MODELS, default=["base"],
        help="the models whose scores --base-scores gives (default: base; add control when it is unchanged too)",
    )  # fmt: skip
    args = parser.parse_args()

    started = time.perf_counter()
    trained_on = corpus_languages(args.run)
    with tempfile.TemporaryDirectory() as tmp:
        task = Path(tmp) / "ppl_bible"
        texts = write_task(args.bible, task, args.verses, trained_on if args.only_trained else None, args.split)
        print(f"{len(texts)} languages x {args.verses} verses ({args.split} split) from {args.bible}", file=sys.stderr)
        known = None
        if args.base_scores:
            earlier = json.loads(args.base_scores.read_text(encoding="utf-8"))
            if (earlier.get("split", "test"), earlier["verses"]) != (args.split, args.verses):
                sys.exit(f"{args.base_scores}: scores of another split or verse count, not reusable here")
            known = {
                name: {label: score for label, score in earlier["scores"][name].items() if label in texts}
                for name in args.reuse
            }
        scores = score_models(args.run, task, args.threads, known)
    fertility = {name: tokens_per_char(args.run, name, texts) for name in ("base", "glot") if name in scores}
    labels = sorted(texts)
    summaries = {
        "all Bible languages": summarize(scores, labels, fertility, trained_on),
        "Bible languages the run trained on": summarize(
            scores, [label for label in labels if label in trained_on], fertility, trained_on
        ),
    }
    for title, summary in summaries.items():
        print_summary(title, summary)
    print(f"\nwall {time.perf_counter() - started:.0f} s ({args.verses} verses per language, {args.threads} threads)")
    if args.out:
        from glot500.core.io import write_json_atomic

        write_json_atomic(
            args.out,
            {
                "run": str(args.run),
                "verses": args.verses,
                "split": args.split,
                "summaries": summaries,
                "scores": scores,
                "tokens_per_char": fertility,
            },  # fmt: skip
            indent=1,
        )


if __name__ == "__main__":
    main()
