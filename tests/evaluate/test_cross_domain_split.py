"""The cross-domain benchmark's verse splits: validation (to tune on) and test (to report) never overlap."""

from __future__ import annotations

import importlib.util
import lzma
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "cross_domain.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("cross_domain_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bible(tmp_path: Path) -> Path:
    bible = tmp_path / "bible"
    bible.mkdir()
    lines = []
    for number in range(1, 11):
        lines += [f"{number}", f"verse number {number:02d} of the book, long enough to count"]  # a heading line each
    with lzma.open(bible / "xyz_Latn.txt.xz", "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return bible


def test_validation_verses_come_before_the_test_verses_and_never_overlap(tmp_path):
    script = _load_script()
    path = _bible(tmp_path) / "xyz_Latn.txt.xz"
    test = script.last_verses(path, 3, "test")
    validation = script.last_verses(path, 3, "validation")
    assert [line.split()[2] for line in test] == ["08", "09", "10"]  # headings (short lines) are skipped
    assert [line.split()[2] for line in validation] == ["05", "06", "07"]
    assert not set(test) & set(validation)


def test_the_task_folder_holds_the_split_asked_for(tmp_path):
    script = _load_script()
    bible = _bible(tmp_path)
    texts = script.write_task(bible, tmp_path / "task", 2, None, "validation")
    written = (tmp_path / "task" / "xyz_Latn" / "xyz_Latn.txt").read_text(encoding="utf-8").splitlines()
    assert written == texts["xyz_Latn"]
    assert [line.split()[2] for line in written] == ["07", "08"]
