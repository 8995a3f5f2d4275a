"""The corpus build on datatrove's own local executor: quiet tasks, and process settings put back afterwards."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from corpus_fixtures import sentences, write_lines
from datatrove.executor import LocalPipelineExecutor
from datatrove.utils.logging import log_pipeline, logger

from glot500.corpus.build import build_corpus
from glot500.corpus.config import CorpusConfig, ExecutorSettings, SourceConfig
from glot500.corpus.executors import QuietLocalPipelineExecutor, make_executor
from glot500.corpus.process_settings import (
    DATATROVE_LOGS_ENV,
    GC_FREEZE_ENV,
    TQDM_DISABLE_ENV,
    frozen_gc,
    quiet_datatrove,
)


def small_config(root: Path, workers: int) -> CorpusConfig:
    write_lines(root / "input" / "deu_Latn.txt", sentences("latin", 30, seed=1))
    write_lines(root / "input" / "eng_Latn.txt", sentences("latin", 30, seed=2))
    return CorpusConfig(
        sources=[SourceConfig(type="text", path=str(root / "input"))],
        output=str(root / "out"),
        executor={"workers": workers, "tasks": 2},
    )


def datatrove_logs_reach_a_sink() -> bool:
    messages: list[str] = []
    sink = logger.add(messages.append, level="INFO")
    try:
        log_pipeline([])  # a datatrove function that logs at INFO
    finally:
        logger.remove(sink)
    return bool(messages)


def test_the_local_executor_is_datatroves_own(tmp_path: Path) -> None:
    executor = make_executor("ingest", [], 4, ExecutorSettings(workers=2), tmp_path / "logs")
    assert isinstance(executor, LocalPipelineExecutor) and isinstance(executor, QuietLocalPipelineExecutor)
    assert (executor.tasks, executor.workers) == (4, 2)


def test_quiet_datatrove_restores_what_it_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATATROVE_LOGS_ENV, raising=False)
    monkeypatch.setenv(TQDM_DISABLE_ENV, "0")
    with quiet_datatrove():
        assert os.environ[TQDM_DISABLE_ENV] == "1" and not datatrove_logs_reach_a_sink()
    assert os.environ[TQDM_DISABLE_ENV] == "0" and datatrove_logs_reach_a_sink()
    monkeypatch.delenv(TQDM_DISABLE_ENV)
    with pytest.raises(RuntimeError), quiet_datatrove():
        raise RuntimeError("a failed build")
    assert TQDM_DISABLE_ENV not in os.environ and datatrove_logs_reach_a_sink()


def test_datatrove_logs_stay_on_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATATROVE_LOGS_ENV, "1")
    monkeypatch.delenv(TQDM_DISABLE_ENV, raising=False)
    with quiet_datatrove():
        assert TQDM_DISABLE_ENV not in os.environ and datatrove_logs_reach_a_sink()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_prints_no_task_logs_and_restores_the_process(
    tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(DATATROVE_LOGS_ENV, raising=False)
    monkeypatch.delenv(TQDM_DISABLE_ENV, raising=False)
    stats = build_corpus(small_config(tmp_path, workers))
    assert stats["totals"]["kept"] > 0
    printed = capfd.readouterr().err
    assert "Launching pipeline" not in printed and "PIPELINE" not in printed  # also from pool workers
    assert TQDM_DISABLE_ENV not in os.environ and datatrove_logs_reach_a_sink()
    assert (tmp_path / "out" / "work" / "logs" / "ingest" / "logs" / "task_00000.log").is_file()


def test_frozen_gc_freezes_during_the_block_and_unfreezes_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(GC_FREEZE_ENV, "1")
    assert gc.get_freeze_count() == 0
    with frozen_gc() as refreeze:
        frozen = gc.get_freeze_count()
        assert frozen > 0 and gc.isenabled()  # the collector still runs, for what is made later
        made_later = [[] for _ in range(1000)]
        refreeze()
        assert gc.get_freeze_count() >= frozen + len(made_later)
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), frozen_gc():
        raise RuntimeError("a failed build")
    assert gc.get_freeze_count() == 0


def test_frozen_gc_is_opt_in_and_leaves_a_frozen_process_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in (None, "0"):  # off by default and when switched off
        if setting is None:
            monkeypatch.delenv(GC_FREEZE_ENV, raising=False)
        else:
            monkeypatch.setenv(GC_FREEZE_ENV, setting)
        with frozen_gc() as refreeze:
            refreeze()
            assert gc.get_freeze_count() == 0
    monkeypatch.setenv(GC_FREEZE_ENV, "1")
    gc.freeze()  # the application froze its own objects: they stay frozen after the build
    try:
        frozen = gc.get_freeze_count()
        # A frozen object freed by its reference count leaves the permanent generation, so the count may fall by
        # a few meanwhile; what must not happen is new objects frozen (a rise) or the freeze undone (a drop to 0).
        with frozen_gc() as refreeze:
            made_later = [[] for _ in range(1000)]
            refreeze()
            assert frozen - 100 < gc.get_freeze_count() <= frozen, len(made_later)
        assert frozen - 100 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_leaves_nothing_frozen(tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GC_FREEZE_ENV, raising=False)
    assert build_corpus(small_config(tmp_path, workers))["totals"]["kept"] > 0
    assert gc.get_freeze_count() == 0
