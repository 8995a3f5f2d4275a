"""The one place where the corpus build changes process-wide settings, and how each is undone.

**Console output.** datatrove prints every task's pipeline, progress bars and statistics to the console. A
build of hundreds of tasks would bury its own progress bar under them, so unless ``GLOT500_DATATROVE_LOGS=1`` is
set the build runs inside :func:`quiet_datatrove` (in the calling process) and every local task starts with
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

**Garbage collector.** A build's process holds a few hundred thousand long-lived objects (the modules of
pyarrow, datatrove, the filters' lookup tables) that never become garbage, and every full collection of the
cyclic garbage collector walks all of them again: ~7 % of a one-worker build's CPU time. With
``GLOT500_GC_FREEZE=1`` (opt-in), :func:`frozen_gc` moves the objects that exist when the build starts (and again
when each stage starts, after the first stage has imported and built what it needs) into the collector's
permanent generation with ``gc.freeze()``, so that full collections skip them; the collector itself keeps its
thresholds and keeps collecting everything created later. When the build ends, also when it fails,
``gc.unfreeze()`` gives those objects back to the collector. A process whose objects were already frozen when the
build started (by its own ``gc.freeze()``) is left alone. A pool worker freezes its imports when it starts its first
task (:func:`freeze_task_process`), once, and ends with its stage. It is off by default: in a process that goes
on after the build (``glot500 run``: model training after the corpus stage), training steps measured 2x slower
after a frozen and unfrozen build than after a plain one.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DATATROVE_LOGS_ENV = "GLOT500_DATATROVE_LOGS"
TQDM_DISABLE_ENV = "TQDM_DISABLE"
GC_FREEZE_ENV = "GLOT500_GC_FREEZE"


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


def gc_freeze_wanted() -> bool:
    return os.environ.get(GC_FREEZE_ENV, "0") == "1"


def _no_refreeze() -> None:
    return None


@contextmanager
def frozen_gc() -> Iterator[Callable[[], None]]:
    """Within this block the objects that exist now are frozen (``gc.freeze()``, when GLOT500_GC_FREEZE=1 and not
    the process had frozen objects already); yields a function that freezes what exists at the time it is
    called (the build calls it when a stage starts). On exit everything is unfrozen (``gc.unfreeze()``)."""
    if not gc_freeze_wanted() or gc.get_freeze_count() > 0:
        yield _no_refreeze
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def freeze_task_process() -> None:
    """In the process that runs a task: freeze what it holds before its first task (its imports), once.

    In the building process itself :func:`frozen_gc` has frozen objects already, so this does nothing there."""
    if gc_freeze_wanted() and gc.get_freeze_count() == 0:
        gc.freeze()
