"""Bad input in evaluation: a missing or broken model, a CoNLL line with another column count, a full disk."""

from __future__ import annotations

import shutil

import pytest
from eval_helpers import LATIN, make_sentences, write_lines
from typer.testing import CliRunner

from glot500.cli import app
from glot500.core.errors import Glot500Error, InputError
from glot500.core.results import read_results
from glot500.evaluate.data import LanguageDataError, read_conll


def _retrieval(root):
    verses = make_sentences(LATIN, 8, seed=3)
    for lang in ("deu_Latn", "yor_Latn"):
        write_lines(root / lang / f"{lang}.txt", verses)
        write_lines(root / lang / "eng_Latn.txt", verses)
    return root


def test_a_conll_line_with_another_column_count_names_file_and_line(tmp_path):
    path = tmp_path / "test.conll"
    write_lines(path, ["river\tNOUN", "song\tVERB", "", "stone\tADJ\tNOUN", "sky\tNOUN"])
    with pytest.raises(LanguageDataError) as error:
        read_conll(path)
    assert str(error.value).startswith(f"{path}:4: 3 tab-separated columns where the file's lines have 2")


def test_a_conll_file_of_one_column_count_reads(tmp_path):
    path = tmp_path / "test.conll"
    write_lines(path, ["river\tx\tNOUN", "song\ty\tVERB"])
    assert read_conll(path)[0].tags == ["NOUN", "VERB"]  # the tag is the last column, on every line


def test_a_missing_model_path_stops_before_anything_is_scored(tmp_path, tiny_model):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", "retrieval", "-m", str(tiny_model), "-m", str(tmp_path / "nope"),
                                      "--data", str(_retrieval(tmp_path / "task")), "-o", str(out)])  # fmt: skip
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == f"model path does not exist: {tmp_path / 'nope'}; nothing was scored"
    assert not out.exists()


def test_a_model_that_does_not_load_gets_error_rows_and_the_summary_is_printed(tmp_path, tiny_model):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", "retrieval", "-m", str(tiny_model), "-m", str(broken), "--layer", "1",
                                      "--device", "cpu", "--data", str(_retrieval(tmp_path / "task")), "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(read_results(out / "results.jsonl"))
    good = [r for r in rows if r.model == str(tiny_model)]
    bad = [r for r in rows if r.model == str(broken)]
    assert good and all(r.error is None for r in good)
    assert {(r.lang, r.metric) for r in bad} == {(r.lang, r.metric) for r in good}
    assert all(r.value is None and r.error.startswith("cannot load model") for r in bad)
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "0 langs [2 errors]" in summary
    assert f"warning: {broken}: not scored, cannot load model" in result.output


def test_a_failing_writer_is_one_line_naming_the_file(tmp_path, encoder, monkeypatch):
    import glot500.evaluate.suite as suite
    from glot500.evaluate import EvalConfig, TaskSpec, evaluate

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(suite, "write_results", disk_full)
    spec = TaskSpec("retrieval", _retrieval(tmp_path / "task"))
    with pytest.raises(Glot500Error) as error:
        evaluate(["m"], [spec], tmp_path / "out", EvalConfig(layer=1), encoder_factory=lambda name, cfg: encoder)
    assert str(error.value) == f"cannot write {tmp_path / 'out' / 'results.jsonl'}: No space left on device"


def test_when_no_model_loads_it_is_one_error(tmp_path):
    from glot500.evaluate import EvalConfig, TaskSpec, evaluate

    def unloadable(name, cfg):
        raise InputError(f"cannot load {name}")

    spec = TaskSpec("retrieval", _retrieval(tmp_path / "task"))
    with pytest.raises(InputError) as error:
        evaluate(["a", "b"], [spec], tmp_path / "out", EvalConfig(layer=1), encoder_factory=unloadable)
    assert str(error.value) == "a: cannot load model: cannot load a; b: cannot load model: cannot load b"


def test_a_broken_labels_file_gives_error_rows_and_the_other_tasks_go_on(tmp_path, encoder):
    from glot500.evaluate import EvalConfig, TaskSpec, evaluate

    tags = tmp_path / "pos"
    for split in ("train", "dev", "test"):
        write_lines(tags / "eng_Latn" / f"{split}.conll", ["river\tNOUN", "song\tVERB"])
    write_lines(tags / "deu_Latn" / "test.conll", ["river\tNOUN"])
    (tags / "labels.txt").write_bytes(b"NOUN\n\xff\n")  # not UTF-8
    specs = [TaskSpec("tagging", tags), TaskSpec("retrieval", _retrieval(tmp_path / "task"))]
    rows = evaluate(["m"], specs, tmp_path / "out", EvalConfig(layer=1), encoder_factory=lambda name, cfg: encoder)
    tagging = [r for r in rows if r.task == "tagging"]
    assert {r.lang for r in tagging} == {"deu_Latn", "eng_Latn"}
    assert all(r.value is None and "labels.txt:2: not valid UTF-8" in r.error for r in tagging)
    assert any(r.task == "retrieval" and r.value is not None for r in rows)


def test_a_wrong_label_is_an_error_row_naming_file_and_line(tmp_path):
    from glot500.evaluate.tagging import TaggingTask

    tags = tmp_path / "pos"
    for split in ("train", "dev", "test"):
        write_lines(tags / "eng_Latn" / f"{split}.conll", ["river\tNOUN", "song\tVERB"])
    write_lines(tags / "deu_Latn" / "test.conll", ["river\tNOUN", "", "stone\tADJ"])
    write_lines(tags / "labels.txt", ["NOUN", "VERB"])
    data = TaggingTask().load(tags)
    assert data.errors["deu_Latn"] == f"{tags / 'deu_Latn' / 'test.conll'}:3: tag 'ADJ' is not in labels.txt"


def test_empty_and_missing_task_files_are_error_rows(tmp_path):
    from glot500.evaluate.classification import ClassificationTask

    topics = tmp_path / "topics"
    rows = [f"text {i}\t{'a' if i % 2 else 'b'}" for i in range(6)]
    for split in ("train", "dev", "test"):
        write_lines(topics / "eng_Latn" / f"{split}.tsv", rows)
    write_lines(topics / "deu_Latn" / "test.tsv", ["", " "])
    (topics / "fra_Latn").mkdir()
    (topics / "fra_Latn" / "dev.tsv").write_text("x\ta\n", encoding="utf-8")
    data = ClassificationTask().load(topics)
    assert data.errors["deu_Latn"].endswith("test.tsv: file is empty")
    assert data.errors["fra_Latn"].endswith("test.tsv: file missing")


def test_a_second_evaluation_into_the_same_folder_stops_at_once(tmp_path, encoder):
    from glot500.core.locks import output_lock
    from glot500.evaluate import EvalConfig, TaskSpec, evaluate

    spec = TaskSpec("retrieval", _retrieval(tmp_path / "task"))
    with output_lock(tmp_path / "out", "evaluation"), pytest.raises(InputError, match="another evaluation"):
        evaluate(["m"], [spec], tmp_path / "out", EvalConfig(layer=1), encoder_factory=lambda name, cfg: encoder)
    rows = evaluate(["m"], [spec], tmp_path / "out", EvalConfig(layer=1), encoder_factory=lambda name, cfg: encoder)
    assert rows  # the lock was released with its holder
