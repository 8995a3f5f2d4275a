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
