"""The columnar publish step: dedup lists applied as masks, label runs, relabel tally."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from glot500.corpus.publish import Removal, apply_removals, label_runs, relabel_tally


def write_positions(path: Path, positions: list[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.asarray(positions, dtype="<u4").tobytes())


def test_later_removals_count_positions_among_the_survivors(tmp_path: Path) -> None:
    # exact dedup lists shard rows; MinHash saw only the survivors, so its position 1 is shard row 2
    write_positions(tmp_path / "exact" / "0000" / "00003.c4_dup", [4, 0])
    write_positions(tmp_path / "exact" / "0001" / "00003.c4_dup", [5])
    write_positions(tmp_path / "minhash" / "000003.remove", [1])
    removals = [
        Removal("exact", str(tmp_path / "exact"), "exact_dedup", "duplicate"),
        Removal("minhash", str(tmp_path / "minhash"), "minhash", "near_duplicate"),
    ]
    keep, dropped = apply_removals(7, removals, rank=3)
    assert dropped[0].tolist() == [0, 4, 5]
    assert dropped[1].tolist() == [2]
    assert np.flatnonzero(keep).tolist() == [1, 3, 6]
    assert apply_removals(7, removals, rank=2)[0].all()  # no files for that task: nothing removed


def test_dedup_files_of_another_build_are_refused(tmp_path: Path) -> None:
    write_positions(tmp_path / "minhash" / "000000.remove", [9])
    with pytest.raises(RuntimeError, match="another build"):
        apply_removals(5, [Removal("minhash", str(tmp_path / "minhash"), "minhash", "near_duplicate")], rank=0)


def test_label_runs_keep_table_order_whether_or_not_labels_are_contiguous() -> None:
    contiguous = pa.table({"lang": ["b", "b", "a", "c"], "id": ["1", "2", "3", "4"]})
    assert [(label, rows["id"].to_pylist()) for label, rows in label_runs(contiguous)] == [
        ("b", ["1", "2"]),
        ("a", ["3"]),
        ("c", ["4"]),
    ]
    mixed = pa.table({"lang": ["b", "a", "b", "a"], "id": ["1", "2", "3", "4"]})
    assert sorted((label, rows["id"].to_pylist()) for label, rows in label_runs(mixed)) == [
        ("a", ["2", "4"]),
        ("b", ["1", "3"]),
    ]


def test_relabel_tally_counts_moved_rows_and_bytes() -> None:
    kept = pa.table(
        {
            "text": ["ab", "çd", "x", "y"],
            "lang": ["srp_Latn", "srp_Latn", "srp_Cyrl", "srp_Latn"],
            "original_lang": ["srp_Cyrl", "srp_Cyrl", "srp_Cyrl", "srp_Latn"],
            "source": ["s", "s", "s", "s"],
        }
    )
    assert relabel_tally(kept) == [["srp_Cyrl", "srp_Latn", "s", 2, 5]]
