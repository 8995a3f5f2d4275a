"""Ordinary mistakes on the command line end in one ``error:`` line and exit 2, and destroy nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from corpus_fixtures import sentences, write_lines

from glot500.cli import main

FAST = "minhash:\n  enabled: false\ncorpus_level:\n  min_chunks: 1\n"


def glot500(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the command in this process: (exit status, stderr)."""
    monkeypatch.setattr(sys, "argv", ["glot500", "-q", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code or 0, capsys.readouterr().err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def fast_config(tmp_path: Path) -> str:
    path = tmp_path / "fast.yaml"
    path.write_text(FAST, encoding="utf-8")
    return str(path)


def test_overwrite_never_deletes_the_input(tmp_path: Path, monkeypatch, capsys, fast_config: str) -> None:
    data = tmp_path / "data"
    write_lines(data / "deu_Latn.txt", ["eingabe eins", "eingabe zwei"])
    for output in (data, tmp_path, data / "out"):
        code, err = glot500(monkeypatch, capsys, "corpus", "build", "-i", str(data), "-o", str(output), "--overwrite")
        assert code == 2 and "apart from every input" in one_error_line(err)
    assert (data / "deu_Latn.txt").read_text() == "eingabe eins\neingabe zwei\n"


def test_overwrite_refuses_a_folder_glot500_did_not_write(tmp_path: Path, monkeypatch, capsys) -> None:
    write_lines(tmp_path / "data" / "deu_Latn.txt", ["eingabe"])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("keep me\n")
    code, err = glot500(
        monkeypatch, capsys, "corpus", "build", "-i", str(tmp_path / "data"), "-o", str(mine), "--overwrite"
    )
    assert code == 2 and "not written by glot500" in one_error_line(err)
    assert (mine / "thesis.txt").read_text() == "keep me\n"
    for output in (mine / "thesis.txt", mine / "thesis.txt" / "sub"):
        code, err = glot500(monkeypatch, capsys, "corpus", "build", "-i", str(tmp_path / "data"), "-o", str(output))
        assert code == 2 and ("is a file" in one_error_line(err) or "a part of the path is a file" in err)
    assert (mine / "thesis.txt").read_text() == "keep me\n"


def test_overwrite_rebuilds_its_own_output(tmp_path: Path, monkeypatch, capsys, fast_config: str) -> None:
    write_lines(tmp_path / "data" / "deu_Latn.txt", sentences("latin", 5, seed=1))
    args = ["corpus", "build", "-i", str(tmp_path / "data"), "-o", str(tmp_path / "out"), "-c", fast_config]
    assert glot500(monkeypatch, capsys, *args)[0] == 0
    (tmp_path / "out" / "stale.txt").write_text("from before\n")
    assert glot500(monkeypatch, capsys, *args, "--overwrite")[0] == 0
    assert not (tmp_path / "out" / "stale.txt").exists() and (tmp_path / "out" / "stats.json").is_file()


def test_all_empty_inputs_and_corrupt_stats(tmp_path: Path, monkeypatch, capsys, fast_config: str) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "deu_Latn.txt").write_bytes(b"")
    (tmp_path / "data" / "fra_Latn.txt").write_bytes(b"\n\n")
    out = tmp_path / "out"
    code, err = glot500(
        monkeypatch, capsys, "corpus", "build", "-i", str(tmp_path / "data"), "-o", str(out), "-c", fast_config
    )
    line = one_error_line(err)
    assert code == 2 and "no text read from any input (2 input problems" in line and "empty file" in line
    assert (out / "stats.json").is_file()  # the record of why stays
    (out / "stats.json").write_text('{"schema_version": 1, "langu')
    code, err = glot500(monkeypatch, capsys, "corpus", "stats", str(out))
    assert code == 2 and "not a readable corpus stats file" in one_error_line(err)


def test_a_typo_path_is_not_a_hub_dataset(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "typo").mkdir()
    code, err = glot500(monkeypatch, capsys, "corpus", "build", "-i", "typo/dir", "-o", "out")
    assert code == 2 and "input not found: typo/dir" in one_error_line(err)


def test_demo_udhr_dir_that_is_no_udhr_copy(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "deu_Latn.txt").write_text("not a declaration\n")
    (tmp_path / "page.html").write_text("<html><p>hello</p></html>\n")
    for extra in ([], ["--summary-only"]):
        code, err = glot500(
            monkeypatch, capsys, "demo", "--udhr-dir", str(tmp_path), "--workdir", str(tmp_path / "w"), *extra
        )
        assert code == 2 and "is not a copy of the UDHR" in one_error_line(err)
    assert not (tmp_path / "w").exists()


def test_lang_commands_on_odd_input(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["glot500", "lang", "normalize", "de", "--text", "😀"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == "deu_Latn"
    monkeypatch.setattr(sys, "argv", ["glot500", "lang", "info", "deu_Zyyy"])
    with pytest.raises(SystemExit):
        main()
    assert "group:     none: Zyyy (Common) is not a writing system" in capsys.readouterr().out
    code, err = glot500(monkeypatch, capsys, "lang", "normalize", "q" * 100_000)
    assert code == 2 and len(one_error_line(err)) < 300
