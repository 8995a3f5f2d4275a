"""Import every glot500 module in this (fresh) interpreter and report work done by a module's own top-level code.

Run by ``tests/test_imports.py`` as ``python tests/import_probe.py [MODULE ...]`` (default: every module);
prints one JSON document:
``{"modules": N, "violations": [...], "skipped": [...], "slowest": [[module, seconds], ...]}``.

Spies wrap what "work" means here: starting a thread, a process or a subprocess, forking, changing the garbage
collector, the environment or a logger's level. An event counts against glot500 when the innermost module
body on the call stack (a ``<module>`` frame) is a glot500 file: a third-party library doing something while
being imported is its own business, glot500 calling something at import time is not.
"""

from __future__ import annotations

import functools
import gc
import importlib
import json
import logging
import multiprocessing.process
import os
import pkgutil
import subprocess
import sys
import threading
import time
from pathlib import Path

EVENTS: list[dict] = []


def _glot500_module_frame() -> str | None:
    """The glot500 file whose top-level code is running, if the innermost module body on the stack is one."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            filename = frame.f_code.co_filename
            return filename if f"{os.sep}glot500{os.sep}" in filename else None
        frame = frame.f_back
    return None


def _spy(what: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        where = _glot500_module_frame()
        if where is not None:
            EVENTS.append({"event": what, "file": where})
        return function(*args, **kwargs)

    return wrapper


def install_spies() -> None:
    threading.Thread.start = _spy("thread start", threading.Thread.start)
    subprocess.Popen.__init__ = _spy("subprocess", subprocess.Popen.__init__)
    multiprocessing.process.BaseProcess.start = _spy("process start", multiprocessing.process.BaseProcess.start)
    try:
        import multiprocess.process

        multiprocess.process.BaseProcess.start = _spy("process start", multiprocess.process.BaseProcess.start)
    except ImportError:
        pass
    os.fork = _spy("fork", os.fork)
    for name in ("set_threshold", "disable", "freeze"):
        setattr(gc, name, _spy(f"gc.{name}", getattr(gc, name)))
    environ_type = type(os.environ)
    environ_type.__setitem__ = _spy("environment set", environ_type.__setitem__)
    environ_type.__delitem__ = _spy("environment delete", environ_type.__delitem__)
    logging.Logger.setLevel = _spy("logging level", logging.Logger.setLevel)
    try:
        from loguru import logger

        type(logger).disable = _spy("loguru disable", type(logger).disable)
        type(logger).remove = _spy("loguru remove", type(logger).remove)
    except ImportError:
        pass


def glot500_modules() -> list[str]:
    import glot500

    names = ["glot500"]
    for info in pkgutil.walk_packages(glot500.__path__, "glot500."):
        if info.name.rsplit(".", 1)[-1] != "__main__":  # `python -m` entry points run by design
            names.append(info.name)
    return sorted(names)


def main(argv: list[str]) -> None:
    install_spies()
    names = argv or glot500_modules()
    skipped, timings = [], []
    threads_before = threading.active_count()
    for name in names:
        start = time.perf_counter()
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:  # an optional dependency that is not installed here
            if (error.name or "").startswith("glot500"):
                raise
            skipped.append([name, str(error)])
        timings.append([name, round(time.perf_counter() - start, 3)])
    result = {
        "modules": len(names),
        "violations": EVENTS,
        "skipped": skipped,
        "threads_started": threading.active_count() - threads_before,
        "slowest": sorted(timings, key=lambda item: -item[1])[:10],
        "glot500": str(Path(importlib.import_module("glot500").__file__).parent),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
