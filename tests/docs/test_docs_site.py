"""The front door: a short README and a documentation site that builds without a broken link."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# Words of a development log, which belong in commit messages and CONTRIBUTING.md, not in user documentation.
DEVELOPMENT_LOG = re.compile(r"issue [0-9]|engineers' jobs|was lent|previous demo|earlier run|this session", re.I)


def test_mkdocs_build_strict_passes(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT / "src")}
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    config = (site / "reference" / "config" / "index.html").read_text(encoding="utf-8")
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    # Generated, not hand-copied: a command, an option, a nested config key and a docstring reach the site.
    assert "glot500 corpus build" in cli and "--max-steps" in cli
    assert "phases[].new_rows_lr_multiplier" in config and "cleaning.script.action" in config
    assert "build_report" in api and "sampling_probabilities" in api


def test_readme_is_a_short_front_door() -> None:
    readme = README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    assert "scripts/quickstart" in readme and "scripts/test" in readme
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_links_point_at_files_that_exist() -> None:
    readme = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [target for target in targets if "://" not in target and not target.startswith("mailto:")]
    assert local, "the README links to the documentation pages"
    missing = [target for target in local if not (ROOT / target).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_user_docs_hold_no_development_log() -> None:
    pages = [README, *sorted((ROOT / "docs").rglob("*.md"))]
    hits = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for page in pages
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if DEVELOPMENT_LOG.search(line)
    ]
    assert not hits, "\n".join(hits)
