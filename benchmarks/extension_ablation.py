"""Which vocabulary-extension recipe pays off on a small budget: init x phases x head floor, one command.

    .venv/bin/python benchmarks/extension_ablation.py                        # ../shared/data/corpus/bible
    .venv/bin/python benchmarks/extension_ablation.py --corpus DIR --out runs/ablation --steps 400
    .venv/bin/python benchmarks/extension_ablation.py --quick                # a smoke run of the machinery

On a folder of ``<label>.txt[.xz]`` files (one sentence a line; the Bible corpus: ~1,000 verses per
language-script, not aligned across languages):

1. **Held-out verses**: the last ``--heldout`` lines of every file never reach training (neither the
   tokenizers, the fastText vectors of the corpus-informed init, nor any model). Pseudo-perplexity is scored
   on ``--ppl-verses`` of them per language: the first ones of 30-150 characters (pseudo-perplexity costs grow
   with the square of a sentence's length), the same verses for every model.
2. **One base**: a ``--base-vocab``-piece SentencePiece tokenizer and a tiny model (3 layers x 96) trained
   ``--base-steps`` on the head languages (XLM-R's) only.
3. **One extended tokenizer**: a ``--vocab``-piece model on every language (alpha 0.3) merged into the base's.
4. **Variants, all from the same base with the same token budget** (``--steps`` x 16 x 128 tokens each):
   init in {random, subword-mean, corpus-informed} x {one phase (everything, lr ``--lr``), two phases (the
   new rows alone for a quarter of the steps at lr ``--rows-lr``, then everything)} x {no head floor, head
   floor ``--head-floor``}; plus the **control**: the base trained as long on the head languages only.
   The corpus-informed init trains its fastText piece vectors (dim 50, 3 epochs) on ``--focus-lines`` lines
   of the training split.
5. Per variant: pseudo-perplexity per character on the held-out verses (``<unk>``-covered characters charged
   ``log V``, V = the language's character inventory; see docs/evaluate.md), mean and median over head and
   tail languages, the share of tail languages where it beats the base, ``<unk>`` share and fertility
   (``glot500 vocab report`` on the held-out verses), and the steps needed to reach the base's final head
   loss. That loss is the **training** MLM loss on head-language sequences as ``metrics.jsonl`` logs it
   (``loss_head``, mean over masked tokens since the previous log line, every 10 steps); the base's final
   value is its last logged one. Losses of different tokenizers are per token of different segmentations, so
   read that column as "when is the head back where the base left it", not as a perplexity.

Every step is a stage of the pipeline runner (``glot500.pipeline``) with the stages' own adapters, in
``<out>/work/<stage>/``: a rerun skips what is done and resumes what was killed; changing one option re-runs
only what depends on it. Writes ``<out>/ablation.md`` (the table), ``ablation.tsv``, ``ablation.json`` and
``loss_curves.png``. Sized for <= 45 minutes on 2 CPU cores (measured: 43.5 min on a shared machine; see
docs/results.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import lzma
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glot500.languages import is_head
from glot500.pipeline.graph import Stage
from glot500.pipeline.runner import Pipeline, PlanItem, read_record
from glot500.pipeline.stages import default_registry

DEFAULT_CORPUS = "../shared/data/corpus/bible"
INITS = ("random", "subword-mean", "corpus-informed")
PPL_CHARS = (30, 150)  # held-out verses scored for pseudo-perplexity are this long (characters)
SCRATCH = {"size": "tiny", "hidden_size": 96, "num_layers": 3, "num_heads": 3, "intermediate_size": 192,
           "max_position_embeddings": 130}  # fmt: skip


@dataclass(frozen=True)
class Variant:
    name: str
    init: str | None  # None: the control (the base, its tokenizer, head languages only)
    phases: int
    head_floor: float


def variants(head_floor: float) -> list[Variant]:
    found = [
        Variant(f"{init}.{phases}p.{'floor' if floor else 'nofloor'}", init, phases, floor)
        for init in INITS
        for phases in (1, 2)
        for floor in (0.0, head_floor)
    ]
    return [*found, Variant("control", None, 1, 0.0)]


# ---- data -------------------------------------------------------------------------------------------------
def read_lines(path: Path) -> list[str]:
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [" ".join(line.split()) for line in handle if line.strip()]


def split_corpus(corpus: Path, data: Path, heldout: int, ppl_verses: int, eval_languages: int) -> dict[str, Any]:
    """``data/train/<label>.txt`` (all but the last ``heldout`` lines), ``data/heldout/<label>.txt`` and the
    pseudo-perplexity task ``data/tasks/ppl_heldout/<label>/<label>.txt`` (``eval_languages``: 0 = all)."""
    marker = data / "split.json"
    settings = {"corpus": str(corpus.resolve()), "heldout": heldout, "ppl_verses": ppl_verses,
                "eval_languages": eval_languages}  # fmt: skip
    if marker.is_file() and json.loads(marker.read_text())["settings"] == settings:
        return json.loads(marker.read_text())
    files = sorted(p for p in corpus.iterdir() if p.name.endswith((".txt", ".txt.xz")))
    labels = [p.name.split(".")[0] for p in files]
    scored = set(evaluation_languages(labels, eval_languages))
    counts: dict[str, int] = {}
    for label, path in zip(labels, files, strict=True):
        lines = read_lines(path)
        if len(lines) <= 2 * heldout:
            continue  # too small to give up held-out verses
        train, held = lines[:-heldout], lines[-heldout:]
        write_lines(data / "train" / f"{label}.txt", train)
        write_lines(data / "heldout" / f"{label}.txt", held)
        if label in scored:
            chosen = [v for v in held if PPL_CHARS[0] <= len(v) <= PPL_CHARS[1]][:ppl_verses]
            chosen = chosen or sorted(held, key=len)[:ppl_verses]
            write_lines(data / "tasks" / "ppl_heldout" / label / f"{label}.txt", chosen)
        counts[label] = len(train)
    record = {"settings": settings, "languages": len(counts), "scored": sorted(scored & set(counts))}
    marker.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return record


def evaluation_languages(labels: list[str], limit: int) -> list[str]:
    """Every head language and an evenly spread (deterministic) subset of tail ones, ``limit`` in all."""
    if limit <= 0 or limit >= len(labels):
        return list(labels)
    head = [label for label in labels if is_head(label)]
    tail = [label for label in labels if not is_head(label)]
    room = max(limit - len(head), 0)
    step = len(tail) / room if room else math.inf
    return head + [tail[int(i * step)] for i in range(room)]


def write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


# ---- the stages -------------------------------------------------------------------------------------------
def train_options(args: argparse.Namespace, steps: int, lr: float, scratch: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "data": {"seq_len": 128, "alpha": 0.3},
        "max_steps": steps,
        "micro_batch_size": 16,
        "global_batch_size": 16,
        "optim": {"lr": lr, "warmup_steps": min(30, steps // 10)},
        "checkpoint_every": max(steps // 2, 1),
        "log_every": 10,
        "device": "cpu",
        "progress": False,
    }
    if scratch:
        options["model"] = {"scratch": dict(SCRATCH)}
    return options


def variant_options(args: argparse.Namespace, variant: Variant) -> dict[str, Any]:
    options = train_options(args, args.steps, args.lr, scratch=False)
    options["data"]["head_floor"] = variant.head_floor
    if variant.phases == 2:
        rows = max(args.steps // 4, 1)
        options.pop("max_steps")
        options["phases"] = [
            {"name": "new-rows", "steps": rows, "train": "new_rows", "lr": args.rows_lr, "warmup_steps": 10},
            {"name": "all", "steps": args.steps - rows, "train": "all", "lr": args.lr},
        ]
    return options


def ablation_stages(args: argparse.Namespace, data: Path, todo: list[Variant]) -> list[Stage]:
    train, heldout = str(data / "train"), str(data / "heldout")
    seed = {"seed": 0}
    stages = [
        Stage("base_vocab", "vocab_train", "base_vocab",
              {**seed, "vocab_size": args.base_vocab, "sample_size": 30_000, "alpha": 0.3, "languages": "head"},
              {"corpus": train}),
        Stage("base", "train", "base",
              {**seed, **train_options(args, args.base_steps, 1e-3, scratch=True), "languages": "head"},
              {"tokenizer": "@base_vocab", "corpus": train}),
        Stage("vocab", "vocab_train", "vocab",
              {**seed, "vocab_size": args.vocab, "sample_size": 60_000, "alpha": 0.3, "languages": "all"},
              {"corpus": train}),
        Stage("vocab_extend", "vocab_extend", "vocab_extend", {}, {"base": "@base_vocab", "add": "@vocab"}),
        # fidelity off: a test of the tokenizer files, not of the recipe, and minutes over hundreds of languages
        Stage("vocab_report", "vocab_report", "vocab_report", {"max_sentences": args.heldout, "plots": False,
              "fidelity": False},
              {"tokenizer:base": "@base_vocab", "tokenizer:glot": "@vocab_extend", "corpus": heldout}),
    ]  # fmt: skip
    for init in sorted({v.init for v in todo if v.init is not None}):
        inputs: dict[str, Any] = {"base": "@base/final", "tokenizer": "@vocab_extend"}
        options: dict[str, Any] = {**seed, "init": init}
        if init == "corpus-informed":
            inputs["corpus"] = train
            options["init_options"] = {"max_lines": args.focus_lines, "dim": 50, "epoch": 3}
        stages.append(Stage(f"extend.{init}", "model_extend", "extend", options, inputs))
    evaluation = {"profile": "cpu-small", "layer": 2, "batch_size": 64, "suite_extras": False,
                  "ppl_max_sentences": args.ppl_verses, "ppl_batch_size": 128}  # fmt: skip
    tasks = [str(data / "tasks" / "ppl_heldout")]
    stages.append(Stage("eval.base", "evaluate", "evaluate", evaluation, {"model:base": "@base/final", "tasks": tasks}))
    for variant in todo:
        if variant.init is None:
            options = {**seed, **train_options(args, args.steps, args.lr, scratch=False), "languages": "head"}
            inputs = {"model": "@base/final", "corpus": train}
        else:
            options = {**seed, **variant_options(args, variant), "languages": "all"}
            inputs = {"model": f"@extend.{variant.init}", "corpus": train}
        stages.append(Stage(variant.name, "train", "variant", options, inputs))
        stages.append(Stage(f"eval.{variant.name}", "evaluate", "evaluate", evaluation,
                            {f"model:{variant.name}": f"@{variant.name}/final", "tasks": tasks}))  # fmt: skip
    return stages


# ---- measures ---------------------------------------------------------------------------------------------
def ppl_rows(workdir: Path, name: str) -> dict[str, dict[str, float]]:
    """``{metric: {lang: value}}`` of the model's evaluation (ppl_per_char, unk_char_share)."""
    found: dict[str, dict[str, float]] = {}
    for line in (workdir / f"eval.{name}" / "results.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("error") is None and row["value"] is not None:
            found.setdefault(row["metric"], {})[row["lang"]] = float(row["value"])
    return found


def metrics(workdir: Path, name: str) -> list[dict[str, Any]]:
    path = workdir / name / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if '"step"' in line]


def steps_to(curve: list[dict[str, Any]], key: str, target: float) -> int | None:
    """The first logged step whose ``key`` is at or below ``target`` (None: never within the budget)."""
    return next((line["step"] for line in curve if line.get(key) is not None and line[key] <= target), None)


def group_stats(values: dict[str, float]) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = {}
    for group, keep in (("head", True), ("tail", False)):
        chosen = [v for lang, v in values.items() if is_head(lang) == keep]
        out[f"{group}_mean"] = statistics.fmean(chosen) if chosen else None
        out[f"{group}_median"] = statistics.median(chosen) if chosen else None
        out[f"{group}_n"] = len(chosen)
    return out


def collect(workdir: Path, todo: list[Variant]) -> list[dict[str, Any]]:
    base_ppl = ppl_rows(workdir, "base")
    base_curve = metrics(workdir, "base")
    base_head_loss = next(line["loss_head"] for line in reversed(base_curve) if line.get("loss_head") is not None)
    report = json.loads((workdir / "vocab_report" / "report.json").read_text(encoding="utf-8"))["summary"]
    rows = [
        summary_row("base", base_ppl, base_ppl, report["base"], None, base_head_loss, read_record(workdir / "base"))
    ]
    for variant in todo:
        ppl = ppl_rows(workdir, variant.name)
        tokenizer = report["base" if variant.init is None else "glot"]
        rows.append(summary_row(variant.name, ppl, base_ppl, tokenizer, metrics(workdir, variant.name),
                                base_head_loss, read_record(workdir / variant.name)))  # fmt: skip
    return rows


def summary_row(
    name: str,
    ppl: dict[str, dict[str, float]],
    base_ppl: dict[str, dict[str, float]],
    tokenizer: dict[str, Any],
    curve: list[dict[str, Any]] | None,
    base_head_loss: float,
    record: dict[str, Any] | None,
) -> dict[str, Any]:
    values = ppl.get("ppl_per_char", {})
    base_values = base_ppl.get("ppl_per_char", {})
    tail = [lang for lang in values if not is_head(lang) and lang in base_values]
    row: dict[str, Any] = {"model": name, **group_stats(values)}
    wins = sum(values[lang] < base_values[lang] for lang in tail) / len(tail) if tail else None
    row["tail_beats_base"] = None if ppl is base_ppl else wins
    unk = ppl.get("unk_char_share", {})
    row["unk_char_share_tail"] = statistics.fmean(v for k, v in unk.items() if not is_head(k)) if unk else None
    row["fertility_head"] = (tokenizer.get("head") or {}).get("fertility")
    row["fertility_tail"] = (tokenizer.get("tail") or {}).get("fertility")
    if curve:
        row["steps_to_base_head_loss"] = steps_to(curve, "loss_head", base_head_loss)
        last = curve[-1]
        row["final_loss_head"], row["final_loss_tail"] = last.get("loss_head"), last.get("loss_tail")
    else:
        row["steps_to_base_head_loss"], row["final_loss_head"] = None, base_head_loss
        row["final_loss_tail"] = None
    row["train_seconds"] = (record or {}).get("seconds")
    return row


COLUMNS = [
    ("model", "model"), ("head_median", "head ppl median"), ("head_mean", "head ppl mean"),
    ("tail_median", "tail ppl median"), ("tail_mean", "tail ppl mean"), ("tail_beats_base", "tail beats base"),
    ("unk_char_share_tail", "tail <unk> chars"), ("fertility_tail", "tail fertility"),
    ("steps_to_base_head_loss", "steps to base head loss"), ("final_loss_head", "final head loss"),
    ("final_loss_tail", "final tail loss"), ("train_seconds", "train s"),
]  # fmt: skip


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = []
        for key, _ in COLUMNS:
            value = row.get(key)
            if key in ("tail_beats_base", "unk_char_share_tail") and value is not None:
                cells.append(f"{value:.1%}")
            elif isinstance(value, float):
                cells.append(f"{value:.2f}")
            else:
                cells.append("-" if value is None else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(workdir: Path, todo: list[Variant], base_head_loss: float, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
    for variant in todo:
        curve = metrics(workdir, variant.name)
        style = {"1": "-", "2": "--"}[str(variant.phases)]
        for axis, key in zip(axes, ("loss_head", "loss_tail"), strict=True):
            points = [(line["step"], line[key]) for line in curve if line.get(key) is not None]
            if points:
                axis.plot(*zip(*points, strict=True), style, label=variant.name, linewidth=1)
    for axis, title in zip(axes, ("head languages", "tail languages"), strict=True):
        axis.set_title(f"training MLM loss, {title}")
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
    axes[0].axhline(base_head_loss, color="black", linewidth=0.8, linestyle=":", label="base, final")
    axes[0].legend(fontsize=6, ncol=2)
    figure.tight_layout()
    figure.savefig(out, dpi=60)
    plt.close(figure)


def write_outputs(
    out: Path, workdir: Path, rows: list[dict[str, Any]], todo: list[Variant], meta: dict[str, Any]
) -> str:
    table = markdown(rows)
    (out / "ablation.md").write_text(table + "\n", encoding="utf-8")
    keys = [key for key, _ in COLUMNS]
    tsv = ["\t".join(keys)] + ["\t".join("" if row.get(k) is None else str(row.get(k)) for k in keys) for row in rows]
    (out / "ablation.tsv").write_text("\n".join(tsv) + "\n", encoding="utf-8")
    (out / "ablation.json").write_text(json.dumps({**meta, "rows": rows}, indent=1) + "\n", encoding="utf-8")
    plot(workdir, todo, rows[0]["final_loss_head"], out / "loss_curves.png")
    return table


# ---- main -------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(DEFAULT_CORPUS))
    parser.add_argument("--out", type=Path, default=Path("runs/extension-ablation"))
    parser.add_argument("--heldout", type=int, default=50, help="last lines of each file held out")
    parser.add_argument("--ppl-verses", type=int, default=3, help="held-out verses per language scored")
    parser.add_argument("--eval-languages", type=int, default=300,
                        help="languages scored (every head one + evenly spread tail ones); 0 = all")  # fmt: skip
    parser.add_argument("--base-vocab", type=int, default=3000)
    parser.add_argument("--vocab", type=int, default=6000, help="pieces of the extension's SentencePiece model")
    parser.add_argument("--base-steps", type=int, default=600)
    parser.add_argument("--steps", type=int, default=400, help="steps of every variant (and of the control)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--rows-lr", type=float, default=5e-3, help="lr of the new-rows phase")
    parser.add_argument("--head-floor", type=float, default=0.3)
    parser.add_argument("--focus-lines", type=int, default=60_000,
                        help="corpus lines the corpus-informed init trains its fastText vectors on")  # fmt: skip
    parser.add_argument("--only", nargs="*", help="variant names (default: all 13)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the machinery in ~3 minutes")
    args = parser.parse_args(argv)
    if args.quick:
        args.base_steps, args.steps, args.eval_languages, args.vocab, args.focus_lines = 40, 40, 40, 4000, 5000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    split = split_corpus(args.corpus, out / "data", args.heldout, args.ppl_verses, args.eval_languages)
    todo = [v for v in variants(args.head_floor) if not args.only or v.name in args.only]
    pipeline = Pipeline(ablation_stages(args, out / "data", todo), out / "work", default_registry(), threads=1)
    pipeline.validate()

    def report(event: str, item: PlanItem, seconds: float) -> None:
        if event == "done":
            print(f"[done] {item.stage.name} in {seconds:.1f} s  ({time.perf_counter() - started:.0f} s so far)",
                  flush=True)  # fmt: skip
        elif event == "skip":
            print(f"[skip] {item.stage.name}: {item.reason}", flush=True)

    pipeline.run(on_event=report)
    rows = collect(out / "work", todo)
    seconds = time.perf_counter() - started
    stage_seconds = {s.name: (read_record(pipeline.out_dir(s.name)) or {}).get("seconds") for s in pipeline.stages}
    meta = {"args": {k: str(v) for k, v in vars(args).items()}, "languages": split["languages"],
            "scored_languages": len(split["scored"]), "seconds": round(seconds, 1), "stage_seconds": stage_seconds,
            "stage_seconds_total": round(sum(v or 0 for v in stage_seconds.values()), 1)}  # fmt: skip
    table = write_outputs(out, out / "work", rows, todo, meta)
    print(table)
    print(f"\n{split['languages']} language-scripts trained on, {len(split['scored'])} scored; "
          f"this run {seconds:.0f} s wall, stages {meta['stage_seconds_total']:.0f} s; outputs in {out}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
