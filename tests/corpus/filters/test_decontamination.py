"""Decontamination: chunks sharing a long n-gram with evaluation task folders are dropped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glot500.core.errors import InputError
from glot500.corpus.filters import DecontaminationFilter, EvalNgramIndex
from glot500.corpus.filters.decontamination import eval_files

RETRIEVAL = "and the angel said unto them fear not for behold i bring you good tidings of great joy to all people"
CLASSIFIED = "the markets closed higher on friday after a week of steady gains in technology shares across asia"
TAGGED = "she walked slowly along the river bank while the children played football in the park near the old bridge"
CHINESE = "天使对他们说不要惧怕我报给你们大喜的信息是关乎万民的因今天在大卫的城里"
SHORT = "where is the station"


@pytest.fixture
def tasks(tmp_path: Path) -> Path:
    root = tmp_path / "tasks"
    retrieval = root / "retrieval_bible" / "cmn_Hani"
    retrieval.mkdir(parents=True)
    (retrieval / "cmn_Hani.txt").write_text(CHINESE + "\n", encoding="utf-8")
    (retrieval / "eng_Latn.txt").write_text(RETRIEVAL + "\n", encoding="utf-8")
    (retrieval / "vref.txt").write_text("LUK 2:10 " + "never indexed " * 10 + "\n")
    classification = root / "sib200" / "eng_Latn"
    classification.mkdir(parents=True)
    (classification / "test.tsv").write_text(f"{CLASSIFIED}\tbusiness\n{SHORT}\ttravel\n", encoding="utf-8")
    tagging = root / "pos" / "eng_Latn"
    tagging.mkdir(parents=True)
    (tagging / "test.conll").write_text("\n".join(f"{token}\tX" for token in TAGGED.split()) + "\n\n")
    (root / "pos" / "labels.txt").write_text("X\n")
    return root


def test_chunks_containing_an_eval_13_gram_are_dropped(doc, run, tasks: Path, tmp_path: Path) -> None:
    words = RETRIEVAL.split()
    docs = [
        doc("Long before: " + " ".join(words[2:15]).upper() + "! and more text after it", "eng_Latn", "retrieval"),
        doc("intro " + " ".join(words[2:14]) + " outro", "eng_Latn", "twelve-words"),
        doc("Analysts said: " + CLASSIFIED.replace(" on ", ", on ") + ".", "eng_Latn", "tsv"),
        doc("business " * 13, "eng_Latn", "label-column"),
        doc("Yesterday " + TAGGED, "eng_Latn", "conll"),
        doc("LUK 2:10 " + "never indexed " * 10, "eng_Latn", "vref"),
        doc("前言" + CHINESE[5:26] + "后记", "cmn_Hani", "chinese"),
        doc("前言" + CHINESE[5:20] + "后记", "cmn_Hani", "chinese-short-overlap"),
        doc("Where is the station?", "eng_Latn", "short-eval-sentence"),
        doc("Where is the station and the bus stop?", "eng_Latn", "short-inside"),
    ]
    step = DecontaminationFilter([tasks], cache_dir=tmp_path / "cache")
    kept, dropped = run(step, docs)
    assert dropped == {
        "retrieval": "eval_overlap",
        "tsv": "eval_overlap",
        "conll": "eval_overlap",
        "chinese": "eval_overlap",
        "short-eval-sentence": "eval_overlap",
    }
    assert [d.id for d in kept] == ["twelve-words", "label-column", "vref", "chinese-short-overlap", "short-inside"]


def test_index_is_cached_and_rebuilt_when_a_task_file_changes(tasks: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = EvalNgramIndex.build([tasks], cache_dir=cache)
    assert len(list(cache.glob("*.npy"))) == 1
    again = EvalNgramIndex.build([tasks], cache_dir=cache)
    assert np.array_equal(first.hashes, again.hashes)
    assert again.overlaps([RETRIEVAL], spaceless=False).tolist() == [True]
    (tasks / "sib200" / "eng_Latn" / "test.tsv").write_text(
        "one two three four five six seven eight nine ten eleven twelve thirteen\tx\n"
    )
    changed = EvalNgramIndex.build([tasks], cache_dir=cache)
    assert len(list(cache.glob("*.npy"))) == 2
    assert changed.overlaps([CLASSIFIED], spaceless=False).tolist() == [False]


def test_eval_files_skip_ids_vref_and_labels(tasks: Path) -> None:
    names = sorted(path.name for path in eval_files([tasks]))
    assert names == ["cmn_Hani.txt", "eng_Latn.txt", "test.conll", "test.tsv"]


def test_missing_task_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        DecontaminationFilter([tmp_path / "nope"])
