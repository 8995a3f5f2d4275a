"""Progress that reads well both on a terminal and in a log file.

On a terminal a tqdm bar redraws itself in place with ``\\r``. Redirected to a file (``2> eval.log``, Slurm's
output, a CI log) those redraws pile up as thousands of frames on one line. :func:`progress` returns a tqdm bar
when stderr is a terminal and a :class:`LogProgress` otherwise: the same small interface (iterate, ``update``,
``set_postfix``, ``close``, a context manager), which logs one plain line every ``interval`` seconds and a final
line with the count, the elapsed time and the rate (through ``logging``; straight to stderr when nothing
configured logging).

    for batch in progress(batches, desc="encode", unit="batch"):
        ...
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

logger = logging.getLogger("glot500.progress")

LOG_INTERVAL_S = 30.0  # a redirected log gets one progress line per this many seconds (and one at the end)
INTERVAL_ENV = "GLOT500_PROGRESS_INTERVAL"  # seconds, to change the interval (e.g. 300 for a week-long job)


def stderr_is_terminal() -> bool:
    """Whether progress bars can redraw in place (stderr is an interactive terminal)."""
    stream = sys.stderr
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel: its stderr is no terminal, yet tqdm.auto draws a widget there."""
    return "ipykernel" in sys.modules


def progress(
    iterable: Iterable[Any] | None = None,
    total: int | float | None = None,
    desc: str = "",
    unit: str = "it",
    *,
    disable: bool | None = False,
    leave: bool = True,
    position: int | None = None,
    initial: int = 0,
    interval: float | None = None,
) -> Any:
    """A tqdm bar on a terminal (or in a notebook), else a :class:`LogProgress` that logs a line every
    ``interval`` seconds.

    Args:
        iterable: what to iterate over (or ``None`` and call ``update`` yourself).
        total: the expected count (default ``len(iterable)`` when it has one).
        desc, unit: what is counted, as in tqdm.
        disable: ``True`` shows nothing; ``None`` (tqdm's convention) shows nothing when stderr is not a
            terminal, not even log lines.
        leave, position: passed to tqdm (terminal only).
        initial: the count to start from (a resumed run).
        interval: seconds between log lines; default ``$GLOT500_PROGRESS_INTERVAL`` or 30.
    """
    terminal = stderr_is_terminal() or in_notebook()
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if terminal and disable is not True:
        from tqdm.auto import tqdm

        return tqdm(
            iterable, total=total, desc=desc, unit=unit, leave=leave, position=position, initial=initial,
            dynamic_ncols=True,
        )  # fmt: skip
    quiet = disable is True or (disable is None and not terminal)
    return LogProgress(iterable, total, desc, unit, initial=initial, interval=interval, quiet=quiet, leave=leave)


def _interval_from_env() -> float:
    try:
        return max(0.0, float(os.environ.get(INTERVAL_ENV, LOG_INTERVAL_S)))
    except ValueError:
        return LOG_INTERVAL_S


class LogProgress:
    """tqdm's everyday interface, reporting through ``logging`` with plain lines instead of redrawn frames."""

    def __init__(
        self,
        iterable: Iterable[Any] | None = None,
        total: int | float | None = None,
        desc: str = "",
        unit: str = "it",
        *,
        initial: int = 0,
        interval: float | None = None,
        quiet: bool = False,
        leave: bool = True,
    ) -> None:
        self.iterable = iterable
        self.total = total
        self.desc = desc or "progress"
        self.unit = unit
        self.n = initial
        self.interval = _interval_from_env() if interval is None else interval
        self.quiet = quiet
        self.leave = leave  # False (an inner, per-file bar): no closing line, only the periodic ones
        self.postfix = ""
        self._initial = initial
        self._start = self._last = time.monotonic()
        self._closed = False

    def __iter__(self) -> Iterator[Any]:
        if self.iterable is None:
            raise TypeError("LogProgress was made without an iterable: call update() instead")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __len__(self) -> int:
        return int(self.total or 0)

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int | float = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._log()

    def set_postfix(self, ordered_dict: dict[str, Any] | None = None, refresh: bool = True, **kwargs: Any) -> None:
        items = {**(ordered_dict or {}), **kwargs}
        self.postfix = ", ".join(f"{key}={value}" for key, value in items.items())

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfix = str(s)

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        self.desc = desc or self.desc

    def refresh(self) -> None:
        """Nothing to redraw (tqdm compatibility)."""

    def write(self, text: str) -> None:
        logger.info("%s", text)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.leave and (self.n > self._initial or self.total):
            self._log(final=True)

    def line(self, final: bool = False) -> str:
        """``desc: 120/500 batch (24%), 12.3 batch/s, 10s elapsed, ~31s left[, postfix]``."""
        elapsed = time.monotonic() - self._start
        done = self.n - self._initial
        rate = done / elapsed if elapsed > 0 else 0.0
        count = f"{self.n:,.0f}" + (f"/{self.total:,.0f}" if self.total else "") + f" {self.unit}"
        parts = [count + (f" ({self.n / self.total:.0%})" if self.total else "")]
        parts.append(f"{rate:,.1f} {self.unit}/s" if rate < 100 else f"{rate:,.0f} {self.unit}/s")
        parts.append(f"{elapsed:,.0f}s elapsed" if not final else f"done in {elapsed:,.1f}s")
        if not final and self.total and rate > 0 and self.n < self.total:
            parts.append(f"~{(self.total - self.n) / rate:,.0f}s left")
        if self.postfix:
            parts.append(self.postfix)
        return f"{self.desc}: " + ", ".join(parts)

    def _log(self, final: bool = False) -> None:
        if self.quiet:
            return
        if logger.hasHandlers():
            logger.info("%s", self.line(final))
        else:  # a script that configured no logging still sees its progress, as it did with a bar
            print(self.line(final), file=sys.stderr, flush=True)
