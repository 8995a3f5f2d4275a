"""What explains a language's score: correlations and a small OLS regression, stated in sentences.

The response is a model's gain over the base model when a base is given (scores otherwise), in the units the
tables show (percentage points for proportions). With models of several sizes, a pooled regression over
(model, language) pairs adds log10(parameters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from glot500.report.data import Block
from glot500.report.factors import FACTOR_NAMES, FACTOR_UNITS, LanguageFactors

MIN_LANGUAGES = 5  # fewer points than this give no statistics worth printing
POOLED = "all sized models"
MIN_KNOWN_SHARE = 0.8  # a factor known for fewer of the languages is left out of that analysis


@dataclass
class Correlation:
    factor: str
    n: int
    pearson_r: float
    pearson_p: float
    spearman_rho: float
    spearman_p: float


@dataclass
class Regression:
    factors: list[str]
    coef: list[float]  # intercept first
    se: list[float]
    p: list[float]
    r2: float
    adj_r2: float
    n: int
    dropped: list[str] = field(default_factory=list)  # constant factors left out


@dataclass
class FactorAnalysis:
    title: str
    model: str
    response: str
    unit: str
    correlations: list[Correlation]
    regression: Regression | None
    sentences: list[str]
    n: int = 0  # languages (or model-language pairs) with a response and every factor


def gains(block: Block, model: str, base: str) -> dict[str, float]:
    """Per-language gain of ``model`` over ``base`` in display units, positive = better."""
    sign = 1.0 if block.higher_is_better else -1.0
    out = {}
    for lang in block.langs:
        mine, theirs = block.cell(model, lang), block.cell(base, lang)
        if mine and theirs and mine.ok and theirs.ok:
            out[lang] = sign * (mine.value - theirs.value) * block.scale
    return out


def scores(block: Block, model: str) -> dict[str, float]:
    return {lang: c.value * block.scale for lang in block.langs if (c := block.cell(model, lang)) and c.ok}


def analyse_model(
    block: Block,
    model: str,
    base: str | None,
    factors: LanguageFactors,
    unit: str,
    display: dict[str, str] | None = None,
) -> FactorAnalysis | None:
    """Correlations and OLS of ``model``'s gain over ``base`` (or its score) on the language factors.

    ``display`` maps model names to the names the sentences use.
    """
    display = display or {}
    response = gains(block, model, base) if base and model != base else scores(block, model)
    if base and model != base:
        what = f"gain over {display.get(base, base)}"
    else:
        what = "score" if block.higher_is_better else "score (lower is better)"
    langs = sorted(response)
    names = [name for name in FACTOR_NAMES if name in factors.values]
    matrix = np.array([[factors.get(name, lang) for name in names] for lang in langs], dtype=float)
    matrix = matrix.reshape(len(langs), len(names))
    y = np.array([response[lang] for lang in langs])
    return _analyse(block.key.title, display.get(model, model), what, unit, y, matrix, names)


def analyse_capacity(
    block: Block, sizes: dict[str, float], factors: LanguageFactors, unit: str
) -> FactorAnalysis | None:
    """Pooled over (model, language): score on the language factors plus log10(parameters)."""
    models = [m for m in block.scored_models() if m in sizes]
    if len({sizes[m] for m in models}) < 2:
        return None
    names = [name for name in FACTOR_NAMES if name in factors.values]
    rows, ys = [], []
    for model in models:
        for lang, value in scores(block, model).items():
            rows.append([factors.get(name, lang) for name in names] + [math.log10(sizes[model])])
            ys.append(value)
    matrix = np.array(rows, dtype=float).reshape(len(rows), len(names) + 1)
    what = "score" if block.higher_is_better else "score (lower is better)"
    return _analyse(block.key.title, POOLED, what, unit, np.array(ys), matrix, names + ["log_params"])


def _analyse(
    title: str, model: str, response: str, unit: str, y: np.ndarray, x: np.ndarray, names: list[str]
) -> FactorAnalysis | None:
    # a factor unknown for many languages (n-gram neighbours of languages without corpus text) is left out
    # rather than dropping those languages; the remaining gaps drop their rows
    known = np.isfinite(x).mean(axis=0) if len(y) else np.ones(len(names))
    unknown = [name for name, share in zip(names, known, strict=True) if share < MIN_KNOWN_SHARE]
    columns = [j for j, name in enumerate(names) if name not in unknown]
    x, names = x[:, columns], [names[j] for j in columns]
    keep = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    y, x = y[keep], x[keep]
    if len(y) < MIN_LANGUAGES:
        return None
    if _constant(y):  # e.g. a tiny model that predicts one class everywhere: no variance to explain
        subject = f"{model}'s {response}" if model != POOLED else f"the {response}"
        sentence = f"On {title}, {subject} is the same for all {len(y)} languages: there is no variation to explain."
        return FactorAnalysis(title, model, response, unit, [], None, [sentence], len(y))
    correlations = [c for j, name in enumerate(names) if (c := correlate(name, x[:, j], y))]
    regression = ols(y, x, names)
    analysis = FactorAnalysis(title, model, response, unit, correlations, regression, [], len(y))
    analysis.sentences = describe(analysis)
    if unknown:
        analysis.sentences.append(
            f"Left out because unknown for over {1 - MIN_KNOWN_SHARE:.0%} of the languages: "
            + ", ".join(FACTOR_NAMES[name] for name in unknown) + "."
        )  # fmt: skip
    return analysis


def correlate(name: str, x: np.ndarray, y: np.ndarray) -> Correlation | None:
    """Pearson and Spearman correlation (scipy); ``None`` when either side is constant."""
    from scipy import stats

    if np.ptp(x) == 0 or _constant(y):
        return None
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    return Correlation(
        name, len(y), float(pearson.statistic), float(pearson.pvalue), float(spearman.statistic), float(spearman.pvalue)
    )


def ols(y: np.ndarray, x: np.ndarray, names: list[str]) -> Regression | None:
    """Ordinary least squares with an intercept; classical standard errors and two-sided t-test p-values.

    Constant columns are dropped (and listed); ``None`` when fewer than two residual degrees of freedom remain.
    """
    from scipy import stats

    if _constant(y):
        return None
    varying = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0]
    dropped = [names[j] for j in range(x.shape[1]) if j not in varying]
    design = np.column_stack([np.ones(len(y)), x[:, varying]])  # (n, 1 + factors)
    n, k = design.shape
    if k < 2 or n - k < 2 or np.linalg.matrix_rank(design) < k:
        return None
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coef
    dof = n - k
    sigma2 = float(residuals @ residuals) / dof
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(design.T @ design)))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(coef / se), dof)
    total = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(residuals @ residuals) / total if total > 0 else 0.0
    adj = 1 - (1 - r2) * (n - 1) / dof
    return Regression([names[j] for j in varying], coef.tolist(), se.tolist(), p.tolist(), r2, adj, n, dropped)


def describe(analysis: FactorAnalysis) -> list[str]:
    """Plain sentences: fit, each coefficient with SE and p, what is significant, the strongest rank correlation."""
    subject = f"{analysis.model}'s {analysis.response}" if analysis.model != POOLED else f"the {analysis.response}"
    reg = analysis.regression
    if reg is None:
        sentences = [f"On {analysis.title}, too few languages or too little variation for a regression of {subject}."]
    else:
        units = "model-language pairs" if "log_params" in reg.factors else "languages"
        clauses = [
            f"{'rises' if coef > 0 else 'falls'} by {abs(coef):.3g} {analysis.unit} {FACTOR_UNITS[name]} (SE {se:.3g}, {format_p(p)})"
            for name, coef, se, p in zip(reg.factors, reg.coef[1:], reg.se[1:], reg.p[1:], strict=True)
        ]
        significant = [FACTOR_NAMES[name] for name, p in zip(reg.factors, reg.p[1:], strict=True) if p < 0.05]
        sentences = [
            f"On {analysis.title}, the factors together explain R² = {reg.r2:.2f} (adjusted {reg.adj_r2:.2f}) of the "
            f"variance of {subject} over n = {reg.n} {units}.",
            f"Holding the other factors fixed, it {'; it '.join(clauses)}.",
            f"Significant at the 5% level: {', '.join(significant)}."
            if significant
            else "No factor is significant at the 5% level.",
        ]
        if reg.dropped:
            sentences.append(
                f"Left out because they do not vary here: {', '.join(FACTOR_NAMES[d] for d in reg.dropped)}."
            )
    if analysis.correlations:
        best = max(analysis.correlations, key=lambda c: abs(c.spearman_rho))
        sentences.append(
            f"The strongest rank correlation is with {FACTOR_NAMES[best.factor]}: Spearman ρ = {best.spearman_rho:.2f} "
            f"({format_p(best.spearman_p)}, n = {best.n}); Pearson r = {best.pearson_r:.2f}."
        )
    return sentences


def _constant(values: np.ndarray) -> bool:
    """No variation beyond floating-point noise (averaging can leave 1e-17 differences between equal scores)."""
    return bool(np.ptp(values) <= 1e-9 * max(1.0, float(np.abs(values).max())))


def format_p(p: float) -> str:
    """``p = 0.012``, ``p < 0.001`` or ``p n/a``."""
    if not math.isfinite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
