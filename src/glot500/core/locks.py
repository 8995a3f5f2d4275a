"""One writer per output folder: a second run writing the same folder stops at once instead of mixing files.

Every stage that writes an output folder (corpus build, training, evaluation) holds :func:`output_lock` on it;
code that deletes an output folder first calls :func:`require_unlocked`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from glot500.core.errors import InputError

LOCK_NAME = ".glot500.lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock (the rest works the same)
    fcntl = None


@contextmanager
def output_lock(folder: str | Path, what: str, enabled: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (created if needed) while the block runs; ``enabled=False`` (the other
    processes of one distributed job) does nothing.

    The lock is an ``flock`` on ``folder/.glot500.lock``: the operating system releases it when the process ends,
    so a killed run never leaves a stale lock behind. The file stays (removing it would race with a new run);
    while the lock is held it names the holder (``what``, pid and host), and it is emptied again on release, so
    that a finished folder's content is the same from run to run.

    Raises:
        InputError: another process holds the lock (the message says which).
    """
    folder = Path(folder)
    if not enabled or fcntl is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        _acquire(handle, folder, what)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{what}, pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)  # still held: no other run can have written its name in the meantime
    finally:
        handle.close()  # closing releases the flock


def held_output_lock(folder: str | Path, what: str) -> ExitStack:
    """:func:`output_lock` for code whose lock spans more than one block: held until the returned stack's
    ``close()`` (or the end of the process).

    Raises:
        InputError: another process holds the lock.
    """
    stack = ExitStack()
    stack.enter_context(output_lock(folder, what))
    return stack


def require_unlocked(folder: str | Path, what: str = "glot500 process") -> None:
    """Raise :class:`InputError` when another process holds ``folder``'s lock (e.g. before deleting it).

    Only looks: the lock file's content (the holder's name) is left as it is.
    """
    file = Path(folder) / LOCK_NAME
    if fcntl is None or not file.is_file():
        return
    with open(file, "a+", encoding="utf-8") as handle:
        _acquire(handle, Path(folder), what)  # released when the file closes


def _acquire(handle: IO[str], folder: Path, what: str) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        raise InputError(
            f"{folder}: another {what} is writing here ({holder}); wait for it to finish, or give another "
            "output folder"
        ) from None
