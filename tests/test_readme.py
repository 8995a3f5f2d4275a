"""The README carries every stage's page from docs/ (edited there, merged by scripts/merge_docs.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_is_in_sync_with_the_stage_pages() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "merge_docs.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_readme_names_the_two_quick_start_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "scripts/quickstart" in readme and "scripts/test" in readme
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
