"""The summary table: per (task, dataset, metric), each model's mean and median over head, tail and all languages,
and the share of languages where it beats the base model (the first model given).

Means alone mislead over hundreds of languages: a few languages blown up (say by new, untrained embedding rows)
move the mean of a perplexity by more than every other language together, so the median sits beside it. The
share of languages won is taken over the languages both the model and the base have a valid score for; a tie is
not a win.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from glot500.core.results import ResultRow

GROUPS = ("all", "head", "tail")


@dataclass(frozen=True)
class Cell:
    all: float | None
    head: float | None
    tail: float | None
    languages: int
    errors: int
    median_all: float | None = None
    median_head: float | None = None
    median_tail: float | None = None
    wins_all: float | None = None  # share of languages where this model beats the base (None for the base itself)
    wins_head: float | None = None
    wins_tail: float | None = None

    def stat(self, statistic: str, group: str) -> float | None:
        """``statistic`` in ``mean``, ``median``, ``wins``; ``group`` in ``all``, ``head``, ``tail``."""
        return getattr(self, group if statistic == "mean" else f"{statistic}_{group}")


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _win_share(mine: dict[str, float], base: dict[str, float], langs: set[str], higher_is_better: bool) -> float | None:
    shared = [lang for lang in langs if lang in mine and lang in base]
    if not shared:
        return None
    wins = sum((mine[lang] > base[lang]) if higher_is_better else (mine[lang] < base[lang]) for lang in shared)
    return wins / len(shared)


def summarize(
    rows: Iterable[ResultRow], base: str | None = None
) -> tuple[list[str], dict[tuple[str, str, str], dict[str, Cell]]]:
    """``(models in first-seen order, {(task, dataset, metric): {model: Cell}})``; error rows are counted apart.

    ``base`` (default: the first model seen) is the model the win shares compare with.
    """
    models: list[str] = []
    groups: dict[tuple[str, str, str], dict[str, list[ResultRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.model not in models:
            models.append(row.model)
        groups[(row.task, row.dataset, row.metric)][row.model].append(row)
    base = _resolve_base(base, models)
    table: dict[tuple[str, str, str], dict[str, Cell]] = {}
    for key in sorted(groups):
        values = {
            model: {r.lang: r.value for r in cell_rows if r.error is None and r.value is not None}
            for model, cell_rows in groups[key].items()
        }
        head = {r.lang: r.head for cell_rows in groups[key].values() for r in cell_rows}
        higher_is_better = next(iter(groups[key].values()))[0].higher_is_better
        members = {"all": set(head), "head": {lang for lang in head if head[lang]}}
        members["tail"] = members["all"] - members["head"]
        table[key] = {}
        for model, cell_rows in groups[key].items():
            mine = values[model]
            by_group = {g: [v for lang, v in mine.items() if lang in members[g]] for g in GROUPS}
            base_values = values.get(base) if model != base else None
            wins = {
                g: None if base_values is None else _win_share(mine, base_values, members[g], higher_is_better)
                for g in GROUPS
            }
            table[key][model] = Cell(
                all=_mean(by_group["all"]),
                head=_mean(by_group["head"]),
                tail=_mean(by_group["tail"]),
                languages=len(mine),
                errors=len(cell_rows) - len(mine),
                median_all=_median(by_group["all"]),
                median_head=_median(by_group["head"]),
                median_tail=_median(by_group["tail"]),
                wins_all=wins["all"],
                wins_head=wins["head"],
                wins_tail=wins["tail"],
            )
    return models, table


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def summary_tsv(rows: Iterable[ResultRow], base: str | None = None) -> str:
    """One line per (task, dataset, metric, model): means, medians and win shares over all/head/tail, counts."""
    models, table = summarize(rows, base)
    stats = [f"{s}_{g}" if s != "mean" else g for s in ("mean", "median", "wins") for g in GROUPS]
    lines = ["\t".join(["task", "dataset", "metric", "model", *stats, "languages", "errors"])]
    for (task, dataset, metric), cells in table.items():
        for model in models:
            if model in cells:
                c = cells[model]
                values = [_fmt(c.stat(s, g)) for s in ("mean", "median", "wins") for g in GROUPS]
                lines.append("\t".join([task, dataset, metric, model, *values, str(c.languages), str(c.errors)]))
    return "\n".join(lines) + "\n"


def _resolve_base(base: str | None, models: list[str]) -> str | None:
    """The model win shares compare with: ``base`` if it was scored, else the first model seen."""
    return base if base in models else (models[0] if models else None)


def summary_markdown(rows: Iterable[ResultRow], base: str | None = None) -> str:
    """Models side by side: per (task, dataset, metric) a mean row, a median row and a "better than base" row,
    each cell ``all (head / tail)``, error rows in brackets."""
    models, table = summarize(rows, base)
    base = _resolve_base(base, models)
    header = "| task | dataset | metric | statistic | " + " | ".join(f"{m} all (head / tail)" for m in models) + " |"
    lines = [header, "|" + "---|" * (4 + len(models))]
    labels = {"mean": "mean", "median": "median", "wins": f"languages better than {base}"}
    for (task, dataset, metric), cells in table.items():
        for statistic, label in labels.items():
            entries = []
            for model in models:
                c = cells.get(model)
                if c is None or (statistic == "wins" and model == base):
                    entries.append("" if c is None else "(base)")
                    continue
                show = _share if statistic == "wins" else _fmt
                text = f"{show(c.stat(statistic, 'all'))} ({show(c.stat(statistic, 'head'))} / "
                text += f"{show(c.stat(statistic, 'tail'))})"
                if statistic == "mean":
                    text += f", {c.languages} langs" + (f" [{c.errors} errors]" if c.errors else "")
                entries.append(text)
            lines.append(f"| {task} | {dataset} | {metric} | {label} | " + " | ".join(entries) + " |")
    return "\n".join(lines) + "\n"


def write_summary(rows: list[ResultRow], out_dir: Path, base: str | None = None) -> str:
    """Write ``summary.md`` and ``summary.tsv``; returns the Markdown table."""
    markdown = summary_markdown(rows, base)
    (out_dir / "summary.md").write_text(markdown, encoding="utf-8")
    (out_dir / "summary.tsv").write_text(summary_tsv(rows, base), encoding="utf-8")
    return markdown
