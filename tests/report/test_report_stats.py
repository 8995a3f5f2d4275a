"""Bootstrap intervals, the regression's statistics, the factors and the tolerant readers of side inputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from report_fixtures import KEPT, write_corpus, write_stats

from glot500.core.errors import InputError
from glot500.report.analysis import correlate, ols
from glot500.report.bootstrap import add_intervals
from glot500.report.data import Block, BlockKey, Cell
from glot500.report.factors import language_factors, ngram_neighbours
from glot500.report.inputs import corpus_samples, corpus_sizes, model_sizes_from_manifests, read_vocab_report


def _block(cells: dict, items: dict | None = None, higher_is_better: bool = True) -> Block:
    block = Block(BlockKey("retrieval", "toy", "top1"), higher_is_better=higher_is_better, models=["m"])
    for lang, cell in cells.items():
        block.langs.append(lang)
        block.head[lang] = False
        block.cells[("m", lang)] = cell
    block.items = {("m", lang): values for lang, values in (items or {}).items()}
    return block


def test_item_bootstrap_matches_the_normal_approximation_and_is_reproducible():
    hits = [1.0] * 300 + [0.0] * 700
    block = _block({"aaa_Latn": Cell(0.3, 1000)}, {"aaa_Latn": hits})
    add_intervals(block, resamples=4000, seed=1)
    cell = block.cells[("m", "aaa_Latn")]
    half = 1.96 * math.sqrt(0.3 * 0.7 / 1000)
    assert cell.ci_method == "items"
    assert cell.low == pytest.approx(0.3 - half, abs=0.006) and cell.high == pytest.approx(0.3 + half, abs=0.006)
    again = _block({"aaa_Latn": Cell(0.3, 1000)}, {"aaa_Latn": hits})
    add_intervals(again, resamples=4000, seed=1)
    assert (again.cells[("m", "aaa_Latn")].low, again.cells[("m", "aaa_Latn")].high) == (cell.low, cell.high)


def test_continuous_items_are_resampled_directly():
    rng = np.random.default_rng(0)
    items = rng.normal(5.0, 2.0, size=400).tolist()
    block = _block({"aaa_Latn": Cell(float(np.mean(items)), 400)}, {"aaa_Latn": items}, higher_is_better=False)
    add_intervals(block, resamples=2000)
    cell = block.cells[("m", "aaa_Latn")]
    half = 1.96 * float(np.std(items)) / math.sqrt(400)
    assert cell.high - cell.low == pytest.approx(2 * half, rel=0.15)


def test_parametric_interval_without_items_and_none_for_perplexity_or_errors():
    block = _block({"aaa_Latn": Cell(0.5, 100), "bbb_Latn": Cell(None, 0, error="empty"), "ccc_Latn": Cell(0.9, 0)})
    add_intervals(block, resamples=2000)
    cell = block.cells[("m", "aaa_Latn")]
    assert (
        cell.ci_method == "binomial"
        and cell.low == pytest.approx(0.40, abs=0.02)
        and cell.high == pytest.approx(0.60, abs=0.02)
    )
    assert block.cells[("m", "bbb_Latn")].low is None and block.cells[("m", "ccc_Latn")].low is None  # error; n = 0
    ppl = _block({"aaa_Latn": Cell(12.5, 100)}, higher_is_better=False)
    add_intervals(ppl)
    assert ppl.cells[("m", "aaa_Latn")].ci_method is None


def test_ols_agrees_with_scipy_linregress_and_recovers_known_coefficients():
    from scipy import stats

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    y = 1.5 + 2.0 * x[:, 0] - 0.5 * x[:, 1] + rng.normal(scale=0.3, size=200)
    fit = ols(y, x, ["log_corpus", "unseen_script"])
    assert fit.coef == pytest.approx([1.5, 2.0, -0.5], abs=0.08)
    assert fit.p[1] < 1e-10 and fit.n == 200 and 0.9 < fit.r2 < 1
    single = ols(y, x[:, :1], ["log_corpus"])
    reference = stats.linregress(x[:, 0], y)
    assert single.coef[1] == pytest.approx(reference.slope) and single.se[1] == pytest.approx(reference.stderr)
    assert single.p[1] == pytest.approx(reference.pvalue, abs=1e-12) and single.r2 == pytest.approx(reference.rvalue**2)
    constant = ols(y, np.column_stack([x[:, 0], np.ones(200)]), ["log_corpus", "unseen_script"])
    assert constant.dropped == ["unseen_script"] and constant.factors == ["log_corpus"]
    assert ols(y[:3], x[:3], ["log_corpus", "unseen_script"]) is None  # no residual degrees of freedom
    assert correlate("log_corpus", np.ones(10), np.arange(10.0)) is None
    noise = np.full(10, 6.9) + np.arange(10) * 1e-17  # equal scores up to rounding: nothing to explain
    assert ols(noise, x[:10], ["log_corpus", "unseen_script"]) is None
    assert correlate("log_corpus", np.arange(10.0), noise) is None
    assert correlate("log_corpus", np.arange(10.0), np.arange(10.0) ** 2).spearman_rho == pytest.approx(1.0)


def test_factors_from_stats_vocabulary_report_and_corpus(tmp_path):
    sizes = corpus_sizes(write_stats(tmp_path / "stats.json"))
    assert sizes == KEPT  # the excluded language is left out
    vocab = read_vocab_report(
        _write(tmp_path / "v.tsv", "tokenizer\tlang\tunk_share\nbase\tbod_Tibt\t0.5\nbase\tdeu_Latn\t0.0\n")
    )
    factors = language_factors(["deu_Latn", "eng_Latn", "yor_Latn", "bod_Tibt", "div_Thaa"], sizes, vocab, "base", 0.1)
    unseen = factors.values["unseen_script"]
    assert unseen["bod_Tibt"] == 1.0 and unseen["deu_Latn"] == 0.0
    assert unseen["div_Thaa"] == 1.0  # not in the report: no head language is written in Thaana
    related = factors.values["log_related_group"]
    assert related["deu_Latn"] == pytest.approx(math.log10(1 + KEPT["eng_Latn"]))  # both West Germanic
    assert related["yor_Latn"] == 0.0  # no other Atlantic-Congo language in the stats
    assert factors.values["log_corpus"]["yor_Latn"] == pytest.approx(math.log10(1 + KEPT["yor_Latn"]))
    no_stats = language_factors(["deu_Latn"], None, None, None, 0.1)
    assert set(no_stats.values) == {"unseen_script"}


def test_ngram_neighbours_find_languages_that_share_character_ngrams(tmp_path):
    samples = corpus_samples(write_corpus(tmp_path / "corpus"), 5000)
    assert len(samples) == len(KEPT) - 1  # one language has no text
    samples["aaa_Latn"] = samples["eng_Latn"]  # a copy must be its nearest neighbour
    neighbours = ngram_neighbours(samples, k=2)
    assert neighbours["aaa_Latn"][0] == "eng_Latn" and neighbours["eng_Latn"][0] == "aaa_Latn"
    assert all(lang not in found for lang, found in neighbours.items())


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("r.tsv", "tokenizer\tlang\tfertility\tunk_share\nxlmr\tbod_Tibt\t2.0\t0.4\nxlmr\tdeu_Latn\t1.2\t0.01\n"),
        # glot500 vocab report's report.tsv: the character share of <unk> wins over the token share
        (
            "report.tsv",
            "tokenizer\tlabel\tscript\tunk_share\tunk_char_share\nxlmr\tbod_Tibt\tTibt\t0.1\t0.4\nxlmr\tdeu_Latn\tLatn\t0.0\t0.01\n",
        ),
        ("r.csv", "name,label,unk\nxlmr,bod_Tibt,0.4\nxlmr,deu_Latn,0.01\n"),
        (
            "r.json",
            json.dumps(
                [
                    {"tokenizer": "xlmr", "lang": "bod_Tibt", "unk_share": 0.4},
                    {"tokenizer": "xlmr", "lang": "deu_Latn", "unk_share": 0.01},
                ]
            ),
        ),
        (
            "r.json",
            json.dumps(
                {
                    "tokenizers": {
                        "xlmr": {"bod_Tibt": {"unk_share": 0.4}, "deu_Latn": {"unk_share": 0.01, "fertility": 1.2}}
                    }
                }
            ),
        ),
        ("r.json", json.dumps({"xlmr": {"unk_share": {"bod_Tibt": 0.4, "deu_Latn": 0.01}}})),
        (
            "r.jsonl",
            '{"tokenizer": "xlmr", "lang": "bod_Tibt", "unk_share": 0.4}\n{"tokenizer": "xlmr", "lang": "deu_Latn", "unk_share": 0.01}\n',
        ),
    ],
)
def test_vocabulary_report_shapes_are_all_understood(tmp_path, name, content):
    report = read_vocab_report(_write(tmp_path / name, content))
    assert report.unk_share == {"xlmr": {"bod_Tibt": 0.4, "deu_Latn": 0.01}}
    assert report.tokenizer_for("xlmr", None) == "xlmr"


def test_vocabulary_report_folder_and_bad_inputs(tmp_path):
    folder = tmp_path / "vocab"
    _write(folder / "manifest.json", json.dumps({"stage": "vocab"}))
    _write(folder / "notes.json", json.dumps({"nothing": 1}))
    _write(
        folder / "report" / "fertility.tsv",
        "tokenizer\tlang\tunk_share\nbase\tbod_Tibt\t0.3\nextended\tbod_Tibt\t0.0\n",
    )
    report = read_vocab_report(folder)
    assert set(report.unk_share) == {"base", "extended"} and report.files == [str(folder / "report" / "fertility.tsv")]
    assert report.tokenizer_for("/models/extended", None) == "extended" and report.tokenizer_for(None, None) == "base"
    with pytest.raises(InputError, match="no tokenizer 'other'"):
        report.tokenizer_for(None, "other")
    with pytest.raises(InputError, match="no rows with a language and an unk share"):
        read_vocab_report(_write(tmp_path / "empty.tsv", "a\tb\n1\t2\n"))


def test_model_sizes_are_read_from_a_manifest_beside_the_results(tmp_path):
    _write(
        tmp_path / "manifest.json",
        json.dumps(
            {"config": {"models": [{"name": "m1", "num_parameters": 1000}]}, "extra": {"m2": {"parameters": 2000}}}
        ),
    )
    assert model_sizes_from_manifests([tmp_path / "results.jsonl"], ["m1", "m2", "m3"]) == {"m1": 1000.0, "m2": 2000.0}


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_factor_unknown_for_many_languages_is_left_out_not_the_languages():
    from glot500.report.analysis import analyse_model
    from glot500.report.factors import LanguageFactors

    langs = [f"l{i:02d}_Latn" for i in range(10)]
    block = _block({lang: Cell(0.1 + 0.05 * i, 100) for i, lang in enumerate(langs)})
    factors = LanguageFactors(
        values={
            "log_corpus": {lang: float(i) + (0.3 if i % 2 else 0.0) for i, lang in enumerate(langs)},
            "log_related_ngram": {lang: (1.0 if i < 4 else math.nan) for i, lang in enumerate(langs)},
        }
    )
    analysis = analyse_model(block, "m", None, factors, "points")
    assert analysis.n == 10 and analysis.regression.factors == ["log_corpus"]
    assert (
        "Left out because unknown for over 20% of the languages: log10(n-gram-neighbour data + 1)."
        in analysis.sentences
    )
    assert analysis.regression.coef[1] > 0 and analysis.correlations[0].spearman_rho == pytest.approx(1.0)
