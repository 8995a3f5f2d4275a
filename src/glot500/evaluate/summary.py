"""The summary table: per (task, dataset, metric), each model's average over head, tail and all languages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from glot500.core.results import ResultRow


@dataclass(frozen=True)
class Cell:
    all: float | None
    head: float | None
    tail: float | None
    languages: int
    errors: int


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(rows: Iterable[ResultRow]) -> tuple[list[str], dict[tuple[str, str, str], dict[str, Cell]]]:
    """``(models in first-seen order, {(task, dataset, metric): {model: Cell}})``; error rows are counted apart."""
    models: list[str] = []
    groups: dict[tuple[str, str, str], dict[str, list[ResultRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.model not in models:
            models.append(row.model)
        groups[(row.task, row.dataset, row.metric)][row.model].append(row)
    table: dict[tuple[str, str, str], dict[str, Cell]] = {}
    for key in sorted(groups):
        table[key] = {}
        for model, cell_rows in groups[key].items():
            ok = [r for r in cell_rows if r.error is None and r.value is not None]
            table[key][model] = Cell(
                all=_mean([r.value for r in ok]),
                head=_mean([r.value for r in ok if r.head]),
                tail=_mean([r.value for r in ok if not r.head]),
                languages=len(ok),
                errors=len(cell_rows) - len(ok),
            )
    return models, table


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def summary_tsv(rows: Iterable[ResultRow]) -> str:
    """One line per (task, dataset, metric, model): all/head/tail averages, languages, error rows."""
    models, table = summarize(rows)
    lines = ["task\tdataset\tmetric\tmodel\tall\thead\ttail\tlanguages\terrors"]
    for (task, dataset, metric), cells in table.items():
        for model in models:
            if model in cells:
                c = cells[model]
                lines.append(
                    f"{task}\t{dataset}\t{metric}\t{model}\t{_fmt(c.all)}\t{_fmt(c.head)}\t{_fmt(c.tail)}"
                    f"\t{c.languages}\t{c.errors}"
                )
    return "\n".join(lines) + "\n"


def summary_markdown(rows: Iterable[ResultRow]) -> str:
    """Models side by side: ``all (head / tail)`` per cell, error rows in brackets."""
    models, table = summarize(rows)
    header = "| task | dataset | metric | " + " | ".join(f"{m} all (head / tail)" for m in models) + " |"
    lines = [header, "|" + "---|" * (3 + len(models))]
    for (task, dataset, metric), cells in table.items():
        entries = []
        for model in models:
            c = cells.get(model)
            if c is None:
                entries.append("")
                continue
            errors = f" [{c.errors} errors]" if c.errors else ""
            entries.append(f"{_fmt(c.all)} ({_fmt(c.head)} / {_fmt(c.tail)}), {c.languages} langs{errors}")
        lines.append(f"| {task} | {dataset} | {metric} | " + " | ".join(entries) + " |")
    return "\n".join(lines) + "\n"


def write_summary(rows: list[ResultRow], out_dir: Path) -> str:
    """Write ``summary.md`` and ``summary.tsv``; returns the Markdown table."""
    markdown = summary_markdown(rows)
    (out_dir / "summary.md").write_text(markdown, encoding="utf-8")
    (out_dir / "summary.tsv").write_text(summary_tsv(rows), encoding="utf-8")
    return markdown
