"""Config validation, manifests, compressed text and the results schema."""

from __future__ import annotations

import gzip
import json
import lzma
from pathlib import Path

import pytest
import zstandard

from glot500.core.config import StrictModel, load_config
from glot500.core.errors import ConfigError
from glot500.core.manifest import read_manifest, write_manifest
from glot500.core.results import ResultRow, read_results, write_results
from glot500.core.textio import iter_lines


class Inner(StrictModel):
    size: int = 3


class Example(StrictModel):
    name: str
    rate: float = 0.1
    inner: Inner = Inner()


def test_config_errors_are_reported_together_with_their_keys(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("rate: fast\ninner:\n  size: big\n  colour: red\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(Example, path)
    message = str(error.value)
    for key in ("name", "rate", "inner.size", "inner.colour"):
        assert f"  {key}:" in message


def test_config_loads_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: a\ninner: {size: 5}\n", encoding="utf-8")
    config = load_config(Example, path, overrides={"rate": 0.5, "name": None})
    assert (config.name, config.rate, config.inner.size) == ("a", 0.5, 5)
    with pytest.raises(ConfigError, match="not found"):
        load_config(Example, tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(Example, tmp_path / "list.yaml")


def test_manifest_round_trip(tmp_path: Path) -> None:
    write_manifest(tmp_path, "corpus", 1, config={"a": 1}, counts={"deu_Latn": 3})
    manifest = read_manifest(tmp_path)
    assert manifest["stage"] == "corpus" and manifest["counts"] == {"deu_Latn": 3}
    assert "torch" in manifest["versions"] and manifest["versions"]["python"].startswith("3.")


@pytest.mark.parametrize("suffix", [".txt", ".txt.gz", ".txt.xz", ".txt.zst"])
def test_compressed_text(tmp_path: Path, suffix: str) -> None:
    data = b"eins\nzwei\r\ndrei\n"
    path = tmp_path / f"deu_Latn{suffix}"
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
    elif suffix.endswith(".xz"):
        data = lzma.compress(data)
    elif suffix.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    assert list(iter_lines(path)) == ["eins", "zwei", "drei"]


def test_results_round_trip_and_bad_lines(tmp_path: Path) -> None:
    rows = [
        ResultRow(
            model="org/m",
            task="retrieval",
            dataset="tatoeba",
            lang="deu_Latn",
            metric="top10",
            value=0.5,
            n=4,
            head=True,
            items=[1, 0, 1, 0],
        ),
        ResultRow(
            model="org/m",
            task="retrieval",
            dataset="tatoeba",
            lang="xyz_Latn",
            metric="top10",
            value=None,
            error="misaligned: 3 vs 4 lines",
        ),
    ]
    path = write_results(rows, tmp_path / "results.jsonl")
    assert list(read_results(path)) == rows
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"model": "m"}) + "\n")
    with pytest.raises(ValueError, match=r"results.jsonl:3"):
        list(read_results(path))
