"""summary.md / summary.tsv: means and medians per group, and the share of languages where a model beats the base."""

from __future__ import annotations

import pytest

from glot500.core.results import ResultRow
from glot500.evaluate.summary import summarize, summary_markdown, summary_tsv

# perplexity per language: glot is better (lower) than base in 3 of 4 tail languages but blows one up
PPL = {
    "base": {"deu_Latn": 4.0, "fra_Latn": 6.0, "yor_Latn": 20.0, "quy_Latn": 30.0, "hat_Latn": 25.0, "sah_Cyrl": 40.0},
    "glot": {"deu_Latn": 5.0, "fra_Latn": 5.0, "yor_Latn": 10.0, "quy_Latn": 12.0, "hat_Latn": 11.0, "sah_Cyrl": 900.0},
}


def _rows() -> list[ResultRow]:
    return [
        ResultRow(model=model, task="pseudo_perplexity", dataset="udhr", lang=lang, metric="ppl_per_char",
                  value=value, n=2, head=lang in ("deu_Latn", "fra_Latn"), higher_is_better=False)
        for model, values in PPL.items()
        for lang, value in values.items()
    ]  # fmt: skip


def test_medians_and_win_shares_per_group():
    _, table = summarize(_rows())
    glot, base = (
        table[("pseudo_perplexity", "udhr", "ppl_per_char")]["glot"],
        table[("pseudo_perplexity", "udhr", "ppl_per_char")]["base"],
    )
    assert glot.tail == pytest.approx((10 + 12 + 11 + 900) / 4) and glot.tail > base.tail  # the mean says worse
    assert glot.median_tail == pytest.approx(11.5) and base.median_tail == pytest.approx(27.5)  # the median: better
    assert glot.wins_tail == pytest.approx(3 / 4) and glot.wins_head == pytest.approx(1 / 2)
    assert glot.wins_all == pytest.approx(4 / 6) and base.wins_tail is None  # the base is not compared with itself
    assert glot.median_head == pytest.approx(5.0) and glot.median_all == pytest.approx(10.5)


def test_markdown_and_tsv_show_both_statistics():
    markdown = summary_markdown(_rows())
    assert (
        "| pseudo_perplexity | udhr | ppl_per_char | median | 22.5000 (5.0000 / 27.5000) | 10.5000 (5.0000 / 11.5000) |"
        in markdown
    )
    assert "| languages better than base | (base) | 67% (50% / 75%) |" in markdown
    lines = summary_tsv(_rows()).splitlines()
    header = lines[0].split("\t")
    glot = dict(zip(header, next(line for line in lines if "\tglot\t" in line).split("\t"), strict=True))
    assert glot["median_tail"] == "11.5000" and glot["wins_tail"] == "0.7500" and glot["tail"] == "233.2500"


def test_base_can_be_named():
    _, table = summarize(_rows(), base="glot")
    assert table[("pseudo_perplexity", "udhr", "ppl_per_char")]["base"].wins_tail == pytest.approx(1 / 4)
