"""Train a fastText LID model on a tiny synthetic corpus, predict with it, and run `glot500 lid`."""

from __future__ import annotations

import json
import pickle

import pytest
from typer.testing import CliRunner

from glot500.cli import app
from glot500.core.errors import InputError
from glot500.lid import LanguageIdentifier
from glot500.lid.train import LidTrainConfig, train_lid


def test_training_writes_model_and_per_label_report(tiny_model) -> None:
    output, report = tiny_model
    assert output.is_file()
    assert json.loads(output.with_name("lid.bin.report.json").read_text())["labels"] == 3
    assert report["train_chunks"] + report["heldout_chunks"] == 240
    assert report["heldout_chunks"] == 3 * 16  # 20% of 80 per label
    assert set(report["per_label"]) == {"eng_Latn", "deu_Latn", "rus_Cyrl"}
    assert report["macro"]["recall"] > 0.9 and report["macro"]["precision"] > 0.9
    tsv = output.with_name("lid.bin.report.tsv").read_text().splitlines()
    assert tsv[0] == "label\tprecision\trecall\tf1\tsupport" and len(tsv) == 4


def test_a_label_that_cannot_be_read_is_reported_and_skipped(tmp_path, sentences) -> None:
    def broken():
        yield "das haus"
        raise OSError("disk on fire")

    texts = {"eng_Latn": iter(sentences("eng_Latn", 30, 1)), "rus_Cyrl": iter(sentences("rus_Cyrl", 30, 2))}
    texts["deu_Latn"] = broken()
    config = LidTrainConfig(epoch=5, lr=0.1, dim=16, bucket=5000, threads=1, max_per_label=20, loss="softmax")
    report = train_lid(texts, tmp_path / "m.bin", config)
    assert report["labels"] == 2 and report["train_chunks"] + report["heldout_chunks"] == 40
    assert report["errors"] == [{"label": "deu_Latn", "error": "OSError: disk on fire"}]
    with pytest.raises(InputError, match="no chunks"):
        train_lid({"eng_Latn": iter([])}, tmp_path / "empty.bin", config)


def test_predict_returns_k_labels_with_probabilities(tiny_model, sentences) -> None:
    identifier = LanguageIdentifier(tiny_model[0])
    texts = [sentences(label, 1, 99)[0] for label in ("eng_Latn", "deu_Latn", "rus_Cyrl")]
    predictions = identifier.predict(texts + ["line one\nline two of the garden"], k=2)
    assert [p[0][0] for p in predictions[:3]] == ["eng_Latn", "deu_Latn", "rus_Cyrl"]
    assert all(len(p) == 2 and 0 <= p[1][1] <= p[0][1] <= 1 for p in predictions)
    assert identifier.labels == {"eng_Latn", "deu_Latn", "rus_Cyrl"}
    assert identifier.predict([]) == []


def test_identifier_loads_lazily_and_pickles_without_the_model(tiny_model, tmp_path) -> None:
    identifier = LanguageIdentifier(tmp_path / "missing.bin")  # no error until used
    with pytest.raises(InputError, match="missing.bin"):
        identifier.predict(["text"])
    loaded = LanguageIdentifier(tiny_model[0])
    loaded.predict(["the house"])
    clone = pickle.loads(pickle.dumps(loaded))
    assert clone._model is None and clone.predict(["das haus ist gross"])[0][0][0] == "deu_Latn"


def test_cli_train_and_predict(tiny_corpus, tmp_path) -> None:
    runner = CliRunner()
    model = tmp_path / "cli.bin"
    result = runner.invoke(
        app,
        [
            "lid",
            "train",
            str(tiny_corpus),
            "--output",
            str(model),
            "--epoch",
            "20",
            "--lr",
            "0.2",
            "--loss",
            "softmax",
            "--dim",
            "16",
            "--threads",
            "1",
            "--bucket",
            "20000",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 labels" in result.output and "macro precision" in result.output
    result = runner.invoke(app, ["lid", "predict", "--model", str(model), "-k", "2", "дом большой", "the dog runs"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.strip().splitlines()]
    assert [row[0] for row in rows] == ["rus_Cyrl", "eng_Latn"] and all(len(row) == 4 for row in rows)
    lines = tmp_path / "input.txt"
    lines.write_text("das haus ist gross\nмой друг\n", encoding="utf-8")
    result = runner.invoke(app, ["lid", "predict", "--model", str(model), "--input", str(lines)])
    assert [line.split("\t")[0] for line in result.output.strip().splitlines()] == ["deu_Latn", "rus_Cyrl"]


def test_cli_rejects_bad_options(tiny_corpus, tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["lid", "train", str(tiny_corpus), "-o", str(tmp_path / "m.bin"), "--holdout", "1.5"])
    assert result.exit_code != 0 and "holdout" in str(result.exception)
    result = runner.invoke(app, ["lid", "predict", "--model", str(tmp_path / "m.bin")])
    assert result.exit_code != 0 and "--input" in str(result.exception)
