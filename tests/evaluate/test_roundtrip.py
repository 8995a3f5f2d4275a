from __future__ import annotations

import numpy as np
from eval_helpers import LATIN, make_sentences, write_lines

from glot500.evaluate.config import EvalConfig
from glot500.evaluate.roundtrip import RoundTripTask, mutual_argmax, returns_home, split_words


def test_mutual_argmax_keeps_only_links_both_sides_agree_on():
    source = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    target = np.array([[1.0, 0.05], [0.0, 1.0]])
    # 0 -> 0 and 0 <- 0: linked; 1 -> 0 but 0's best is 0: dropped; 2 <-> 1 linked
    assert mutual_argmax(source, target) == {0: 0, 2: 1}
    assert mutual_argmax(source, np.zeros((0, 2))) == {}


def test_returns_home_follows_the_cycle():
    links = [{0: 1, 1: 0, 2: 2}, {1: 0, 0: 2}, {0: 0, 2: 1}]
    # word 0: 0->1->0->0 home; word 1: 1->0->2->1 home; word 2: 2->2->(none) broken; word 3: no link
    assert returns_home(links, 4) == [1.0, 1.0, 0.0, 0.0]


def test_words_are_characters_in_scripts_without_spaces():
    assert split_words("我 们好", "cmn_Hani") == ["我", "们", "好"]
    assert split_words("a  b", "deu_Latn") == ["a", "b"]


def _bible_folder(root, target_texts: dict[str, list[str]], english: list[str]):
    for lang, lines in target_texts.items():
        write_lines(root / lang / f"{lang}.txt", lines)
        write_lines(root / lang / "eng_Latn.txt", english)
        write_lines(root / lang / "vref.txt", [f"GEN 1:{i + 1}" for i in range(len(lines))])


def test_identical_parallel_text_returns_every_word(tmp_path, encoder):
    verses = make_sentences(LATIN, 8, seed=11)
    _bible_folder(tmp_path, {"deu_Latn": verses, "fra_Latn": verses}, verses)
    task = RoundTripTask(EvalConfig(layer=1))
    rows = {r.lang: r for r in task.score(encoder, task.load(tmp_path))}
    assert set(rows) == {"deu_Latn", "fra_Latn"}
    words = sum(len(v.split()) for v in verses)
    assert rows["deu_Latn"].value == 1.0 and rows["deu_Latn"].n == words == len(rows["deu_Latn"].items)


def test_unrelated_text_rarely_returns_and_too_few_languages_is_an_error(tmp_path, encoder):
    _bible_folder(
        tmp_path / "a",
        {"deu_Latn": make_sentences(LATIN, 8, seed=1), "fra_Latn": make_sentences(LATIN, 8, seed=2)},
        make_sentences(LATIN, 8, seed=3),
    )
    task = RoundTripTask(EvalConfig(layer=1))
    row = next(r for r in task.score(encoder, task.load(tmp_path / "a")) if r.lang == "deu_Latn")
    assert row.value < 0.5
    _bible_folder(tmp_path / "b", {"deu_Latn": ["river stone"]}, ["river stone"])
    rows = task.score(encoder, task.load(tmp_path / "b"))
    assert "round trip needs 3 languages" in rows[0].error
