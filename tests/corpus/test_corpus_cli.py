"""`glot500 corpus build | stats | sample` through the typer app, and the Ray executor path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_fixtures import sentences, write_lines
from typer.testing import CliRunner

from glot500.cli import app


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    write_lines(root / "in" / "deu_Latn.txt", sentences("latin", 40, seed=1))
    write_lines(root / "in" / "tha_Thai.txt", sentences("thai", 20, seed=2))
    config = root / "corpus.yaml"
    config.write_text("minhash:\n  enabled: false\ncorpus_level:\n  min_chunks: 10\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "corpus",
            "build",
            "--input",
            str(root / "in"),
            "--output",
            str(root / "out"),
            "--config",
            str(config),
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "language-scripts: 2 read" in result.output
    return root / "out"


def test_build_writes_the_documented_layout(built_dir: Path) -> None:
    stats = json.loads((built_dir / "stats.json").read_text())
    assert set(stats["languages"]) == {"deu_Latn", "tha_Thai"}
    assert json.loads((built_dir / "manifest.json").read_text())["config"]["corpus_level"]["min_chunks"] == 10


def test_stats_prints_a_summary(built_dir: Path) -> None:
    result = CliRunner().invoke(app, ["corpus", "stats", str(built_dir)])
    assert result.exit_code == 0 and "chunks: 60 in" in result.output and "deu_Latn" in result.output


def test_sample_draws_total_chunks(built_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sample.txt"
    args = ["corpus", "sample", str(built_dir), "--alpha", "0.3", "--total", "50", "--seed", "3", "--output", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    first = out.read_text()
    assert len(first.splitlines()) == 50
    assert CliRunner().invoke(app, args).exit_code == 0 and out.read_text() == first


def test_build_without_input_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["corpus", "build", "--output", str(tmp_path / "o")])
    assert result.exit_code != 0 and "nothing to read" in str(result.exception or result.output)


def test_slurm_executor_is_chained_per_stage(tmp_path: Path) -> None:
    from datatrove.executor import SlurmPipelineExecutor

    from glot500.corpus.config import ExecutorSettings
    from glot500.corpus.executors import make_executor

    settings = ExecutorSettings(kind="slurm", workers=8, slurm={"partition": "cpu", "time": "01:00:00"})
    first = make_executor("ingest", [], 16, settings, tmp_path / "ingest")
    second = make_executor("dedup", [], 16, settings, tmp_path / "dedup", depends=first)
    assert isinstance(second, SlurmPipelineExecutor) and second.depends is first
    assert (second.tasks, second.workers, second.partition, second.job_name) == (16, 8, "cpu", "glot500-corpus-dedup")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_ray_executor_builds_the_same_corpus(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    from glot500.corpus.accounting import check_accounting
    from glot500.corpus.build import build_corpus
    from glot500.corpus.config import CorpusConfig, SourceConfig

    write_lines(tmp_path / "in" / "deu_Latn.txt", sentences("latin", 30, seed=5))
    write_lines(tmp_path / "in" / "cmn_Hani.txt", sentences("han", 20, seed=6) + ["", "\ufffd"])
    # dedup stages off: each Ray task costs seconds of scheduling; ingest, publish (2 tasks each) + finalize show it
    common = {
        "sources": [SourceConfig(type="text", path=str(tmp_path / "in"))],
        "minhash": {"enabled": False},
        "exact_dedup": {"enabled": False},
    }
    local = build_corpus(CorpusConfig(output=str(tmp_path / "local"), **common))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        config = CorpusConfig(output=str(tmp_path / "ray"), executor={"kind": "ray", "workers": 2}, **common)
        on_ray = build_corpus(config)
    finally:
        ray.shutdown()
    assert on_ray == local and on_ray["totals"]["chunks_in"] == 51 and check_accounting(on_ray) == []
    assert {p.parent.name for p in (tmp_path / "ray" / "data").glob("*/*.parquet")} == {"deu_Latn", "cmn_Hani"}


def test_two_workers_build_the_same_corpus_as_one(tmp_path: Path) -> None:
    from glot500.corpus.build import build_corpus
    from glot500.corpus.config import CorpusConfig, SourceConfig

    for label, kind, seed in (("deu_Latn", "latin", 7), ("tha_Thai", "thai", 8), ("rus_Cyrl", "cyrillic", 9)):
        lines = sentences(kind, 30, seed=seed)
        write_lines(tmp_path / "in" / f"{label}.txt", lines + lines[:5])
    common = {"sources": [SourceConfig(type="text", path=str(tmp_path / "in"))], "minhash": {"enabled": False}}
    one = build_corpus(CorpusConfig(output=str(tmp_path / "one"), **common))
    two = build_corpus(CorpusConfig(output=str(tmp_path / "two"), executor={"workers": 2}, **common))
    assert one == two and one["totals"]["dropped"]["exact_dedup:duplicate"] == 15


def test_an_input_folder_without_files_is_one_clear_error(tmp_path):
    """An empty input folder used to crash deep inside a stage ('negative dimensions are not allowed')."""
    import subprocess
    import sys

    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", "from glot500.cli import main; main()", "corpus", "build", "--input", str(empty),
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{empty}: no input files found" in result.stderr and "Traceback" not in result.stderr
