"""Retrieval without faiss (the GPU machine has none): the exact torch top-k finds the same neighbours."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from glot500.evaluate import retrieval


@pytest.fixture
def no_faiss(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # `import faiss` now raises ImportError
    monkeypatch.setattr(retrieval, "_warned_no_faiss", False)


@pytest.mark.parametrize("duplicates", [False, True], ids=["distinct", "duplicate-sentences"])
def test_torch_top_k_equals_faiss(monkeypatch, caplog, duplicates):
    faiss = pytest.importorskip("faiss", reason="faiss-cpu not installed (the reference)")
    rng = np.random.default_rng(0)
    if duplicates:  # many exactly tied scores: which tied candidate faiss keeps decides hits
        pool = rng.normal(size=(15, 16))
        queries, candidates = pool[rng.integers(0, 15, size=120)], pool[rng.integers(0, 15, size=200)]
    else:
        queries = rng.normal(size=(300, 48))
        candidates = queries + rng.normal(scale=1.5, size=queries.shape)
    q, c = retrieval._normalised(queries), retrieval._normalised(candidates)
    index = faiss.IndexFlatIP(c.shape[1])
    index.add(c)
    expected = index.search(q, 10)[1]
    monkeypatch.setitem(sys.modules, "faiss", None)  # `import faiss` now raises ImportError
    monkeypatch.setattr(retrieval, "_warned_no_faiss", False)
    with caplog.at_level(logging.WARNING):
        ours = retrieval._nearest(q, c, 10)
    assert "faiss is not installed" in caplog.text
    np.testing.assert_array_equal(ours, expected)
    np.testing.assert_array_equal(retrieval._nearest_torch(q, c, 10, chunk=64), expected)  # chunks, a short last


def test_top_k_hits_without_faiss_match_the_hand_made_answer(no_faiss, caplog):
    queries = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    candidates = np.array([[0.0, 1.0], [0.0, 2.0], [1.0, 0.9]])
    with caplog.at_level(logging.WARNING):
        hits = retrieval.top_k_hits(queries, candidates, (1, 2))
        retrieval.top_k_hits(queries, candidates, (1, 2))
    assert hits == {1: [0.0, 1.0, 1.0], 2: [0.0, 1.0, 1.0]}
    assert caplog.text.count("faiss is not installed") == 1  # once per process, not per language
