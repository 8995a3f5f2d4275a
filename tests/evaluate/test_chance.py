"""Result rows carry the score of guessing, so tables can tell a score at chance from a result."""

from __future__ import annotations

import pytest
from eval_helpers import write_lines

from glot500.evaluate.classification import chance_scores
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.retrieval import RetrievalTask, top_k_chance


def test_top_k_chance_is_k_over_candidates():
    assert top_k_chance(10, 20) == pytest.approx(0.5) and top_k_chance(1, 4) == pytest.approx(0.25)
    assert top_k_chance(10, 6) == 1.0  # fewer candidates than k: every query hits


def test_classification_chance_is_the_better_of_uniform_and_majority():
    balanced = chance_scores(["a", "b", "c", "d"] * 5, 4)
    assert balanced["accuracy"] == pytest.approx(0.25) and balanced["macro_f1"] == pytest.approx(0.25)
    skewed = chance_scores(["a"] * 8 + ["b"] * 2, 2)
    assert skewed["accuracy"] == pytest.approx(0.8)  # always "a"
    # uniform: F1_a = 2*0.8*0.5/1.3, F1_b = 2*0.2*0.5/0.7; majority: F1_a = 2*0.8/1.8, F1_b = 0
    uniform = (0.8 / 1.3 + 0.2 / 0.7) / 2
    assert skewed["macro_f1"] == pytest.approx(max(uniform, 0.8 / 1.8 / 2))


def test_retrieval_rows_state_their_chance(tmp_path, encoder):
    english = ["river stone", "house light", "water green", "small bird", "song tree"]
    write_lines(tmp_path / "deu_Latn" / "deu_Latn.txt", ["fluss stein", "haus licht", "wasser", "vogel", "lied baum"])
    write_lines(tmp_path / "deu_Latn" / "eng_Latn.txt", english)
    task = RetrievalTask(EvalConfig())
    rows = {r.metric: r for r in task.score(encoder, task.load(tmp_path))}
    assert rows["top1"].chance == pytest.approx(1 / 5) and rows["top10"].chance == 1.0
