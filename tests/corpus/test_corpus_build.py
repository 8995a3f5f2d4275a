"""End-to-end builds on a tiny corpus: accounting, dedup, spaceless scripts, exclusion, bad inputs, card."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from corpus_fixtures import sentences, write_lines

from glot500.core.errors import ConfigError
from glot500.core.stats import read_corpus_stats
from glot500.corpus.accounting import check_accounting
from glot500.corpus.build import build_corpus
from glot500.corpus.config import CorpusConfig, SourceConfig


def make_corpus(root: Path) -> dict[str, list[str]]:
    """Write the fixture corpus; return the non-blank lines written per label (the expected input)."""
    deu = sentences("latin", 60, seed=10)
    long_sentence = " ".join(sentences("latin", 3, seed=11)).replace(".", "").replace("!", "").replace("?", "")
    deu += [
        "12 " + deu[0].replace(".", ",").replace("!", "") + " 7",  # deu[0] up to punctuation and digits
        long_sentence,
        long_sentence.rsplit(" ", 1)[0] + " zorimak",  # near duplicate: only the last word differs
    ]
    eng = sentences("latin", 40, seed=12) + [deu[5]]  # same text, another language: not a duplicate
    cmn = sentences("han", 40, seed=13)
    tha = sentences("thai", 30, seed=14)
    inputs = {"deu_Latn": deu, "eng_Latn": eng, "cmn_Hani": cmn + [cmn[0]], "tha_Thai": tha}
    write_lines(root / "deu_Latn.txt", deu)
    write_lines(root / "eng_Latn.txt.gz", eng)
    write_lines(root / "cmn_Hani.txt.xz", inputs["cmn_Hani"])
    write_lines(root / "tha_Thai.txt.zst", tha)
    (root / "bin_Latn.txt").write_bytes(b"\x00\x00binary")
    inputs["bin_Latn"] = ["\ufffd\ufffdbinary"]  # a line with NUL bytes: dropped (read:nul_byte), counted
    (root / "fra_Latn.txt").write_bytes(b"")
    (root / "nld_Latn.txt").write_bytes(b"goede morgen allemaal samen\n\xff\xfe\n")
    inputs["nld_Latn"] = ["goede morgen allemaal samen", "\ufffd\ufffd"]
    return inputs


def parquet_rows(folder: Path) -> list[dict]:
    return [row for file in sorted(folder.glob("**/*.parquet")) for row in pq.read_table(file).to_pylist()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]], dict]:
    root = tmp_path_factory.mktemp("corpus")
    inputs = make_corpus(root / "input")
    config = CorpusConfig(
        sources=[SourceConfig(type="text", path=str(root / "input"))], output=str(root / "out"), executor={"tasks": 3}
    )
    return root / "out", inputs, build_corpus(config)


def test_every_chunk_is_kept_or_dropped_with_a_reason(built) -> None:
    out, inputs, stats = built
    assert stats == read_corpus_stats(out) and check_accounting(stats) == []
    kept, dropped = parquet_rows(out / "data"), parquet_rows(out / "dropped")
    assert all(row["reason"] and row["step"] for row in dropped)
    on_disk = Counter(row["lang"] for row in kept) + Counter(row["lang"] for row in dropped)
    assert {label: on_disk[label] for label in inputs} == {label: len(lines) for label, lines in inputs.items()}
    for label, lines in inputs.items():
        entry = stats["languages"][label]
        assert entry["chunks_in"] == len(lines)
        assert entry["kept"] == sum(row["lang"] == label for row in kept)
        assert entry["kept"] + sum(entry["dropped"].values()) == entry["chunks_in"]
    assert len({row["id"] for row in kept + dropped}) == len(kept) + len(dropped)
    assert stats["totals"]["chunks_in"] == sum(len(lines) for lines in inputs.values())


def test_data_layout_and_columns(built) -> None:
    out, _, stats = built
    for label in ("deu_Latn", "eng_Latn", "cmn_Hani", "tha_Thai"):
        files = list((out / "data" / label).glob("*.parquet"))
        assert files and pq.read_schema(files[0]).names == ["id", "text", "lang", "source"]
    assert stats["languages"]["deu_Latn"]["head"] and stats["languages"]["deu_Latn"]["script"] == "Latn"
    assert (out / "README.md").is_file() and len(list((out / "plots").glob("*.png"))) == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stage"] == "corpus" and manifest["counts"]["deu_Latn"] == stats["languages"]["deu_Latn"]["kept"]
    assert "| deu_Latn | German |" in (out / "README.md").read_text()
    assert not (out / "work" / "clean").exists() and not (out / "work" / "minhash_sigs").exists()  # intermediates
    assert any((out / "work" / "logs" / "publish" / "completions").iterdir())  # markers stay: a rerun is a no-op


def test_exact_dedup_ignores_punctuation_digits_and_whitespace_per_language(built) -> None:
    out, inputs, _ = built
    exact = parquet_rows(out / "dropped" / "exact_dedup")
    assert {row["text"] for row in exact if row["lang"] == "deu_Latn"} == {inputs["deu_Latn"][60]}
    assert inputs["cmn_Hani"][-1] in {row["text"] for row in exact if row["lang"] == "cmn_Hani"}
    kept = parquet_rows(out / "data")
    same_text = inputs["deu_Latn"][5]
    assert {row["lang"] for row in kept if row["text"] == same_text} == {"deu_Latn", "eng_Latn"}


def test_minhash_drops_near_duplicates(built) -> None:
    out, inputs, stats = built
    near = parquet_rows(out / "dropped" / "minhash")
    assert [row["lang"] for row in near] == ["deu_Latn"]
    assert near[0]["text"] in inputs["deu_Latn"][-2:]
    assert stats["languages"]["deu_Latn"]["dropped"]["minhash:near_duplicate"] == 1


def test_spaceless_scripts_flow_through(built) -> None:
    _, inputs, stats = built
    for label in ("cmn_Hani", "tha_Thai"):
        entry = stats["languages"][label]
        assert entry["kept"] >= 0.8 * len(inputs[label]), entry["dropped"]


def test_bad_inputs_are_reported_and_counted(built) -> None:
    _, _, stats = built
    reasons = {Path(e["file"]).name: e["reason"] for e in stats["errors"]}
    assert "binary" in reasons["bin_Latn.txt"] and "empty" in reasons["fra_Latn.txt"]
    assert "UTF-8" in reasons["nld_Latn.txt"]
    assert stats["languages"]["nld_Latn"]["dropped"] == {"read:invalid_utf8": 1}
    assert stats["languages"]["bin_Latn"]["dropped"] == {"read:nul_byte": 1}


def test_small_languages_are_excluded_when_configured(tmp_path: Path) -> None:
    from glot500.corpus.finalize import finalize

    for label, kind, count in (("deu_Latn", "latin", 40), ("cmn_Hani", "han", 10)):
        write_lines(tmp_path / "in" / f"{label}.txt", sentences(kind, count, seed=len(label) + count))
    config = CorpusConfig(
        sources=[SourceConfig(type="text", path=str(tmp_path / "in"))],
        output=str(tmp_path / "o"),
        minhash={"enabled": False},
        corpus_level={"min_chunks": 20, "small_languages": "exclude"},
    )
    stats = build_corpus(config)
    assert stats["languages"]["cmn_Hani"]["excluded"] and not stats["languages"]["deu_Latn"]["excluded"]
    assert not (tmp_path / "o" / "data" / "cmn_Hani").exists()
    moved = parquet_rows(tmp_path / "o" / "dropped" / "min_chunks")
    assert len(moved) == 10 and {row["reason"] for row in moved} == {"below_20"}
    assert stats["languages"]["cmn_Hani"]["dropped"] == {"min_chunks:below_20": 10} and check_accounting(stats) == []
    assert finalize(config, tasks=2, n_units=2) == stats  # finalize is idempotent


def test_resuming_into_a_folder_of_another_config_is_refused(tmp_path: Path) -> None:
    write_lines(tmp_path / "in" / "deu_Latn.txt", sentences("latin", 5, seed=1))
    config = CorpusConfig(
        sources=[SourceConfig(type="text", path=str(tmp_path / "in"))],
        output=str(tmp_path / "o"),
        minhash={"enabled": False},
        exact_dedup={"enabled": False},
    )
    build_corpus(config)
    with pytest.raises(ConfigError, match="different config"):
        build_corpus(config.model_copy(update={"minhash": config.minhash.model_copy(update={"enabled": True})}))


def test_a_build_leaves_the_gc_and_the_environment_as_it_found_them(tmp_path: Path, monkeypatch) -> None:
    import gc
    import os

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    before = gc.get_threshold()
    write_lines(tmp_path / "input" / "deu_Latn.txt", sentences("latin", 20, seed=21))
    config = CorpusConfig(
        sources=[SourceConfig(type="text", path=str(tmp_path / "input"))], output=str(tmp_path / "out")
    )
    assert build_corpus(config)["totals"]["chunks_in"] == 20
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0  # frozen only during the build
    assert "TQDM_DISABLE" not in os.environ  # the quiet step sets it for datatrove's inner bars
