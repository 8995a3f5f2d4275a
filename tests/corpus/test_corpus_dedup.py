"""Dedup keys, and our faster MinHash stages against datatrove's own: the files they write must be identical."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from corpus_fixtures import sentences
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import MinhashDedupBuckets, MinhashDedupSignature

from glot500.corpus.dedup import (
    LanguageMinhashSignature,
    MultilingualWordTokenizer,
    SortedMinhashBuckets,
    dedup_normal_form,
    exact_dedup_key,
    minhash_config,
)


def test_normal_form_drops_punctuation_digits_whitespace_in_any_script() -> None:
    assert dedup_normal_form("Hello, world! 123 ٣\u200b") == "Helloworld"
    assert dedup_normal_form("नमस्ते। दुनिया") == "नमस्तेदुनिया"  # combining vowel signs stay
    assert dedup_normal_form("日本語、テスト。𝟘") == "日本語テスト"
    doc = Document(text="a, b 1", id="x", metadata={"lang": "deu_Latn"})
    assert exact_dedup_key(doc) == "deu_Latn\x00ab"


def test_spaceless_text_is_shingled_by_characters() -> None:
    tokenizer = MultilingualWordTokenizer()
    assert tokenizer.word_tokenize("ภาษาไทยไม่มีช่องว่างระหว่างคำเลยนะครับ") == list("ภาษาไทยไม่มีช่องว่างระหว่างคำเลยนะครับ")
    assert tokenizer.word_tokenize("words split on spaces") == ["words", "split", "on", "spaces"]


def make_docs(texts: list[str]) -> list[Document]:
    return [Document(text=t, id=str(i), metadata={"lang": "deu_Latn"}) for i, t in enumerate(texts)]


def test_batched_signatures_and_sorted_buckets_match_datatrove(tmp_path: Path) -> None:
    config = minhash_config(5, 14, 8, 1)
    base = sentences("latin", 300, seed=3)
    near = [text.rsplit(" ", 1)[0] + " zorimak." for text in base[:40]]
    ranks = [base[:150] + near[:20], base[150:] + base[:30] + near[20:] + ["too short"]]
    ours = LanguageMinhashSignature(str(tmp_path / "ours"), config, batch_size=64)

    class Reference(MinhashDedupSignature):  # datatrove's stage 1 on the same salted shingles
        def get_shingles(self, text: str) -> np.ndarray:
            return np.asarray(ours.shingles(text, "deu_Latn"), dtype=np.uint64).reshape(-1, 1)

    reference = Reference(str(tmp_path / "ref"), config=config, language=MultilingualWordTokenizer())
    for rank, texts in enumerate(ranks):
        LanguageMinhashSignature(str(tmp_path / "ours"), config, batch_size=64).run(iter(make_docs(texts)), rank, 2)
        reference.run(iter(make_docs(texts)), rank, 2)
    for path in sorted((tmp_path / "ref").glob("*/*.sig")):
        assert (tmp_path / "ours" / path.parent.name / path.name).read_bytes() == path.read_bytes()
    for bucket in range(14):
        MinhashDedupBuckets(str(tmp_path / "ref"), str(tmp_path / "dups_ref"), config=config).run(None, bucket, 14)
        SortedMinhashBuckets(str(tmp_path / "ref"), str(tmp_path / "dups_ours"), config=config).run(None, bucket, 14)
    found = 0
    for path in sorted((tmp_path / "dups_ref").glob("*.dups")):
        assert (tmp_path / "dups_ours" / path.name).read_bytes() == path.read_bytes()
        found += path.stat().st_size
    assert found > 0  # the exact and near copies were matched
