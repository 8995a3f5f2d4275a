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


# ---- the bulk (sentencepiece) path -------------------------------------------------------------------

STACKED = ["ba\u0303\u0301 ka\u0301\u0303 ọ̀rọ̀ à e\u0323\u0301", "ẹ̀ṣọ́ ọmọ náà rí ajá"]  # decomposed tone marks


def _stacked_corpus(root):
    """The toy corpus plus a language written with stacked combining marks, decomposed (NFD)."""
    import unicodedata

    corpus = write_corpus(root, lines=12)
    lines = [unicodedata.normalize("NFD", text) for text in STACKED * 6]
    (corpus / "box_Latn.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def _tokens(cache, files, tokenizer):
    return {label: [s.load().tolist() for s in shards] for label, shards in load_shards(files, tokenizer, cache).items()}


def test_bulk_path_gives_the_fast_tokenizers_ids_in_processes(tmp_path, tokenizer_dir, caplog):
    from glot500.train.shards import choose_encoder

    corpus = _stacked_corpus(tmp_path / "corpus")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    files = discover_languages(corpus)
    encoder = choose_encoder(tokenizer, [(label, f) for label, fs in files.items() for f in fs])
    assert encoder.model_file is not None, encoder.reason
    with caplog.at_level("INFO", logger="glot500.train.shards"):
        assert build_shards(files, tokenizer, tmp_path / "bulk", progress=False, workers=2) == []
    assert "tokenizing with sentencepiece (2 processes)" in caplog.text
    assert build_shards(files, tokenizer, tmp_path / "fast", progress=False, bulk=False) == []
    bulk, fast = _tokens(tmp_path / "bulk", files, tokenizer), _tokens(tmp_path / "fast", files, tokenizer)
    assert bulk == fast and bulk["box_Latn"][0]
    first = (corpus / "box_Latn.txt").read_text(encoding="utf-8").split("\n")[0]
    assert bulk["box_Latn"][0][: len(tokenizer(first, add_special_tokens=False)["input_ids"]) + 1] == [
        *tokenizer(first, add_special_tokens=False)["input_ids"], tokenizer.eos_token_id]


def test_a_tokenizer_not_proven_identical_falls_back_with_the_reason(tmp_path, tokenizer_dir, caplog):
    import json
    import shutil

    corpus = _stacked_corpus(tmp_path / "corpus")
    files = discover_languages(corpus)
    old = shutil.copytree(tokenizer_dir, tmp_path / "old_tok")  # as an older glot500 wrote it: Precompiled only
    payload = json.loads((old / "tokenizer.json").read_text(encoding="utf-8"))
    payload["normalizer"] = payload["normalizer"]["normalizers"][1]
    (old / "tokenizer.json").write_text(json.dumps(payload), encoding="utf-8")
    tokenizer = AutoTokenizer.from_pretrained(old)
    with caplog.at_level("INFO", logger="glot500.train.shards"):
        build_shards(files, tokenizer, tmp_path / "cache", progress=False)
    assert "fast tokenizer: normalizer Precompiled without NFC first" in caplog.text and "vocab repair" in caplog.text
    shard = load_shards(files, tokenizer, tmp_path / "cache")["box_Latn"][0].load().tolist()
    first = (corpus / "box_Latn.txt").read_text(encoding="utf-8").split("\n")[0]
    assert shard[: len(tokenizer(first, add_special_tokens=False)["input_ids"])] == tokenizer(
        first, add_special_tokens=False)["input_ids"]

    extra = AutoTokenizer.from_pretrained(tokenizer_dir)
    extra.add_tokens(["brandnewtoken"])  # a token sentencepiece does not know
    caplog.clear()
    with caplog.at_level("INFO", logger="glot500.train.shards"):
        build_shards(files, extra, tmp_path / "cache2", progress=False)
    assert "fast tokenizer: vocabulary differs" in caplog.text
