"""The head / tail / all table a pipeline run ends with (from the evaluation's ``results.jsonl``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from glot500.core.results import RESULTS_NAME, read_results

if TYPE_CHECKING:
    from glot500.pipeline.runner import Pipeline


def head_tail_table(results: str | Path, models: list[str] | None = None, base: str = "base") -> str:
    """One line per (dataset, metric, model): mean and median over head and tail languages, the share of tail
    languages where the model beats ``base``, the chance level (where the rows state one) and the counts.

    Means alone mislead over hundreds of languages (a few blown-up languages move a perplexity's mean more than
    all the others), so medians sit beside them. Perplexity rows are marked ``(lower better)``; error rows are
    left out of the statistics and counted; ``*_raw`` diagnostics (which reward ``<unk>``) are not shown.
    """
    from glot500.evaluate.summary import summarize

    path = Path(results)
    rows = list(read_results(path / RESULTS_NAME if path.is_dir() else path))
    found, table = summarize(rows, base)
    order = [m for m in (models or []) if m in found] + [m for m in found if m not in (models or [])]
    lower_better = {(r.task, r.dataset, r.metric) for r in rows if not r.higher_is_better}
    chance = _chance_levels(rows)
    header = (f"{'dataset':<16} {'metric':<30} {'model':<9} {'head mean':>9} {'median':>8} {'tail mean':>9}"
              f" {'median':>8} {'tail>base':>9} {'chance':>7}   languages (head/tail)")  # fmt: skip
    lines = [header]
    for key, cells in table.items():
        _, dataset, metric = key
        if metric.endswith("_raw"):
            continue
        label = metric + (" (lower better)" if key in lower_better else "")
        for model in order:
            cell = cells.get(model)
            if cell is None:
                continue
            head_n = sum(
                1
                for r in rows
                if (r.task, r.dataset, r.metric) == key and r.model == model and r.head and r.error is None
            )
            errors = f", {cell.errors} errors" if cell.errors else ""
            wins = "-" if cell.wins_tail is None else f"{cell.wins_tail:.0%}"
            lines.append(
                f"{dataset:<16} {label:<30} {model:<9} {_fmt(cell.head):>9} {_fmt(cell.median_head):>8}"
                f" {_fmt(cell.tail):>9} {_fmt(cell.median_tail):>8} {wins:>9} {_fmt(chance.get(key)):>7}"
                f"   {cell.languages} ({head_n}/{cell.languages - head_n}){errors}"
            )
    return "\n".join(lines)


def _chance_levels(rows: list[Any]) -> dict[tuple[str, str, str], float]:
    """Mean chance level per (task, dataset, metric) over the rows that state one (top-k: k / candidates)."""
    levels: dict[tuple[str, str, str], list[float]] = {}
    for row in rows:
        if row.chance is not None:
            levels.setdefault((row.task, row.dataset, row.metric), []).append(row.chance)
    return {key: sum(values) / len(values) for key, values in levels.items()}


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def stage_times(pipeline: Pipeline) -> str:
    """Wall and CPU seconds of each stage's last completed run (from its completion record)."""
    from glot500.pipeline.runner import read_record

    lines = [f"{'stage':<14} {'wall s':>8} {'cpu s':>8}  finished"]
    total_wall = total_cpu = 0.0
    for stage in pipeline.stages:
        record = read_record(pipeline.out_dir(stage.name)) or {}
        wall, cpu = float(record.get("seconds", 0.0)), float(record.get("cpu_seconds", 0.0))
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        lines.append(f"{stage.name:<14} {wall:>8.1f} {cpu:>8.1f}  {record.get('finished', 'not completed')}")
    lines.append(f"{'total':<14} {total_wall:>8.1f} {total_cpu:>8.1f}")
    return "\n".join(lines)


def vocabulary_table(vocab_report: str | Path) -> str:
    """Fertility and ``<unk>`` share per tokenizer and group, from ``glot500 vocab report``'s ``report.json``."""
    import json

    summary = json.loads((Path(vocab_report) / "report.json").read_text(encoding="utf-8"))["summary"]
    lines = [f"{'tokenizer':<10} {'group':<5} {'languages':>9} {'fertility':>9} {'unk share':>10} {'unk chars':>10}"]
    for tokenizer, groups in summary.items():
        for group in ("head", "tail", "all"):
            cell = groups.get(group)
            if cell:
                lines.append(
                    f"{tokenizer:<10} {group:<5} {cell['languages']:>9} {cell['fertility']:>9.2f}"
                    f" {cell['unk_share']:>10.2%} {cell['unk_char_share']:>10.2%}"
                )
    return "\n".join(lines)
