"""Render every figure of a report, in parallel processes on machines with cores to spare.

Figures are independent PNGs (one per (dataset, metric) and kind), so they spread over a process pool; matplotlib
holds the GIL, so threads would not help. Workers are spawned (safe on every platform, no forked locks).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from glot500.core.progress import progress
from glot500.report import plots
from glot500.report.assemble import Figures
from glot500.report.data import ResultSet

logger = logging.getLogger(__name__)
IMAGES = "images"
MIN_CORES_FOR_POOL = 4  # below this, starting workers (each imports matplotlib) costs more than it saves


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(8, cores) if cores >= MIN_CORES_FOR_POOL else 1


def _remove_stale_figures(images: Path) -> None:
    """Delete the figures an earlier build drew (``*.png`` right in ``images``), and nothing else.

    Stale figures must not linger beside new ones, but ``--out`` may be a folder the user keeps other files in:
    only the file type the report draws is removed, never a subfolder or another file.
    """
    if not images.is_dir():
        return
    for figure in images.glob("*.png"):
        if figure.is_file() and not figure.is_symlink():
            figure.unlink()


def render_figures(
    result_set: ResultSet,
    sizes: dict[str, int] | None,
    names: dict[str, str],
    top: int,
    out_dir: Path,
    workers: int = 0,
) -> Figures:
    """Draw every figure into ``out_dir/images`` (replaced) and return their relative paths.

    Args:
        workers: processes to draw with; 0 picks :func:`default_workers`, 1 draws in this process.
    """
    images = out_dir / IMAGES
    _remove_stale_figures(images)
    jobs = _jobs(result_set, sizes, names, top, images)
    workers = workers or default_workers()
    shown = {"desc": "report figures", "unit": "figure", "total": len(jobs), "leave": False}
    if workers <= 1 or len(jobs) < 2 * workers:
        paths = [_draw(job) for job in progress(jobs, **shown)]
    else:
        logger.info("drawing %d figures with %d processes", len(jobs), workers)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            paths = list(progress(pool.map(_draw, jobs), **shown))
    figures = Figures()
    for (kind, slug, _, _), path in zip(jobs, paths, strict=True):
        if path is None:
            continue
        relative = f"{IMAGES}/{Path(path).name}"
        if kind == "coverage":
            figures.coverage = relative
        else:
            getattr(figures, kind)[slug] = relative
    return figures


Job = tuple[str, str, Callable[..., Path | None], tuple[Any, ...]]


def _draw(job: Job) -> Path | None:
    _, _, draw, args = job
    return draw(*args)


def _jobs(
    result_set: ResultSet, sizes: dict[str, int] | None, names: dict[str, str], top: int, images: Path
) -> list[Job]:
    """``(kind, slug, function, arguments)`` per figure; kinds are the fields of :class:`Figures`."""
    base = result_set.base
    jobs: list[Job] = [("coverage", "", plots.script_coverage, (result_set, sizes, images / "coverage_by_script.png"))]
    for block in result_set.blocks.values():
        slug = block.key.slug
        jobs.append(("head_tail", slug, plots.head_tail, (block, names, images / f"head_tail__{slug}.png")))
        if sizes is not None:
            path = images / f"score_vs_size__{slug}.png"
            jobs.append(("score_vs_size", slug, plots.score_vs_size, (block, sizes, names, base, path)))
        if base in block.models:
            path = images / f"gains__{slug}.png"
            jobs.append(("gains", slug, plots.gains_and_losses, (block, names, base, top, path)))
    return jobs
