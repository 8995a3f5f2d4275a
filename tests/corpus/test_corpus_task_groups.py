"""Stages of little work per partition run several partitions per task, with the files of one task each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_fixtures import sentences, write_lines
from datatrove.data import DocumentsPipeline
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from glot500.core.errors import ConfigError
from glot500.corpus.build import build_corpus, datatrove_stages
from glot500.corpus.config import CorpusConfig, SourceConfig
from glot500.corpus.process_settings import quiet_datatrove
from glot500.corpus.steps import RankGroup
from glot500.corpus.units import expand_sources


class RecordingStep(PipelineStep):
    name = "recorder"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int]] = []

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        self.calls.append((rank, world_size))
        self.stat_update("runs")
        yield from ()


def test_a_rank_group_runs_each_inner_rank_once_with_the_inner_world_size() -> None:
    step = RecordingStep()
    group = RankGroup([step], ranks=10)
    for task in range(3):
        group(None, task, 3)
    assert sorted(step.calls) == [(rank, 10) for rank in range(10)]
    assert group.stats is step.stats and step.stats["runs"].total == 10  # the stage reports the inner block


def write_input(root: Path) -> None:
    """Six files (shards of unequal size) with exact and near duplicates across them."""
    for index, label in enumerate(["deu_Latn", "eng_Latn", "fra_Latn", "nld_Latn", "ita_Latn", "spa_Latn"]):
        lines = sentences("latin", 30 + 10 * index, seed=40 + index)
        lines += [lines[0], lines[1].replace(".", "!") + " 12"]  # exact duplicates (up to punctuation, digits)
        lines += [lines[2] + " " + lines[3], lines[2] + " " + lines[3].rsplit(" ", 1)[0] + " zorimak"]  # near
        write_lines(root / f"{label}.txt", lines)


def published_files(out: Path) -> dict[str, bytes]:
    files = [path for folder in ("data", "dropped") for path in sorted((out / folder).glob("**/*.parquet"))]
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in files}


@pytest.mark.parametrize("workers", [1, 2])
def test_grouped_stages_publish_the_same_bytes_as_one_task_per_partition(tmp_path: Path, workers: int) -> None:
    write_input(tmp_path / "input")
    config = CorpusConfig(
        sources=[SourceConfig(type="text", path=str(tmp_path / "input"))],
        output=str(tmp_path / "grouped"),
        minhash={"enabled": True},
        executor={"tasks": 6, "workers": workers},  # 2: the grouped tasks run in a process pool
    )
    stats = build_corpus(config)
    assert stats["totals"]["kept"] < stats["totals"]["chunks_in"]
    stages = {stage.name: stage.tasks for stage in datatrove_stages(config, expand_sources(config.sources), 6)}
    assert stages["publish"] == 2 and stages["exact_find"] == 2 and stages["minhash_buckets"] < 14

    ungrouped = config.model_copy(update={"output": str(tmp_path / "ungrouped")})
    with quiet_datatrove():
        for stage in datatrove_stages(ungrouped, expand_sources(ungrouped.sources), 6, ranks_per_task=1):
            logs = tmp_path / "ungrouped" / "work" / "logs" / stage.name
            LocalPipelineExecutor(stage.pipeline, tasks=stage.tasks, workers=1, logging_dir=str(logs)).run()
    grouped_files = published_files(tmp_path / "grouped")
    assert len(list((tmp_path / "grouped" / "data").iterdir())) == 6
    assert {name.split("/")[1] for name in grouped_files if name.startswith("dropped/")} >= {"exact_dedup", "minhash"}
    assert grouped_files == published_files(tmp_path / "ungrouped")
    assert json.loads((tmp_path / "ungrouped" / "stats.json").read_text()) == stats


def test_an_unfinished_build_of_another_work_layout_is_not_resumed(tmp_path: Path) -> None:
    write_lines(tmp_path / "input" / "deu_Latn.txt", sentences("latin", 20, seed=3))
    config = CorpusConfig(
        sources=[SourceConfig(type="text", path=str(tmp_path / "input"))], output=str(tmp_path / "out")
    )
    stats = build_corpus(config)
    marker = tmp_path / "out" / "work" / "config_fingerprint.json"
    marker.write_text(json.dumps({"fingerprint": config.fingerprint()}))  # as written before the layout was recorded
    assert build_corpus(config) == stats  # finished: rerunning it does nothing, whoever split it
    (tmp_path / "out" / "stats.json").unlink()
    with pytest.raises(ConfigError, match="another glot500 version"):
        build_corpus(config)
    assert build_corpus(config, overwrite=True) == stats
