"""``remove_own_output``/``check_apart``: --overwrite deletes only glot500's own folders, never an input."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from glot500.core.errors import InputError
from glot500.core.locks import LOCK_NAME, held_output_lock, output_lock, require_unlocked
from glot500.core.manifest import write_manifest
from glot500.core.paths import check_apart, remove_own_output, writing_to


def user_folder(root: Path) -> Path:
    folder = root / "mine"
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work\n")
    return folder


def test_a_folder_with_a_glot500_manifest_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_manifest(out, "corpus", 1)
    (out / "data.parquet").write_bytes(b"x")
    assert remove_own_output(out) is True
    assert list(tmp_path.iterdir()) == []  # nothing left beside it either


def test_missing_and_empty_folders_are_fine(tmp_path: Path) -> None:
    assert remove_own_output(tmp_path / "absent") is False
    (tmp_path / "empty").mkdir()
    assert remove_own_output(tmp_path / "empty") is True


def test_a_folder_glot500_did_not_write_is_refused_and_kept(tmp_path: Path) -> None:
    folder = user_folder(tmp_path)
    with pytest.raises(InputError, match="not written by glot500.*refusing to delete"):
        remove_own_output(folder)
    assert (folder / "thesis.txt").read_text() == "years of work\n"


def test_a_manifest_of_another_tool_or_torn_is_no_proof(tmp_path: Path) -> None:
    folder = user_folder(tmp_path)
    (folder / "manifest.json").write_text(json.dumps({"name": "my web app"}))
    with pytest.raises(InputError):
        remove_own_output(folder)
    (folder / "manifest.json").write_text('{"stage": "cor')  # torn by a kill
    with pytest.raises(InputError):
        remove_own_output(folder)
    assert (folder / "thesis.txt").exists()


def test_an_input_or_an_ancestor_of_an_input_is_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_manifest(out, "corpus", 1)
    (out / "deu_Latn.txt").write_text("Eingabe\n")
    with pytest.raises(InputError, match="is the input"):
        remove_own_output(out, inputs=[out])
    with pytest.raises(InputError, match="holds the input"):
        remove_own_output(out, inputs=[out / "deu_Latn.txt"])
    assert (out / "deu_Latn.txt").exists()


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target"
    write_manifest(target, "corpus", 1)
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(InputError, match="symbolic link"):
        remove_own_output(tmp_path / "link")
    assert (target / "manifest.json").exists()


def test_check_apart_names_each_relation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(InputError, match="is inside the input"):
        check_apart(data / "out", [data])
    with pytest.raises(InputError, match="holds the input"):
        check_apart(tmp_path, [data])
    check_apart(tmp_path / "out", [data, "org/hub-name", ""])  # apart, and names that are not paths


def test_one_writer_per_output_folder(tmp_path: Path) -> None:
    held = held_output_lock(tmp_path / "out", "corpus build")
    with pytest.raises(InputError, match="another corpus build is writing here \\(corpus build, pid"):
        held_output_lock(tmp_path / "out", "corpus build")
    with pytest.raises(InputError), output_lock(tmp_path / "out", "training run"):
        pass
    with pytest.raises(InputError):
        require_unlocked(tmp_path / "out")
    held.close()
    assert (tmp_path / "out" / LOCK_NAME).read_text(encoding="utf-8") == ""  # emptied on release
    held_output_lock(tmp_path / "out", "corpus build").close()
    require_unlocked(tmp_path / "out")


def test_cannot_write_errors_become_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write: disk full.*run the same command again"), writing_to(tmp_path):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x"))
    with pytest.raises(InputError, match="a part of the path is a file"), writing_to(tmp_path):
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(tmp_path / "file" / "sub"))
    with pytest.raises(FileNotFoundError), writing_to(tmp_path):  # other errors are not the user's: unchanged
        raise FileNotFoundError(errno.ENOENT, "gone")
