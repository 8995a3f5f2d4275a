"""Fixtures of the report tests; the inputs themselves are written by ``report_fixtures``."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_fixtures import BASE, SIZES, write_inputs


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One full report (base, sizes, vocabulary report, corpus) shared by the tests that only read it."""
    from glot500.report import build_report

    folder = tmp_path_factory.mktemp("report")
    inputs = write_inputs(folder)
    page = build_report(
        inputs["results"], inputs["stats"], folder / "out", vocab_report=inputs["vocab"], corpus=inputs["corpus"],
        base=BASE, model_sizes=SIZES, resamples=400,
    )  # fmt: skip
    return {**inputs, "page": page, "out": page.parent}
