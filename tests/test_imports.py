"""Importing glot500 does no work, and modules never import each other in a circle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import glot500

SRC = Path(glot500.__file__).resolve().parents[1]
PROBE = Path(__file__).with_name("import_probe.py")


def run_probe() -> dict:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(PROBE)], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probe() -> dict:
    return run_probe()


def test_the_probe_imports_this_checkout(probe: dict) -> None:
    assert Path(probe["glot500"]) == SRC / "glot500"
    assert probe["modules"] > 100 and not probe["skipped"]


def test_no_module_does_work_when_imported(probe: dict) -> None:
    """No thread, process, subprocess or fork; no GC, environment or log-level change from module-level code."""
    assert probe["violations"] == []


def test_importing_everything_leaves_no_thread_running(probe: dict) -> None:
    assert probe["threads_started"] == 0


def test_the_probe_catches_module_level_work(tmp_path: Path) -> None:
    """The spies are live: a glot500 module that starts a thread at import time is reported."""
    package = tmp_path / "glot500" / "core"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "busy.py").write_text(
        "import gc, threading\ngc.set_threshold(10_000)\nthreading.Thread(target=lambda: None).start()\n"
    )
    env = os.environ | {"PYTHONPATH": str(tmp_path)}
    command = [sys.executable, str(PROBE), "glot500.core.busy"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    events = json.loads(result.stdout.strip().splitlines()[-1])["violations"]
    assert {event["event"] for event in events} == {"gc.set_threshold", "thread start"}
    assert all(event["file"].endswith("busy.py") for event in events)


def test_no_import_circle_inside_any_package() -> None:
    """import-linter's acyclic_siblings contract (pyproject.toml) over every package of glot500."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install import-linter)")
    env = os.environ | {"PYTHONPATH": str(SRC)}
    config = SRC.parent / "pyproject.toml"
    result = subprocess.run(
        [lint_imports, "--no-cache", "--config", str(config)], capture_output=True, text=True, env=env, timeout=600
    )
    assert "No import circles" in result.stdout
    assert result.returncode == 0, result.stdout[-3000:]
