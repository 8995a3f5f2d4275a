"""``glot500 vocab train/extend/report`` and ``glot500 model extend`` end to end on the toy corpus."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from toy_languages import HEAD
from typer.testing import CliRunner

from glot500.cli import app

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@pytest.mark.slow
def test_train_extend_report_and_model_extend(toy_corpus, tmp_path):
    from glot500.model.tiny import make_tiny_mlm

    config = tmp_path / "vocab.yaml"
    config.write_text(f"corpus: {toy_corpus}\nvocab_size: 200\nsample_size: 500\nnum_threads: 1\n")
    base = invoke("vocab", "train", "--config", config, "--head-only", "--output", tmp_path / "base")
    added = invoke("vocab", "train", "--config", config, "--vocab-size", "800", "--output", tmp_path / "added")
    assert set(json.loads((tmp_path / "base" / "manifest.json").read_text())["counts"]["sampled_chunks"]) == set(HEAD)
    merged = invoke("vocab", "extend", "--base", base, "--add", added, "--output", tmp_path / "merged")
    counts = json.loads((tmp_path / "merged" / "manifest.json").read_text())["counts"]
    assert counts["appended"] > 0 and counts["mask_id_after"] == counts["hf_vocab_size"] - 1
    report = invoke("vocab", "report", "--tokenizer", f"base={base}", "--tokenizer", merged, "--corpus", toy_corpus,
                    "--output", tmp_path / "report", "--max-sentences", "20", "--no-plots")  # fmt: skip
    summary = json.loads((tmp_path / "report" / "report.json").read_text())["summary"]
    assert summary["merged"]["tail"]["unk_share"] < summary["base"]["tail"]["unk_share"]
    assert report.endswith("report")
    model = make_tiny_mlm(base, tmp_path / "model", hidden_size=16, intermediate_size=32)
    out = invoke("model", "extend", "--base", model, "--tokenizer", merged, "--init", "subword-mean",
                 "--output", tmp_path / "extended")  # fmt: skip
    manifest = json.loads((tmp_path / "extended" / "manifest.json").read_text())
    assert manifest["config"]["init"] == "subword-mean" and manifest["counts"]["new_vocab"] == counts["hf_vocab_size"]
    assert out.endswith("extended")


def test_bad_added_model_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_text("not a model\n")
    result = subprocess.run(
        [sys.executable, "-c", "from glot500.cli import main; main()", "vocab", "extend", "--base", str(bad),
         "--add", str(bad), "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not a SentencePiece model" in result.stderr and "Traceback" not in result.stderr


def test_byte_level_family_train_like_and_extend_from_the_command_line(toy_corpus, tmp_path):
    base = invoke("vocab", "train", "--corpus", toy_corpus, "--family", "byte-level-bpe", "--vocab-size", "300",
                  "--sample-size", "500", "--head-only", "--output", tmp_path / "base")  # fmt: skip
    added = invoke("vocab", "train", "--corpus", toy_corpus, "--like", base, "--vocab-size", "600",
                   "--sample-size", "1500", "--output", tmp_path / "added")  # fmt: skip
    merged = invoke("vocab", "extend", "--base", base, "--add", added, "--output", tmp_path / "merged",
                    "--max-new-tokens", "100", "--pad-to-multiple-of", "128")  # fmt: skip
    manifest = json.loads((tmp_path / "merged" / "manifest.json").read_text())
    assert manifest["family"] == "byte-level-bpe" and 0 < manifest["counts"]["appended"] <= 100
    assert manifest["counts"]["vocab_size"] % 128 == 0
    assert merged.endswith("merged")


def test_a_wordpiece_base_exits_2_with_one_line(tmp_path):
    from tokenizers import Tokenizer, models

    (tmp_path / "bert").mkdir()
    Tokenizer(models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]")).save(str(tmp_path / "bert" / "tokenizer.json"))
    result = subprocess.run(
        [sys.executable, "-c", "from glot500.cli import main; main()", "vocab", "extend", "--base",
         str(tmp_path / "bert"), "--add", str(tmp_path / "bert"), "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WordPiece cannot be extended" in lines[0] and "bert" in lines[0]
