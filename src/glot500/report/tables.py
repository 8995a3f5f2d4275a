"""Tables of the report as plain data (rendered to HTML and Markdown by ``render``).

Averages: for each (dataset, metric), head / tail / all are means over the languages that *every* model with
scores there has a valid score for, so the columns compare like with like; the table says how many languages that
is. Gains are oriented so that positive means better (``base - model`` for perplexities).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from glot500.report.analysis import FactorAnalysis, format_p, gains
from glot500.report.data import Block, Cell, ResultSet
from glot500.report.factors import FACTOR_NAMES, lang_meta

GROUPS = ("head", "tail", "all")


@dataclass
class TCell:
    """A table cell: text, a sort key, an optional tooltip, CSS class and small detail text (a CI)."""

    text: str
    sort: float | str | None = None
    title: str | None = None
    css: str | None = None
    detail: str | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[TCell]]
    spans: list[tuple[str, int]] | None = None  # an optional top header row: (label, number of columns)
    notes: list[str] = field(default_factory=list)
    sortable: bool = False


def fmt(value: float | None, block: Block, signed: bool = False) -> str:
    """A stored value in display units: percentages with one decimal for proportions, else two decimals."""
    if value is None or not math.isfinite(value):
        return "–"
    spec = ".1f" if block.proportion else ".2f"
    return format(value * block.scale, ("+" if signed else "") + spec)


def averages(block: Block, model: str, langs: list[str]) -> dict[str, float | None]:
    """Mean stored value over ``langs`` split into head, tail and all (``None`` for an empty group)."""
    values = {lang: block.cells[(model, lang)].value for lang in langs}
    groups = {
        "head": [v for lang, v in values.items() if block.head[lang]],
        "tail": [v for lang, v in values.items() if not block.head[lang]],
        "all": list(values.values()),
    }
    return {name: (sum(vs) / len(vs) if vs else None) for name, vs in groups.items()}


def _unit(block: Block) -> str:
    return " (%)" if block.proportion else ("" if block.higher_is_better else " (lower is better)")


def overall_table(results: ResultSet, names: dict[str, str]) -> Table:
    """Rows = dataset and metric, columns = head / tail / all per model (Glot500's main table)."""
    columns = ["task", "dataset · metric", "languages (head/tail)"] + [
        f"{names[m]} {g}" for m in results.models for g in GROUPS
    ]
    rows = []
    notes: list[str] = []
    left_out: list[str] = []
    for block in results.blocks.values():
        common = block.common_langs()
        n_head = sum(block.head[lang] for lang in common)
        row = [TCell(block.key.task), TCell(block.key.title + _unit(block)), TCell(f"{n_head}/{len(common) - n_head}")]
        scored = block.scored_models()
        for model in results.models:
            if model in scored and common:
                means = averages(block, model, common)
                row += [TCell(fmt(means[g], block), means[g]) for g in GROUPS]
            else:
                reason = "error" if any((model, lang) in block.cells for lang in block.langs) else "–"
                row += [TCell(reason, css="error" if reason == "error" else "missing") for _ in GROUPS]
        rows.append(row)
        excluded = len(block.langs) - len(common)
        if excluded:
            left_out.append(f"{block.key.title} {excluded}")
    if left_out:
        notes.append(
            "Languages left out of the averages (missing or an error for some model): " + ", ".join(left_out) + "."
        )
    spans = [("", 3)] + [(names[m], 3) for m in results.models]
    return Table(columns, rows, spans, notes)


def delta_table(results: ResultSet, names: dict[str, str]) -> Table | None:
    """Gain of each model over the base on head / tail / all (same language sets as the overall table)."""
    base = results.base
    others = [m for m in results.models if m != base]
    if base is None or not others:
        return None
    columns = ["task", "dataset · metric"] + [f"{names[m]} Δ {g}" for m in others for g in GROUPS]
    rows = []
    for block in results.blocks.values():
        common = block.common_langs()
        scored = block.scored_models()
        row = [TCell(block.key.task), TCell(block.key.title + (" (points)" if block.proportion else ""))]
        base_means = averages(block, base, common) if base in scored and common else None
        for model in others:
            if base_means is None or model not in scored:
                row += [TCell("–", css="missing") for _ in GROUPS]
                continue
            means = averages(block, model, common)
            sign = 1.0 if block.higher_is_better else -1.0
            for g in GROUPS:
                delta = None if means[g] is None or base_means[g] is None else sign * (means[g] - base_means[g])
                css = None if delta is None else ("gain" if delta > 0 else "loss" if delta < 0 else None)
                row.append(TCell(fmt(delta, block, signed=True), delta, css=css))
        rows.append(row)
    spans = [("", 2)] + [(f"{names[m]} vs {names[base]}", 3) for m in others]
    return Table(
        columns, rows, spans, ["Δ is the gain over the base model: positive means better, also for perplexities."]
    )


def language_table(block: Block, names: dict[str, str], sizes: dict[str, int] | None, base: str | None) -> Table:
    """One row per language of the block: metadata, then score with CI and n per model, then gains."""
    others = [m for m in block.models if base and m != base and base in block.models]
    columns = ["lang", "language", "script", "group"] + (["corpus"] if sizes is not None else [])
    for model in block.models:
        columns += [names[model], f"n ({names[model]})"]
    columns += [f"Δ {names[m]}" for m in others]
    model_gains = {m: gains(block, m, base) for m in others}
    rows = []
    for lang in block.langs:
        meta = lang_meta(lang)
        row = [
            TCell(lang),
            TCell(meta.name),
            TCell(meta.script, title=meta.script_name),
            TCell("head" if block.head[lang] else "tail"),
        ]
        if sizes is not None:
            row.append(TCell(f"{sizes.get(lang, 0):,}", sizes.get(lang, 0)))
        for model in block.models:
            row += _score_cells(block.cell(model, lang), block)
        for model in others:
            gain = model_gains[model].get(lang)
            text = "–" if gain is None else format(gain, "+.1f" if block.proportion else "+.2f")
            row.append(
                TCell(text, gain, css=None if gain is None else "gain" if gain > 0 else "loss" if gain < 0 else None)
            )
        rows.append(row)
    notes = [
        "Brackets: 95% bootstrap confidence interval; † marks a parametric (binomial) interval computed from value and n."
    ]
    return Table(columns, rows, notes=notes, sortable=True)


def _score_cells(cell: Cell | None, block: Block) -> list[TCell]:
    if cell is None:
        return [TCell("missing", css="missing", title="no result row for this model and language"), TCell("")]
    if not cell.ok:
        return [TCell("error", css="error", title=cell.error), TCell(str(cell.n) if cell.n else "")]
    detail = None
    if cell.low is not None and cell.high is not None:
        detail = f"{fmt(cell.low, block)}, {fmt(cell.high, block)}" + ("†" if cell.ci_method == "binomial" else "")
    return [TCell(fmt(cell.value, block), cell.value, detail=detail), TCell(str(cell.n), cell.n)]


def errors_table(results: ResultSet, names: dict[str, str]) -> Table | None:
    errors = results.error_rows()
    if not errors:
        return None
    rows = [
        [TCell(names[m]), TCell(key.title), TCell(lang), TCell(reason, css="error")] for m, key, lang, reason in errors
    ]
    return Table(["model", "dataset · metric", "lang", "error"], rows, sortable=True)


def factor_overview(analyses: list[FactorAnalysis]) -> Table | None:
    """One row per analysis: Spearman ρ of the response with each factor, then R² and n of the regression."""
    if not analyses:
        return None
    factors = [f for f in FACTOR_NAMES if any(c.factor == f for a in analyses for c in a.correlations)]
    columns = ["dataset · metric", "model", "response"] + [f"ρ {FACTOR_NAMES[f]}" for f in factors] + ["R²", "n"]
    rows = []
    for analysis in analyses:
        by_factor = {c.factor: c for c in analysis.correlations}
        row = [TCell(analysis.title), TCell(analysis.model), TCell(analysis.response)]
        for factor in factors:
            c = by_factor.get(factor)
            row.append(
                TCell("–")
                if c is None
                else TCell(f"{c.spearman_rho:+.2f}{_stars(c.spearman_p)}", c.spearman_rho, title=format_p(c.spearman_p))
            )
        reg = analysis.regression
        row += [
            TCell("–") if reg is None else TCell(f"{reg.r2:.2f}", reg.r2),
            TCell(str(analysis.n), analysis.n),
        ]
        rows.append(row)
    return Table(columns, rows, notes=["* p < 0.05, ** p < 0.01, *** p < 0.001 (Spearman)."], sortable=True)


def regression_table(analysis: FactorAnalysis) -> Table | None:
    reg = analysis.regression
    if reg is None:
        return None
    rows = []
    for name, coef, se, p in zip(["intercept"] + reg.factors, reg.coef, reg.se, reg.p, strict=True):
        corr = next((c for c in analysis.correlations if c.factor == name), None)
        rows.append(
            [
                TCell(FACTOR_NAMES.get(name, name)),
                TCell(f"{coef:.3g}"),
                TCell(f"{se:.3g}"),
                TCell(format_p(p).removeprefix("p = ")),
            ]
            + (
                [TCell(f"{corr.pearson_r:+.2f}"), TCell(f"{corr.spearman_rho:+.2f}")]
                if corr
                else [TCell(""), TCell("")]
            )
        )
    return Table(
        ["term", "coefficient", "SE", "p", "Pearson r", "Spearman ρ"],
        rows,
        notes=[f"n = {reg.n}, R² = {reg.r2:.3f}, adjusted R² = {reg.adj_r2:.3f}."],
    )


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""
