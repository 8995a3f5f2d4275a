"""The token shard cache: one tokenization, reuse, resumption, bad files reported not fatal."""

from __future__ import annotations

import numpy as np
import pytest
from train_fixtures import write_corpus
from transformers import AutoTokenizer

from glot500.core.errors import InputError
from glot500.corpus.reader import discover_languages
from glot500.train.shards import build_shards, load_shards, tokenizer_fingerprint


@pytest.fixture
def tokenizer(tokenizer_dir):
    return AutoTokenizer.from_pretrained(tokenizer_dir)


def test_shards_hold_documents_with_eos_and_are_reused(tmp_path, tokenizer):
    corpus = write_corpus(tmp_path / "corpus", lines=10)
    files = discover_languages(corpus)
    assert build_shards(files, tokenizer, tmp_path / "cache", progress=False) == []
    shards = load_shards(files, tokenizer, tmp_path / "cache")
    first_line = (corpus / "eng_Latn.txt").read_text(encoding="utf-8").splitlines()[0]
    expected = tokenizer(first_line, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    tokens = shards["eng_Latn"][0].load()
    assert tokens[: len(expected)].tolist() == expected
    assert int((tokens == tokenizer.eos_token_id).sum()) == shards["eng_Latn"][0].documents == 10

    marker_times = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.json")}
    build_shards(files, tokenizer, tmp_path / "cache", progress=False)  # nothing to do
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.json")} == marker_times

    with open(corpus / "deu_Latn.txt", "a", encoding="utf-8") as handle:
        handle.write("ein neuer satz\n")  # an edited file gets a new shard; the others are kept
    build_shards(discover_languages(corpus), tokenizer, tmp_path / "cache", progress=False)
    again = load_shards(discover_languages(corpus), tokenizer, tmp_path / "cache")
    assert again["deu_Latn"][0].documents == 11
    assert np.array_equal(again["eng_Latn"][0].load(), tokens)


def test_a_shard_without_done_marker_is_rebuilt(tmp_path, tokenizer):
    corpus = write_corpus(tmp_path / "corpus", lines=8)
    files = discover_languages(corpus)
    build_shards(files, tokenizer, tmp_path / "cache", progress=False)
    marker = next((tmp_path / "cache").rglob("yor_Latn/*.json"))
    good = marker.with_suffix(".u32").read_bytes()
    marker.unlink()  # as if killed before the marker was written
    marker.with_suffix(".u32").write_bytes(good[:7])
    build_shards(files, tokenizer, tmp_path / "cache", progress=False)
    assert marker.is_file() and marker.with_suffix(".u32").read_bytes() == good


def test_cache_is_keyed_by_tokenizer(tmp_path, tokenizer, tokenizer_dir):
    other = AutoTokenizer.from_pretrained(tokenizer_dir)
    other.add_tokens(["brandnewtoken"])
    assert tokenizer_fingerprint(other) != tokenizer_fingerprint(tokenizer)


def test_a_corrupt_file_is_reported_and_the_rest_is_kept(tmp_path, tokenizer):
    corpus = write_corpus(tmp_path / "corpus", lines=8)
    (corpus / "fra_Latn.txt.xz").write_bytes(b"not xz at all")
    files = discover_languages(corpus)
    failures = build_shards(files, tokenizer, tmp_path / "cache", progress=False)
    assert [(label, file.name) for label, file, _ in failures] == [("fra_Latn", "fra_Latn.txt.xz")]
    shards = load_shards(files, tokenizer, tmp_path / "cache")
    assert sorted(shards) == ["deu_Latn", "eng_Latn", "yor_Latn"]
    assert not list((tmp_path / "cache").rglob("*.partial"))


def test_nothing_tokenized_is_an_input_error(tmp_path, tokenizer):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fra_Latn.txt.xz").write_bytes(b"broken")
    files = discover_languages(corpus)
    build_shards(files, tokenizer, tmp_path / "cache", progress=False)
    with pytest.raises(InputError, match="no tokenized data"):
        load_shards(files, tokenizer, tmp_path / "cache")


def test_processes_share_the_work_whatever_the_timing(tmp_path, tokenizer):
    corpus = write_corpus(tmp_path / "corpus", lines=6)
    files = discover_languages(corpus)
    # rank 0 finishes before rank 1 even looks at the cache: every file still gets built exactly once
    build_shards(files, tokenizer, tmp_path / "cache", rank=0, world_size=2, progress=False)
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 2  # files 0 and 2 of 3
    build_shards(files, tokenizer, tmp_path / "cache", rank=1, world_size=2, progress=False)
    assert sorted(load_shards(files, tokenizer, tmp_path / "cache")) == ["deu_Latn", "eng_Latn", "yor_Latn"]
