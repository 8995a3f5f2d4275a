"""Tables of the report as plain data (rendered to HTML and Markdown by ``render``).

Averages: for each (dataset, metric), head / tail / all are means and medians over the languages that *every* model
with scores there has a valid score for, so the columns compare like with like; the table says how many languages
that is. Gains are oriented so that positive means better (``base - model`` for perplexities): the difference of
the means, of the medians, and the share of languages won. Rows that state a chance level (retrieval,
classification) show it, and a score within noise of it reads "at chance". ``*_raw`` metrics are diagnostics: per
language only.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from glot500.report.analysis import FactorAnalysis, format_p, gains
from glot500.report.compare import MUCH_WORSE, perplexity_like, ratio_to_base
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


def averages(block: Block, model: str, langs: list[str], statistic: str = "mean") -> dict[str, float | None]:
    """Mean (or median) stored value over ``langs`` split into head, tail and all (``None`` for an empty group)."""
    values = {lang: block.cells[(model, lang)].value for lang in langs}
    groups = {
        "head": [v for lang, v in values.items() if block.head[lang]],
        "tail": [v for lang, v in values.items() if not block.head[lang]],
        "all": list(values.values()),
    }
    pick = statistics.median if statistic == "median" else statistics.fmean
    return {name: (pick(vs) if vs else None) for name, vs in groups.items()}


def group_langs(block: Block, langs: list[str]) -> dict[str, list[str]]:
    return {
        "head": [lang for lang in langs if block.head[lang]],
        "tail": [lang for lang in langs if not block.head[lang]],
        "all": list(langs),
    }


def chance_groups(block: Block, model: str, langs: list[str]) -> dict[str, bool]:
    """Per group, whether the model is at chance there: most of the group's languages score within noise of
    chance (``Cell.at_chance``: the confidence interval reaches the chance level)."""
    out = {}
    for group, members in group_langs(block, langs).items():
        flags = [block.cells[(model, lang)].at_chance for lang in members]
        out[group] = bool(flags) and sum(flags) * 2 > len(flags)
    return out


def win_shares(block: Block, model: str, base: str, langs: list[str]) -> dict[str, float | None]:
    """Per group, the share of ``langs`` where ``model`` beats ``base`` (a tie is not a win)."""
    sign = 1.0 if block.higher_is_better else -1.0
    out: dict[str, float | None] = {}
    for group, members in group_langs(block, langs).items():
        wins = [sign * (block.cells[(model, lang)].value - block.cells[(base, lang)].value) > 0 for lang in members]
        out[group] = sum(wins) / len(wins) if wins else None
    return out


def _unit(block: Block) -> str:
    return " (%)" if block.proportion else ("" if block.higher_is_better else " (lower is better)")


def chance_label(block: Block, langs: list[str] | None = None) -> str:
    """``≈ 50%`` (the mean chance level of the block's languages), or ``""`` when the rows state none."""
    level = block.chance(langs)
    return "" if level is None else f"≈ {fmt(level, block)}" + ("%" if block.proportion else "")


def headline_blocks(results: ResultSet) -> list[Block]:
    """Blocks of the overview tables: every block but diagnostics (``*_raw``, shown per language only)."""
    return [block for block in results.blocks.values() if not block.diagnostic]


STATISTICS = ("mean", "median")


def overall_table(results: ResultSet, names: dict[str, str]) -> Table:
    """One row per (dataset · metric, model): mean and median over head, tail and all languages (Glot500's main
    table with medians beside the means, one model per row so that it fits a laptop screen at any number of
    models); a group where the model is at chance says so instead of a result."""
    columns = ["dataset · metric", "languages (head/tail)", "model"] + [
        f"{g} {statistic}" for g in GROUPS for statistic in STATISTICS
    ]
    rows = []
    notes: list[str] = []
    left_out: list[str] = []
    any_chance = False
    for block in headline_blocks(results):
        common = block.common_langs()
        n_head = sum(block.head[lang] for lang in common)
        scored = block.scored_models()
        chance = chance_label(block, common)
        any_chance = any_chance or bool(chance)
        title = _block_title(block) + (f", chance {chance}" if chance else "")
        for model in results.models:
            if model not in block.models:
                continue
            row = [TCell(title), TCell(f"{n_head}/{len(common) - n_head}"), TCell(names[model])]
            if model in scored and common:
                at_chance = chance_groups(block, model, common) if chance else {}
                values = {statistic: averages(block, model, common, statistic) for statistic in STATISTICS}
                row += [
                    _group_cell(values[statistic][g], block, at_chance.get(g, False))
                    for g in GROUPS
                    for statistic in STATISTICS
                ]
            else:
                reason = "error" if any((model, lang) in block.cells for lang in block.langs) else "–"
                row += [TCell(reason, css="error" if reason == "error" else "missing") for _ in range(2 * len(GROUPS))]
            rows.append(row)
        excluded = len(block.langs) - len(common)
        if excluded:
            left_out.append(f"{block.key.title} {excluded}")
    notes.append(
        "mean and median are taken over the same languages; over hundreds of languages a few blown-up scores move "
        "the mean, so read the median beside it."
    )
    if any_chance:
        notes.append(
            "chance: the score of guessing (top-k retrieval: k / candidates; classification: the better of a uniform "
            "guess and the majority class). 'at chance' marks a group where most languages score within noise of "
            "chance (their confidence interval reaches it): not a result."
        )
    if left_out:
        notes.append(
            "Languages left out of the averages (missing or an error for some model): " + ", ".join(left_out) + "."
        )
    return Table(columns, rows, notes=notes)


def _block_title(block: Block) -> str:
    """``retrieval_tatoeba · top1 (%)``, with the task in front when it is not the dataset's name."""
    task = "" if block.key.task == block.key.dataset else f"{block.key.task}: "
    return task + block.key.title + _unit(block)


def _group_cell(value: float | None, block: Block, at_chance: bool) -> TCell:
    if at_chance:
        return TCell(f"{fmt(value, block)} at chance", value, css="chance", title="within noise of chance")
    return TCell(fmt(value, block), value)


def delta_table(results: ResultSet, names: dict[str, str]) -> Table | None:
    """Gain of each model over the base on head / tail / all (same language sets as the overall table): the
    difference of the means, the difference of the medians, and the share of languages where the model wins; one
    row per (dataset · metric, model, statistic), so the table stays six columns wide at any number of models."""
    base = results.base
    others = [m for m in results.models if m != base]
    if base is None or not others:
        return None
    columns = ["dataset · metric", "model", "statistic", *GROUPS]
    rows = []
    for block in headline_blocks(results):
        common = block.common_langs()
        scored = block.scored_models()
        unit = " (points)" if block.proportion else ""
        base_ok = base in scored and bool(common)
        base_chance = chance_groups(block, base, common) if base_ok and block.chance(common) is not None else {}
        title = TCell(block.key.title + unit)
        for model in others:
            if model not in block.models:
                continue
            for statistic in (*STATISTICS, "better"):
                label = {"mean": "Δ mean", "median": "Δ median", "better": f"languages better than {names[base]}"}
                row = [title, TCell(f"{names[model]} vs {names[base]}"), TCell(label[statistic])]
                if not base_ok or model not in scored:
                    row += [TCell("–", css="missing") for _ in GROUPS]
                elif statistic == "better":
                    shares = win_shares(block, model, base, common)
                    row += [TCell("–" if v is None else f"{v:.0%}", v) for v in (shares[g] for g in GROUPS)]
                else:
                    row += _delta_cells(block, model, base, common, statistic, base_chance)
                rows.append(row)
    notes = [
        "Δ is the gain over the base model: positive means better, also for perplexities. Δ mean = mean(model) − "
        "mean(base) (the mean per-language gain); Δ median = median(model) − median(base), the difference of the "
        "medians in the table above (not the median gain); 'languages better' = share of the languages where the "
        "model beats the base. A gain where both models are at chance is marked so: it is noise, not a result."
    ]
    return Table(columns, rows, notes=notes)


def _delta_cells(
    block: Block, model: str, base: str, langs: list[str], statistic: str, base_chance: dict[str, bool]
) -> list[TCell]:
    means, base_means = averages(block, model, langs, statistic), averages(block, base, langs, statistic)
    model_chance = chance_groups(block, model, langs) if base_chance else {}
    sign = 1.0 if block.higher_is_better else -1.0
    cells = []
    for g in GROUPS:
        delta = None if means[g] is None or base_means[g] is None else sign * (means[g] - base_means[g])
        if base_chance.get(g) and model_chance.get(g):
            cells.append(TCell(f"{fmt(delta, block, signed=True)} at chance", delta, css="chance"))
            continue
        css = None if delta is None else ("gain" if delta > 0 else "loss" if delta < 0 else None)
        cells.append(TCell(fmt(delta, block, signed=True), delta, css=css))
    return cells


def language_table(block: Block, names: dict[str, str], sizes: dict[str, int] | None, base: str | None) -> Table:
    """One row per language of the block: metadata, each model's score with its CI (n in the tooltip and the TSV),
    then each model's change against the base: a gain, or ``model / base`` (``0.48×``) for perplexity-like scores."""
    others = [m for m in block.models if base and m != base and base in block.models]
    ratio = perplexity_like(block)
    columns = ["lang", "language", "script", "group"] + (["corpus"] if sizes is not None else [])
    columns += [names[model] for model in block.models]
    columns += [f"{names[m]} / {names[base]}" if ratio else f"Δ {names[m]}" for m in others]
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
        row += [_score_cells(block.cell(model, lang), block)[0] for model in block.models]
        for model in others:
            row.append(
                _ratio_cell(block, model, base, lang) if ratio else _gain_cell(model_gains[model].get(lang), block)
            )
        rows.append(row)
    notes = [
        "Brackets: 95% bootstrap confidence interval; † marks a parametric (binomial) interval computed from value "
        "and n (n: hover a score, or per_language.tsv)."
    ]
    if ratio and others:
        notes.append(
            f"model / base below 1 is better; above {MUCH_WORSE:g} (bold) the language is more than {MUCH_WORSE:g}× "
            "worse than the base."
        )
    return Table(columns, rows, notes=notes, sortable=True)


def _gain_cell(gain: float | None, block: Block) -> TCell:
    text = "–" if gain is None else format(gain, "+.1f" if block.proportion else "+.2f")
    return TCell(text, gain, css=None if gain is None else "gain" if gain > 0 else "loss" if gain < 0 else None)


def _ratio_cell(block: Block, model: str, base: str, lang: str) -> TCell:
    ratio = ratio_to_base(block, model, base, lang)
    if ratio is None:
        return TCell("–")
    css = "gain" if ratio < 1 else "loss much-worse" if ratio > MUCH_WORSE else "loss" if ratio > 1 else None
    return TCell(f"{ratio:.2f}×", ratio, css=css)


def _score_cells(cell: Cell | None, block: Block) -> list[TCell]:
    if cell is None:
        return [TCell("missing", css="missing", title="no result row for this model and language"), TCell("")]
    if not cell.ok:
        return [TCell("error", css="error", title=cell.error), TCell(str(cell.n) if cell.n else "")]
    detail = None
    if cell.low is not None and cell.high is not None:
        detail = f"{fmt(cell.low, block)}, {fmt(cell.high, block)}" + ("†" if cell.ci_method == "binomial" else "")
    if cell.at_chance:
        title = f"within noise of chance ({fmt(cell.chance, block)})"
        return [
            TCell(f"{fmt(cell.value, block)} at chance", cell.value, title=title, css="chance", detail=detail),
            TCell(str(cell.n), cell.n),
        ]
    return [TCell(fmt(cell.value, block), cell.value, title=f"n = {cell.n}", detail=detail), TCell(str(cell.n), cell.n)]


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
