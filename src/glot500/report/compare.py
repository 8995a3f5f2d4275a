"""How two scores of one language compare: as a ratio for perplexity-like scores, as a difference otherwise."""

from __future__ import annotations

from glot500.report.data import Block

MUCH_WORSE = 2.0  # a language this many times worse than the base is listed by name (the regression guard)


def perplexity_like(block: Block) -> bool:
    """Positive scores where lower is better (perplexities, bits per character): compared as ratios and plotted on
    a log axis, where a few blown-up languages would otherwise flatten every other language into one line."""
    values = [cell.value for cell in block.cells.values() if cell.ok]
    return not block.higher_is_better and bool(values) and all(v > 0 for v in values)


def worse_factor(block: Block, model_value: float, base_value: float) -> float | None:
    """How many times worse ``model_value`` is than ``base_value`` (above 1: worse): ``model / base`` where lower
    is better, ``base / model`` where higher is better; ``None`` where a zero leaves it undefined."""
    numerator, denominator = (base_value, model_value) if block.higher_is_better else (model_value, base_value)
    if denominator <= 0 or numerator < 0:
        return None
    return numerator / denominator


def ratio_to_base(block: Block, model: str, base: str, lang: str) -> float | None:
    """``model / base`` for one language (perplexity-like blocks), ``None`` when either score is missing."""
    mine, theirs = block.cell(model, lang), block.cell(base, lang)
    if not (mine and theirs and mine.ok and theirs.ok) or theirs.value <= 0:
        return None
    return mine.value / theirs.value
