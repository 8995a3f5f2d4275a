"""Guards for the folders glot500 writes: delete only its own output, never read where it writes.

``--overwrite`` (and every other "start again") goes through :func:`remove_own_output`, so a mistyped
``--output`` can never delete user data: the folder must carry a marker that glot500 wrote it, and it must not
be, hold, or sit inside an input of the run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from glot500.core.errors import InputError

MANIFEST_MARKER = "manifest.json"


def _resolved(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_apart(output: str | Path, inputs: Iterable[str | Path], option: str = "--output") -> None:
    """Refuse an output folder that is an input, lies inside one, or holds one.

    Raises:
        InputError: naming the input and the output.
    """
    out = _resolved(output)
    for value in inputs:
        if not value or not Path(value).exists():
            continue  # hub names and the like: nothing on disk to protect
        source = _resolved(value)
        if _is_within(out, source) or _is_within(source, out):
            relation = "is" if out == source else ("is inside" if _is_within(out, source) else "holds")
            raise InputError(
                f"{option} {output} {relation} the input {value}: the output must be a folder apart from every input"
            )


def is_own_output(folder: str | Path, markers: Iterable[str] = (MANIFEST_MARKER,)) -> bool:
    """Whether ``folder`` carries one of the ``markers`` (paths relative to it) that glot500 writes."""
    folder = Path(folder)
    return any(_marker_ok(folder / marker) for marker in markers)


def _marker_ok(file: Path) -> bool:
    """A marker file glot500 wrote: a JSON object (a ``manifest.json`` names its ``stage``)."""
    if not file.is_file():
        return False
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # another tool's file of the same name, or one torn by a kill: not proof of ownership
    return isinstance(data, dict) and (file.name != MANIFEST_MARKER or "stage" in data)


def remove_own_output(
    folder: str | Path,
    markers: Iterable[str] = (MANIFEST_MARKER,),
    inputs: Iterable[str | Path] = (),
    option: str = "--overwrite",
) -> bool:
    """Delete ``folder`` if, and only if, glot500 wrote it; return whether anything was deleted.

    A missing folder and an empty one are fine (nothing of value in them). Anything else must carry one of
    ``markers`` and be apart from every path in ``inputs``.

    Raises:
        InputError: the folder is a symlink, not a folder, an input or an ancestor of one, or carries no marker.
    """
    path = Path(folder)
    markers = tuple(markers)
    if not path.exists() and not path.is_symlink():
        return False
    if path.is_symlink():
        raise InputError(f"{option}: {folder} is a symbolic link; refusing to delete through it (remove it yourself)")
    if not path.is_dir():
        raise InputError(f"{option}: {folder} is a file, not an output folder; refusing to delete it")
    check_apart(path, inputs, option=option)
    if not any(path.iterdir()):
        path.rmdir()
        return True
    if not is_own_output(path, markers):
        raise InputError(
            f"{option}: {folder} was not written by glot500 (no {' or '.join(markers)} in it); refusing to delete "
            "it. Choose a new output folder, or remove this one yourself"
        )
    # Renamed first (atomic), then deleted: a kill half-way leaves a hidden ``.<name>.glot500-deleting-<pid>``
    # beside it, never a folder that has lost its markers but still holds data (which no rerun could remove).
    doomed = path.with_name(f".{path.name}.glot500-deleting-{os.getpid()}")
    path.rename(doomed)
    shutil.rmtree(doomed)
    return True


_RESUME = "free space and run the same command again: finished work is kept and resumed"
_WRITE_ERRNOS = {
    errno.ENOSPC: ("disk full", _RESUME),
    errno.EDQUOT: ("disk quota exceeded", _RESUME),
    errno.EROFS: ("read-only file system", "choose an output folder on a writable disk"),
    errno.EACCES: ("permission denied", "choose an output folder you can write to"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose another output folder"),
}


@contextmanager
def writing_to(output: str | Path) -> Iterator[None]:
    """Turn "cannot write" errors (disk full, quota, read-only, permission, a file in the path) into one
    :class:`InputError` naming ``output``.

    They are the user's to fix, not bugs: the message says what happened and what to do (after a full disk,
    the same command resumes).
    """
    try:
        yield
    except OSError as error:
        if error.errno not in _WRITE_ERRNOS:
            raise
        what, advice = _WRITE_ERRNOS[error.errno]
        where = f" ({error.filename})" if error.filename else ""
        raise InputError(f"{output}: cannot write: {what}{where}; {advice}") from None


def list_input_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files under ``folder``, subfolders included (the file name gives the label, wherever it lies), and
    the entries that cannot be read with the reason: dangling links, hidden files and folders, link loops.

    Nothing is left out silently: each skipped entry becomes a problem record of the build.
    """
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen = {folder.resolve()}
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError as error:
            skipped.append((current, f"skipped: folder unreadable: {error.strerror or error}"))
            continue
        for entry in entries:
            if not _utf8_name(entry.name):
                skipped.append((entry, "skipped: the file name is not valid UTF-8 (rename it to read it)"))
            elif entry.name.startswith("."):
                skipped.append((entry, "skipped: hidden " + ("folder" if entry.is_dir() else "file")))
            elif entry.is_symlink() and not entry.exists():
                skipped.append((entry, f"skipped: dangling symbolic link to {entry.readlink()}"))
            elif entry.is_dir():
                if entry.resolve() in seen:
                    skipped.append((entry, "skipped: a link to a folder already read (a loop or a second path)"))
                    continue
                seen.add(entry.resolve())
                pending.append(entry)
            elif entry.is_file():
                files.append(entry)
            else:
                skipped.append((entry, "skipped: not a regular file (a device, socket or pipe)"))
    return sorted(files), sorted(skipped)


def _utf8_name(name: str) -> bool:
    """Whether a file name decoded from the file system is text (not bytes smuggled in as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
