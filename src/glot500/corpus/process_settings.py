"""The one place where the corpus build changes process-wide settings, and how each is undone.

datatrove prints every task's pipeline, progress bars and statistics to the console. A build of hundreds of
tasks would bury its own progress bar under them, so unless ``GLOT500_DATATROVE_LOGS=1`` is set the build runs
inside :func:`quiet_datatrove` (in the calling process) and every task starts with :func:`quiet_datatrove_step`
(in the worker process that runs it):

* ``loguru``'s ``datatrove`` logger is disabled (``logger.disable``, loguru's public API);
* ``TQDM_DISABLE=1`` switches off the progress bars datatrove's own steps draw.

:func:`quiet_datatrove` puts both back when the build ends, also when it fails. The task step changes only the
process it runs in: a pool worker (owned by the executor, gone after its stage) or, with one worker, this
process inside :func:`quiet_datatrove`, which restores it. datatrove's statistics and per-task log files under
``work/logs/<stage>/`` are written either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from datatrove.data import DocumentsPipeline

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


def quiet_datatrove_step(data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
    """First step of every stage: the same switches in the process that runs the task (see the module doc)."""
    if not datatrove_logs_wanted():
        _silence()
    return data
