"""Each importer on tiny hand-made files in the original distribution's format."""

from __future__ import annotations

import pytest
from eval_helpers import write_lines

from glot500.core.errors import InputError
from glot500.evaluate.data import detect_task_type, read_conll, read_lines, read_tsv
from glot500.evaluate.importers import import_dataset


def test_tatoeba(tmp_path):
    src = tmp_path / "laser"
    write_lines(src / "tatoeba.deu-eng.deu", ["Ich bin hier.", "Danke."])
    write_lines(src / "tatoeba.deu-eng.eng", ["I am here.", "Thanks."])
    write_lines(src / "tatoeba.rus-eng.rus", ["Привет."])
    write_lines(src / "tatoeba.rus-eng.eng", ["Hello.", "Extra line."])  # misaligned: skipped
    out = tmp_path / "out"
    assert import_dataset("tatoeba", src, out) == ["deu_Latn"]
    assert read_lines(out / "deu_Latn" / "deu_Latn.txt") == ["Ich bin hier.", "Danke."]
    assert read_lines(out / "deu_Latn" / "eng_Latn.txt") == ["I am here.", "Thanks."]
    assert detect_task_type(out) == "retrieval"


def test_sib200(tmp_path):
    src = tmp_path / "sib200" / "data" / "annotated"
    for split in ("train", "dev", "test"):
        write_lines(
            src / "hau_Latn" / f"{split}.tsv",
            ["index_id\tcategory\ttext", "1\tsports\tSun buga ƙwallo.", "2\thealth\tYana da lafiya."],
        )
    out = tmp_path / "out"
    assert import_dataset("sib200", tmp_path / "sib200", out) == ["hau_Latn"]
    assert read_tsv(out / "hau_Latn" / "test.tsv") == (["Sun buga ƙwallo.", "Yana da lafiya."], ["sports", "health"])
    assert read_lines(out / "labels.txt") == ["health", "sports"]
    assert detect_task_type(out) == "classification"


def test_taxi1500(tmp_path):
    src = tmp_path / "taxi"
    write_lines(src / "deu_Latn" / "deu_Latn_test.tsv", ["id\tverse\tlabel", "40001001\tIm Anfang\tFaith"])
    write_lines(src / "deu_Latn" / "deu_Latn_dev.tsv", ["id\tverse\tlabel", "40001002\tUnd Gott\tGrace"])
    out = tmp_path / "out"
    assert import_dataset("taxi1500", src, out) == ["deu_Latn"]
    assert read_tsv(out / "deu_Latn" / "test.tsv") == (["Im Anfang"], ["Faith"])
    assert (out / "deu_Latn" / "dev.tsv").is_file() and not (out / "deu_Latn" / "train.tsv").exists()


CONLLU = """# sent_id = 1
# text = Ek sien dit.
1-2\tEk sien\t_\t_\t_\t_\t_\t_\t_\t_
1\tEk\tek\tPRON\t_\t_\t2\tnsubj\t_\t_
2\tsien\tsien\tVERB\t_\t_\t0\troot\t_\t_
2.1\tx\tx\tX\t_\t_\t_\t_\t_\t_
3\tdit\tdit\tPRON\t_\t_\t2\tobj\t_\t_

"""


def test_conllu(tmp_path):
    src = tmp_path / "ud" / "UD_Afrikaans-AfriBooms"
    src.mkdir(parents=True)
    (src / "af_afribooms-ud-test.conllu").write_text(CONLLU, encoding="utf-8")
    out = tmp_path / "out"
    assert import_dataset("conllu", tmp_path / "ud", out) == ["afr_Latn"]
    [sentence] = read_conll(out / "afr_Latn" / "test.conll")
    assert sentence.words == ["Ek", "sien", "dit"] and sentence.tags == ["PRON", "VERB", "PRON"]
    assert detect_task_type(out) == "tagging"


def test_masakhaner(tmp_path):
    src = tmp_path / "masakhaner2" / "yor"
    write_lines(src / "test.txt", ["Adé B-PER", "lọ O", "sí O", "Èkó B-LOC", "", "Ó O", "dára O"])
    out = tmp_path / "out"
    assert import_dataset("masakhaner", tmp_path / "masakhaner2", out) == ["yor_Latn"]
    sentences = read_conll(out / "yor_Latn" / "test.conll")
    assert [s.tags for s in sentences] == [["B-PER", "O", "O", "B-LOC"], ["O", "O"]]
    assert read_lines(out / "labels.txt") == ["B-LOC", "B-PER", "O"]


def test_unknown_format_and_empty_sources_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="unknown format"):
        import_dataset("xnli", tmp_path, tmp_path / "out")
    with pytest.raises(InputError, match="no tatoeba files found"):
        import_dataset("tatoeba", tmp_path, tmp_path / "out")
