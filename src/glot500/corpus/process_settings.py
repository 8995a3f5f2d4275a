"""The one place where the corpus build changes process-wide settings, and how each is undone.

datatrove prints every task's pipeline, progress bars and statistics to the console. A build of hundreds of
tasks would bury its own progress bar under them, so unless ``GLOT500_DATATROVE_LOGS=1`` is set the build runs
inside :func:`quiet_datatrove` (in the calling process) and every local task starts with
:func:`quiet_datatrove_task` (in the process that runs it, see
:class:`glot500.corpus.executors.QuietLocalPipelineExecutor`):

* ``loguru``'s ``datatrove`` logger is disabled (``logger.disable``, loguru's public API);
* ``TQDM_DISABLE=1`` switches off the progress bars datatrove's own steps draw in worker processes (tqdm reads
  it when it is imported: a pool's fork server started during the build keeps it, while a process that had
  already imported tqdm still shows the bars of its in-process stages).

:func:`quiet_datatrove` puts both back when the build ends, also when it fails. The task-side switch changes only
the process it runs in: a pool worker (owned by the executor, gone after its stage) or, with one worker, this
process inside :func:`quiet_datatrove`, which restores it. (Slurm and Ray tasks write their console output
to their own log files.) datatrove's statistics and per-task log files under
``work/logs/<stage>/`` are written either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

DATATROVE_LOGS_ENV = "GLOT500_DATATROVE_LOGS"
TQDM_DISABLE_ENV = "TQDM_DISABLE"


def datatrove_logs_wanted() -> bool:
    return os.environ.get(DATATROVE_LOGS_ENV, "0") == "1"


def _silence() -> None:
    from datatrove.utils.logging import logger

    logger.disable("datatrove")
    os.environ[TQDM_DISABLE_ENV] = "1"


@contextmanager
def quiet_datatrove() -> Iterator[None]:
    """Within this block datatrove's console logs and progress bars are off (unless GLOT500_DATATROVE_LOGS=1);
    the previous state is restored on exit."""
    if datatrove_logs_wanted():
        yield
        return
    from datatrove.utils.logging import logger

    tqdm_before = os.environ.get(TQDM_DISABLE_ENV)
    _silence()
    try:
        yield
    finally:
        logger.enable("datatrove")
        if tqdm_before is None:
            os.environ.pop(TQDM_DISABLE_ENV, None)
        else:
            os.environ[TQDM_DISABLE_ENV] = tqdm_before


def quiet_datatrove_task() -> None:
    """The same switches in the process that runs a task, before datatrove sets up its loggers for it."""
    if not datatrove_logs_wanted():
        _silence()
