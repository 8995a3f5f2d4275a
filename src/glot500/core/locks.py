"""One writer per output folder: a second run writing the same folder stops at once instead of mixing files."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    so a killed run never leaves a stale lock behind. The file stays (removing it would race with a new run).

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
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise InputError(
                f"{folder}: another {what} is writing here ({holder}); wait for it to finish, or give another "
                "output folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{what}, pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock
