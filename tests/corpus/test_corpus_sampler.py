"""Glot500's temperature sampling: the formula, largest-remainder allocation, up-sampling, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from corpus_fixtures import write_lines

from glot500.corpus.sampler import allocate, sample_corpus, sample_indices, sampling_probabilities, write_sample


def test_probabilities_follow_n_to_the_alpha() -> None:
    counts = {"deu_Latn": 10_000, "yor_Latn": 100, "tha_Thai": 1}
    probs = sampling_probabilities(counts, alpha=0.3)
    total = sum(counts.values())
    weights = {label: (n / total) ** 0.3 for label, n in counts.items()}
    expected = {label: w / sum(weights.values()) for label, w in weights.items()}
    assert probs == pytest.approx(expected, rel=1e-12)
    assert probs["tha_Thai"] > counts["tha_Thai"] / total  # tail languages are up-weighted
    assert sampling_probabilities(counts, alpha=1.0) == pytest.approx({k: v / total for k, v in counts.items()})


def test_head_weight_scales_head_languages_only() -> None:
    counts = {"deu_Latn": 1000, "yor_Latn": 1000}  # deu is an XLM-R (head) language, yor is not
    probs = sampling_probabilities(counts, alpha=0.3, head_weight=0.5)
    assert probs["deu_Latn"] == pytest.approx(1 / 3) and probs["yor_Latn"] == pytest.approx(2 / 3)


def test_allocation_sums_to_total_and_upsamples_small_languages() -> None:
    quota = allocate({"a": 0.5, "b": 0.3, "c": 0.2}, 7)
    assert sum(quota.values()) == 7 and quota == {"a": 4, "b": 2, "c": 1}
    rng = np.random.default_rng(0)
    picked = sample_indices(3, 8, rng)
    assert sorted(np.bincount(picked, minlength=3).tolist()) == [2, 3, 3]  # whole repeats, then the rest


def test_sample_corpus_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    write_lines(tmp_path / "deu_Latn.txt", [f"deutsch {i}" for i in range(200)])
    write_lines(tmp_path / "yor_Latn.txt", [f"yoruba {i}" for i in range(5)])
    first = sample_corpus(tmp_path, total=100, alpha=0.3, seed=7)
    assert first == sample_corpus(tmp_path, total=100, alpha=0.3, seed=7)
    assert first != sample_corpus(tmp_path, total=100, alpha=0.3, seed=8)
    assert len(first["yor_Latn"]) > 5 and len(set(first["yor_Latn"])) == 5  # up-sampled: every line, repeated
    path = write_sample(first, tmp_path / "sample.txt")
    assert len(path.read_text().splitlines()) == 100 == len(Path(f"{path}.langs").read_text().splitlines())


def test_head_floor_raises_head_share_to_exactly_the_floor_keeping_relative_weights() -> None:
    # deu and fra are XLM-R (head) languages, yor and wol are not; tail heavy so alpha gives head < 0.5
    counts = {"deu_Latn": 100, "fra_Latn": 400, "yor_Latn": 10_000, "wol_Latn": 5000}
    heads, tails = ("deu_Latn", "fra_Latn"), ("yor_Latn", "wol_Latn")
    plain = sampling_probabilities(counts, alpha=0.3)
    floored = sampling_probabilities(counts, alpha=0.3, head_floor=0.5)
    head_share = sum(plain[h] for h in heads)
    assert head_share < 0.5
    for h in heads:
        assert floored[h] == pytest.approx(plain[h] * 0.5 / head_share, rel=1e-12)
    for t in tails:
        assert floored[t] == pytest.approx(plain[t] * 0.5 / (1 - head_share), rel=1e-12)
    assert sum(floored[h] for h in heads) == pytest.approx(0.5, abs=1e-12)
    assert sum(floored.values()) == pytest.approx(1.0, abs=1e-12)
    assert floored["deu_Latn"] / floored["fra_Latn"] == pytest.approx(plain["deu_Latn"] / plain["fra_Latn"])


def test_head_floor_leaves_probabilities_alone_at_or_above_the_floor_or_without_both_groups() -> None:
    counts = {"deu_Latn": 10_000, "yor_Latn": 100}
    plain = sampling_probabilities(counts, alpha=0.3)
    assert sampling_probabilities(counts, alpha=0.3, head_floor=plain["deu_Latn"] * 0.99) == plain
    only_tail = {"yor_Latn": 10, "wol_Latn": 20}
    assert sampling_probabilities(only_tail, head_floor=0.9) == sampling_probabilities(only_tail)
    only_head = {"deu_Latn": 10, "fra_Latn": 20}
    assert sampling_probabilities(only_head, head_floor=0.9) == sampling_probabilities(only_head)


def test_head_floor_composes_with_head_weight_and_is_validated() -> None:
    counts = {"deu_Latn": 1000, "yor_Latn": 1000}
    probs = sampling_probabilities(counts, alpha=0.3, head_weight=0.5, head_floor=0.4)  # 1/3 -> 0.4
    assert probs["deu_Latn"] == pytest.approx(0.4) and probs["yor_Latn"] == pytest.approx(0.6)
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="head_floor must be in"):
            sampling_probabilities(counts, head_floor=bad)
    with pytest.raises(ValueError, match="head_weight = 0"):
        sampling_probabilities(counts, head_weight=0.0, head_floor=0.2)


def test_sample_corpus_honours_the_head_floor(tmp_path: Path) -> None:
    write_lines(tmp_path / "deu_Latn.txt", [f"deutsch {i}" for i in range(10)])
    write_lines(tmp_path / "yor_Latn.txt", [f"yoruba {i}" for i in range(1000)])
    drawn = sample_corpus(tmp_path, total=100, alpha=0.3, seed=0, head_floor=0.6)
    assert len(drawn["deu_Latn"]) == 60 and len(drawn["yor_Latn"]) == 40
    assert len(sample_corpus(tmp_path, total=100, alpha=0.3, seed=0)["deu_Latn"]) < 60
