"""Progress on a terminal vs in a log file: tqdm when stderr is a terminal, plain periodic log lines otherwise."""

from __future__ import annotations

import io
import logging

import pytest

from glot500.core import progress as progress_module
from glot500.core.progress import LogProgress, progress


def test_redirected_stderr_gets_the_logging_wrapper(monkeypatch):
    monkeypatch.setattr(progress_module, "stderr_is_terminal", lambda: False)
    monkeypatch.setattr(progress_module, "in_notebook", lambda: False)
    bar = progress(range(3), desc="x")
    assert isinstance(bar, LogProgress) and bar.total == 3
    assert list(bar) == [0, 1, 2] and bar.n == 3


@pytest.mark.parametrize(("terminal", "notebook"), [(True, False), (False, True)])
def test_a_terminal_or_a_notebook_gets_tqdm(monkeypatch, terminal, notebook):
    from tqdm.auto import tqdm

    monkeypatch.setattr(progress_module, "stderr_is_terminal", lambda: terminal)
    monkeypatch.setattr(progress_module, "in_notebook", lambda: notebook)
    bar = progress(range(3), desc="x", leave=False)
    assert isinstance(bar, tqdm)
    assert list(bar) == [0, 1, 2]


def test_log_lines_are_plain_and_periodic(caplog):
    caplog.set_level(logging.INFO, logger="glot500.progress")
    bar = LogProgress(total=10, desc="encode", unit="batch", interval=0.0)
    with bar:
        for _ in range(10):
            bar.update(1)
            bar.set_postfix(loss="1.234")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 11  # one per update (interval 0) and the closing one
    assert lines[4].startswith("encode: 5/10 batch (50%)") and "loss=1.234" in lines[4]
    assert "done in" in lines[-1] and all("\r" not in line for line in lines)


def test_silent_between_intervals_and_without_leave(caplog):
    caplog.set_level(logging.INFO, logger="glot500.progress")
    with LogProgress(total=1000, desc="big", interval=3600) as bar:
        for _ in range(1000):
            bar.update(1)
    assert [r.getMessage()[:18] for r in caplog.records] == ["big: 1,000/1,000 i"]  # only the closing line
    caplog.clear()
    with LogProgress(total=5, desc="inner", interval=3600, leave=False) as bar:
        bar.update(5)
    assert not caplog.records


@pytest.mark.parametrize("disable", [True, None])
def test_disabled_progress_says_nothing(monkeypatch, caplog, disable):
    monkeypatch.setattr(progress_module, "stderr_is_terminal", lambda: False)
    monkeypatch.setattr(progress_module, "in_notebook", lambda: False)
    caplog.set_level(logging.INFO, logger="glot500.progress")
    assert list(progress(range(4), desc="quiet", disable=disable, interval=0.0)) == [0, 1, 2, 3]
    assert not caplog.records


def test_a_stream_that_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress_module.stderr_is_terminal() is False


def test_without_logging_configured_lines_go_to_stderr(monkeypatch, capsys):
    monkeypatch.setattr(progress_module.logger, "propagate", False)  # no handler of its own, none above it
    with LogProgress(total=2, desc="plain", interval=0.0) as bar:
        bar.update(2)
    err = capsys.readouterr().err
    assert err.startswith("plain: 2/2 it (100%)") and "done in" in err and "\r" not in err
