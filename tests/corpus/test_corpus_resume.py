"""A build killed mid-run (SIGKILL of the whole process group) and started again ends identical to a clean run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from corpus_fixtures import sentences, write_lines

from glot500.corpus.build import build_corpus
from glot500.corpus.config import CorpusConfig, SourceConfig

RUNNER = """
import sys
from glot500.corpus.config import CorpusConfig
from glot500.corpus.build import build_corpus
if __name__ == "__main__":
    build_corpus(CorpusConfig.model_validate_json(open(sys.argv[1]).read()))
"""


def snapshot(out: Path) -> dict[str, object]:
    """Everything a downstream stage reads: rows of every data/ and dropped/ file, and stats.json."""
    files = {str(p.relative_to(out)): pq.read_table(p).to_pylist() for p in sorted(out.glob("data/**/*.parquet"))}
    files |= {str(p.relative_to(out)): pq.read_table(p).to_pylist() for p in sorted(out.glob("dropped/**/*.parquet"))}
    return {"files": files, "stats": json.loads((out / "stats.json").read_text())}


def kill_when(marker_dir: Path, process: subprocess.Popen, timeout: float = 60) -> bool:
    """SIGKILL the run as soon as a task of the watched stage has finished; False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if marker_dir.is_dir() and any(marker_dir.iterdir()):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            wait_until_gone(process.pid)
            return True
        time.sleep(0.005)
    return False


def wait_until_gone(group: int, timeout: float = 5) -> None:
    """Until no process of the group is left (a child of the killed run, e.g. datatrove's Manager process, holds
    the output lock until it has exited); an unreaped zombie, which holds nothing, only costs the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


@pytest.fixture(scope="module")
def corpus_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resume_in")
    for label, kind, seed in (
        ("deu_Latn", "latin", 1),
        ("eng_Latn", "latin", 2),
        ("cmn_Hani", "han", 3),
        ("rus_Cyrl", "cyrillic", 4),
    ):
        lines = sentences(kind, 150, seed=seed)
        write_lines(root / f"{label}.txt", lines + lines[:20])  # duplicates for the dedup stages
    return root


def config_for(corpus_input: Path, out: Path) -> CorpusConfig:
    return CorpusConfig(
        sources=[SourceConfig(type="text", path=str(corpus_input), name="fixture")],
        output=str(out),
        executor={"tasks": 4},
    )


@pytest.fixture(scope="module")
def reference(corpus_input: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("resume_ref") / "out"
    build_corpus(config_for(corpus_input, out))
    return snapshot(out)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["ingest", "publish"])
def test_killed_run_resumes_to_identical_output(stage: str, corpus_input: Path, reference, tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = config_for(corpus_input, out)
    config_file = tmp_path / "config.json"
    config_file.write_text(config.model_dump_json())
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(config_file)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed = kill_when(out / "work" / "logs" / stage / "completions", process)
    assert killed, f"the run finished before a {stage} task completed; nothing was interrupted"
    assert not (out / "stats.json").exists()
    build_corpus(config)  # the same command again
    assert snapshot(out) == reference
