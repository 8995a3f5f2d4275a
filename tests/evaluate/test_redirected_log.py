"""``glot500 eval`` with stderr redirected to a file (a Slurm or CI log) writes plain lines, no ``\\r`` bar frames."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from eval_helpers import LATIN, make_sentences, write_lines

import glot500


@pytest.mark.slow
def test_redirected_eval_log_has_no_carriage_returns(tmp_path, tiny_model):
    verses = make_sentences(LATIN, 40, seed=3)
    for lang in ("deu_Latn", "yor_Latn"):
        folder = tmp_path / "tasks" / "retrieval_bible" / lang
        write_lines(folder / f"{lang}.txt", verses)
        write_lines(folder / "eng_Latn.txt", verses)
    log = tmp_path / "eval.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(glot500.__file__).parents[1]),  # the sources under test
        "GLOT500_PROGRESS_INTERVAL": "0",  # a line per batch, so the progress path surely runs
    }
    command = [sys.executable, "-c", "from glot500.cli import main; main()", "eval", "suite", "--model", str(tiny_model),
               "--tasks-dir", str(tmp_path / "tasks"), "--output", str(tmp_path / "out"), "--profile", "cpu-small",
               "--layer", "1"]  # fmt: skip
    with open(log, "wb") as stderr:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env, timeout=600)
    text = log.read_bytes().decode("utf-8")
    assert done.returncode == 0, text[-3000:]
    assert "\r" not in text and "\x1b[" not in text  # no bar frames, no colour codes
    progress_lines = [line for line in text.splitlines() if "glot500.progress" in line and " batch" in line]
    assert progress_lines, text[-3000:]
    assert any("embed (" in line and "done in" not in line for line in progress_lines)
