"""The suite over a tiny task tree: results.jsonl with valid rows, summaries, manifest; CLI included."""

from __future__ import annotations

import json
import shutil

import pytest
from eval_helpers import LATIN, make_sentences, write_lines
from typer.testing import CliRunner

from glot500.cli import app
from glot500.core.results import read_results
from glot500.evaluate.summary import summarize


def _task_tree(root):
    verses = make_sentences(LATIN, 10, seed=21)
    for lang in ("deu_Latn", "fra_Latn", "yor_Latn"):
        write_lines(root / "retrieval_bible" / lang / f"{lang}.txt", verses)
        write_lines(root / "retrieval_bible" / lang / "eng_Latn.txt", verses)
        write_lines(root / "retrieval_bible" / lang / "vref.txt", [f"GEN 1:{i}" for i in range(10)])
    write_lines(root / "retrieval_bible" / "fra_Latn" / "fra_Latn.txt", verses[:9])  # misaligned
    rows = [f"{s}\t{'good' if i % 2 else 'bad'}" for i, s in enumerate(make_sentences(LATIN, 24, seed=22))]
    for split in ("train", "dev", "test"):
        write_lines(root / "topics" / "eng_Latn" / f"{split}.tsv", rows)
    write_lines(root / "topics" / "yor_Latn" / "test.tsv", rows[:8])
    conll = "river\tNOUN\nsong\tVERB\n\nstone\tNOUN\n"
    for split in ("train", "dev", "test"):
        write_lines(root / "pos" / "eng_Latn" / f"{split}.conll", [conll])
    write_lines(root / "pos" / "deu_Latn" / "test.conll", [conll])
    (root / "notes").mkdir()  # not a task folder: skipped


@pytest.mark.slow
def test_suite_cli_writes_valid_results_for_two_models(tmp_path, tiny_model):
    _task_tree(tmp_path / "tasks")
    second = tmp_path / "org" / "model-b"  # names with "/" are fine: never parsed
    shutil.copytree(tiny_model, second)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "suite",
            "--model",
            str(tiny_model),
            "--model",
            str(second),
            "--tasks-dir",
            str(tmp_path / "tasks"),
            "--output",
            str(out),
            "--profile",
            "cpu-small",
            "--layer",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(read_results(out / "results.jsonl"))
    assert {r.model for r in rows} == {str(tiny_model), str(second)}
    cells = {(r.model, r.task, r.dataset, r.lang, r.metric) for r in rows}
    assert len(cells) == len(rows)  # one row per cell
    tasks = {(r.task, r.dataset) for r in rows}
    assert tasks == {
        ("retrieval", "retrieval_bible"),
        ("pseudo_perplexity", "retrieval_bible"),
        ("roundtrip", "retrieval_bible"),
        ("classification", "topics"),
        ("tagging", "pos"),
    }
    by_cell = {(r.model, r.task, r.lang, r.metric): r for r in rows}
    assert by_cell[(str(second), "retrieval", "deu_Latn", "top1")].value == 1.0
    assert "misaligned" in by_cell[(str(second), "retrieval", "fra_Latn", "top10")].error
    assert by_cell[(str(second), "roundtrip", "deu_Latn", "roundtrip")].value == 1.0
    assert by_cell[(str(tiny_model), "classification", "yor_Latn", "macro_f1")].n == 8
    assert by_cell[(str(tiny_model), "tagging", "deu_Latn", "accuracy")].n == 3
    assert not by_cell[(str(tiny_model), "pseudo_perplexity", "yor_Latn", "ppl_per_char")].higher_is_better
    summary = (out / "summary.md").read_text()
    assert str(second) in summary and "| retrieval | retrieval_bible | top1 |" in summary
    assert "[1 errors]" in summary and summary in result.output
    assert (out / "summary.tsv").read_text().count("\n") == 1 + 2 * len(summarize(rows)[1])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stage"] == "evaluate" and manifest["counts"]["rows"] == len(rows)
    assert manifest["config"]["profile"] == "cpu-small"


def test_summary_averages_head_and_tail_apart():
    from glot500.core.results import ResultRow

    def row(lang, value, head, error=None):
        return ResultRow(
            model="m", task="retrieval", dataset="d", lang=lang, metric="top10", value=value, head=head, error=error
        )

    _, table = summarize(
        [
            row("deu_Latn", 0.8, True),
            row("fra_Latn", 0.6, True),
            row("yor_Latn", 0.2, False),
            row("quc_Latn", None, False, error="file missing"),
        ]
    )
    cell = table[("retrieval", "d", "top10")]["m"]
    assert cell.head == pytest.approx(0.7) and cell.tail == pytest.approx(0.2)
    assert cell.all == pytest.approx(1.6 / 3) and cell.languages == 3 and cell.errors == 1


def test_cli_single_task_and_import(tmp_path, tiny_model):
    runner = CliRunner()
    verses = make_sentences(LATIN, 6, seed=2)
    write_lines(tmp_path / "laser" / "tatoeba.deu-eng.deu", verses)
    write_lines(tmp_path / "laser" / "tatoeba.deu-eng.eng", verses)
    result = runner.invoke(app, ["eval", "import", "tatoeba", str(tmp_path / "laser"), "--output", str(tmp_path / "t")])
    assert result.exit_code == 0 and "1 languages written" in result.output
    result = runner.invoke(
        app,
        [
            "eval",
            "retrieval",
            "-m",
            str(tiny_model),
            "--data",
            str(tmp_path / "t"),
            "--output",
            str(tmp_path / "o"),
            "--layer",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    [top1, top10] = list(read_results(tmp_path / "o" / "results.jsonl"))
    assert (top1.metric, top1.value, top10.metric) == ("top1", 1.0, "top10")


def test_invalid_options_are_config_errors(tmp_path, tiny_model):
    from glot500.core.errors import ConfigError

    _task_tree(tmp_path / "tasks")
    args = ["eval", "suite", "-m", str(tiny_model), "-t", str(tmp_path / "tasks"), "-o", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--profile", "huge"])
    assert isinstance(result.exception, ConfigError) and "profile" in str(result.exception)
    result = CliRunner().invoke(app, [*args, "--as", "pos"])
    assert isinstance(result.exception, ConfigError) and "FOLDER=TASK" in str(result.exception)


def test_a_missing_model_is_a_clear_input_error(tmp_path):
    from glot500.core.errors import InputError

    _task_tree(tmp_path / "tasks")
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "retrieval",
            "-m",
            str(tmp_path / "no-model"),
            "--data",
            str(tmp_path / "tasks" / "retrieval_bible"),
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert isinstance(result.exception, InputError) and "does not exist" in str(result.exception)


def test_a_task_that_fails_as_a_whole_gives_error_rows_and_the_suite_goes_on(tmp_path, encoder, monkeypatch):
    from glot500.evaluate import EvalConfig, TaskSpec, evaluate

    _task_tree(tmp_path / "tasks")

    def out_of_memory(kind, num_labels):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(encoder, "finetunable", out_of_memory)
    specs = [
        TaskSpec("classification", tmp_path / "tasks" / "topics"),
        TaskSpec("retrieval", tmp_path / "tasks" / "retrieval_bible"),
    ]
    rows = evaluate(["m"], specs, tmp_path / "out", EvalConfig(layer=1), encoder_factory=lambda name, cfg: encoder)
    failed = [r for r in rows if r.task == "classification"]
    assert {r.lang for r in failed} == {"eng_Latn", "yor_Latn"}
    assert all(r.error == "RuntimeError: CUDA out of memory" for r in failed)
    assert any(r.task == "retrieval" and r.value == 1.0 for r in rows)
