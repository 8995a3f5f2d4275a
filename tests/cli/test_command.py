"""The glot500 command: groups, lang normalize/info, error exits (run as a real subprocess)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def glot500(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from glot500.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_every_group() -> None:
    result = glot500("--help")
    assert result.returncode == 0
    for group in ("lang", "corpus", "lid", "vocab", "model", "train", "eval", "report", "run", "demo"):
        assert group in result.stdout


def test_lang_normalize_prints_one_label_per_line() -> None:
    result = glot500("lang", "normalize", "de", "ger", "deu", "deu_Latn", "sr-Latn", "sr-Cyrl-RS", "am")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:7] == [
        "deu_Latn",
        "deu_Latn",
        "deu_Latn",
        "deu_Latn",
        "srp_Latn",
        "srp_Cyrl",
        "amh_Ethi",
    ]


def test_lang_normalize_with_text() -> None:
    result = glot500("lang", "normalize", "uzb", "--text", "Барча одамлар эркин")
    assert (result.returncode, result.stdout.strip()) == (0, "uzb_Cyrl")


@pytest.mark.parametrize("bad", ["qqqq", "xx-Latn"])
def test_unknown_code_exits_2_with_one_line_naming_it(bad: str) -> None:
    result = glot500("lang", "normalize", "de", bad)
    assert result.returncode == 2
    assert bad.split("-")[0] in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""  # all or nothing


def test_lang_info() -> None:
    result = glot500("lang", "info", "yor_Latn")
    assert result.returncode == 0
    assert "Yoruba" in result.stdout and "tail" in result.stdout and "Latin" in result.stdout
    assert "head" in glot500("lang", "info", "de").stdout
