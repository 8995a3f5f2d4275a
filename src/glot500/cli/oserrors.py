"""A failing read or write of a named file (disk full, no permission, a read-only mount) as one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from glot500.core.errors import Glot500Error


class FileSystemError(Glot500Error):
    """The operating system refused a read or write of a named path; the message names it and the reason."""


@contextmanager
def file_errors_as_one_line(hint: str = "") -> Iterator[None]:
    """Turn an :class:`OSError` that names its file into :class:`FileSystemError` (one line, exit 2).

    An ``OSError`` without a file name is no user's doing: it keeps its traceback.
    """
    try:
        yield
    except OSError as error:
        if error.filename is None:
            raise
        target = f"{error.filename} -> {error.filename2}" if error.filename2 else error.filename
        raise FileSystemError(f"{target}: {error.strerror or type(error).__name__}{hint}") from None
