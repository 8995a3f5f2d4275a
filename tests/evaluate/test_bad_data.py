"""Every bad-folder case yields its error rows while the other languages complete."""

from __future__ import annotations

import pytest
from eval_helpers import LATIN, make_sentences, write_lines

from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import LanguageDataError, detect_task_type, read_lines
from glot500.evaluate.retrieval import RetrievalTask


@pytest.fixture
def messy_retrieval(tmp_path):
    good = make_sentences(LATIN, 12, seed=7)
    write_lines(tmp_path / "deu_Latn" / "deu_Latn.txt", good)
    write_lines(tmp_path / "deu_Latn" / "eng_Latn.txt", good)
    write_lines(tmp_path / "fra_Latn" / "eng_Latn.txt", good)  # fra_Latn.txt missing
    write_lines(tmp_path / "spa_Latn" / "spa_Latn.txt", good[:10])  # 10 lines against 12
    write_lines(tmp_path / "spa_Latn" / "eng_Latn.txt", good)
    write_lines(tmp_path / "ita_Latn" / "ita_Latn.txt", ["", "  "])  # empty
    write_lines(tmp_path / "ita_Latn" / "eng_Latn.txt", good[:2])
    (tmp_path / "por_Latn").mkdir()
    (tmp_path / "por_Latn" / "por_Latn.txt").write_bytes(b"fine line\nbad \xff\xfe bytes\n")  # not UTF-8
    write_lines(tmp_path / "por_Latn" / "eng_Latn.txt", good[:2])
    write_lines(tmp_path / "notalang" / "notalang.txt", good)  # folder name is not a label
    write_lines(tmp_path / "notalang" / "eng_Latn.txt", good)
    return tmp_path


def test_each_bad_language_gets_its_error_rows_and_the_others_complete(messy_retrieval, encoder):
    task = RetrievalTask(EvalConfig(layer=1))
    rows = task.score(encoder, task.load(messy_retrieval))
    by_lang = {}
    for row in rows:
        by_lang.setdefault(row.lang, {})[row.metric] = row
    assert by_lang["deu_Latn"]["top1"].value == 1.0 and by_lang["deu_Latn"]["top1"].error is None
    expected = {
        "fra_Latn": "fra_Latn.txt: file missing",
        "spa_Latn": "misaligned files, line counts differ (spa_Latn.txt 10, eng_Latn.txt 12)",
        "ita_Latn": "ita_Latn.txt: file is empty",
        "por_Latn": "por_Latn.txt:2: not valid UTF-8",
        "notalang": "is not a language-script label",
    }
    for lang, reason in expected.items():
        assert set(by_lang[lang]) == {"top1", "top10"}, lang
        for row in by_lang[lang].values():
            assert reason in row.error, (lang, row.error)
            assert row.value is None and row.n == 0


def test_fail_fast_stops_at_the_first_bad_language(messy_retrieval, encoder):
    task = RetrievalTask(EvalConfig(layer=1, fail_fast=True))
    with pytest.raises(LanguageDataError, match="fra_Latn"):
        task.score(encoder, task.load(messy_retrieval))


def test_a_language_that_fails_while_scoring_becomes_an_error_row(tmp_path, encoder, monkeypatch):
    good = make_sentences(LATIN, 5, seed=1)
    for lang in ("deu_Latn", "fra_Latn"):
        write_lines(tmp_path / lang / f"{lang}.txt", good)
        write_lines(tmp_path / lang / "eng_Latn.txt", good)
    task = RetrievalTask(EvalConfig(layer=1))
    data = task.load(tmp_path)
    data.languages["fra_Latn"].target = None  # breaks scoring of this language only
    rows = {(r.lang, r.metric): r for r in task.score(encoder, data)}
    assert rows[("deu_Latn", "top1")].value == 1.0
    assert rows[("fra_Latn", "top1")].error.startswith("TypeError")


def test_task_type_is_detected_from_the_files(tmp_path, messy_retrieval):
    assert detect_task_type(messy_retrieval) == "retrieval"
    write_lines(tmp_path / "cls" / "deu_Latn" / "test.tsv", ["a\tb"])
    write_lines(tmp_path / "tag" / "deu_Latn" / "test.conll", ["a\tB"])
    write_lines(tmp_path / "mono" / "deu_Latn" / "deu_Latn.txt", ["a"])
    (tmp_path / "none" / "deu_Latn").mkdir(parents=True)
    assert detect_task_type(tmp_path / "cls") == "classification"
    assert detect_task_type(tmp_path / "tag") == "tagging"
    assert detect_task_type(tmp_path / "mono") == "pseudo_perplexity"
    assert detect_task_type(tmp_path / "none") is None


def test_read_lines_strips_a_byte_order_mark(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("\ufeffone\r\ntwo\n".encode())
    assert read_lines(path) == ["one", "two"]
