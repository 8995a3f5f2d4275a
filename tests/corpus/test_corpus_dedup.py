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


def test_fast_normalisation_gives_datatrove_words() -> None:
    from datatrove.utils.text import simplify_text

    config = minhash_config(5, 14, 8, 1)
    signer = LanguageMinhashSignature("unused", config)
    texts = [
        *sentences("latin", 20, seed=5),
        "  Ünïcode,, text — with 12.5 numbers\tand\n\n «quotes» … ",
        "ভাষা ও লিপি। ১২৩ সংখ্যা, শব্দ!",
        "日本語の文章です。句読点、あり。",
        "x",
        "",
    ]
    for text in texts:
        expected = signer.word_tokenizer.word_tokenize(simplify_text(text, config.norm_config))
        assert signer.words(text) == expected, text


def test_shingles_depend_on_words_order_and_language() -> None:
    signer = LanguageMinhashSignature("unused", minhash_config(3, 2, 2, 1))
    base = signer.shingles("one two three four", "deu_Latn")
    assert len(base) == 2 and len(set(base)) == 2
    assert signer.shingles("ONE, two; three four!", "deu_Latn") == base  # normalised away
    assert signer.shingles("two one three four", "deu_Latn")[0] != base[0]
    assert signer.shingles("one two three four", "nld_Latn")[0] != base[0]
    assert signer.shingles("one two", "deu_Latn") == []


def test_sliced_signatures_equal_one_matrix_with_documents_across_slices() -> None:
    from datatrove.pipeline.dedup.minhash import _mersenne_prime

    from glot500.corpus.dedup import SHINGLE_SLICE

    signer = LanguageMinhashSignature("unused", minhash_config(5, 4, 3, 7))
    rng = np.random.default_rng(0)
    lengths = [3, SHINGLE_SLICE + 7, 1, 40, 2 * SHINGLE_SLICE, 5]  # two documents span slice boundaries
    hashes = rng.integers(0, 2**63, size=sum(lengths), dtype=np.uint64)
    a, b = signer.parameters
    permuted = (hashes.reshape(-1, 1) * a + b) % np.uint64(_mersenne_prime)
    expected = np.minimum.reduceat(permuted, np.r_[0, np.cumsum(lengths)[:-1]], axis=0)
    assert np.array_equal(signer._signatures(hashes, np.array(lengths)), expected)


def test_signature_agreement_estimates_jaccard() -> None:
    signer = LanguageMinhashSignature("unused", minhash_config(2, 50, 4, 3))  # 200 permutations
    words = [f"w{i}" for i in range(100)]
    first, second = " ".join(words), " ".join(words[:60] + [f"v{i}" for i in range(40)])
    shingles = [signer.shingles(text, "deu_Latn") for text in (first, second)]
    jaccard = len(set(shingles[0]) & set(shingles[1])) / len(set(shingles[0]) | set(shingles[1]))
    hashes = np.array(shingles[0] + shingles[1], dtype=np.uint64)
    signatures = signer._signatures(hashes, np.array([len(shingles[0]), len(shingles[1])]))
    agreement = float(np.mean(signatures[0] == signatures[1]))
    assert abs(agreement - jaccard) < 0.1, (agreement, jaccard)


def test_batch_exact_hashes_agree_with_the_normal_form_keys() -> None:
    from glot500.corpus.dedup import exact_dedup_hashes

    texts = [
        "Hello, world! 123",
        "hello world",
        "Helloworld",
        "Hello   world\u200b...",
        "नमस्ते। दुनिया",
        "नमस्ते दुनिया ५",
        "日本語、テスト。𝟘",
        "日本語テスト",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐀀 astral",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢𐀀astral!",
        "",
        "  ... 12 ",
        *sentences("latin", 30, seed=11),
    ]
    langs = ["deu_Latn"] * len(texts)
    texts, langs = texts + texts[:4], langs + ["nld_Latn"] * 4  # same text, another language: never equal
    keys = [
        exact_dedup_key(Document(text=t, id=str(i), metadata={"lang": lang}))
        for i, (t, lang) in enumerate(zip(texts, langs, strict=True))
    ]
    hashes = exact_dedup_hashes(texts, langs).tolist()
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert (hashes[i] == hashes[j]) == (keys[i] == keys[j]), (texts[i], texts[j])
    assert len(set(keys)) < len(keys) - 4  # the cases above include real duplicates


def test_removal_table_matches_the_normal_form_on_every_plane_0_to_2_character() -> None:
    from glot500.corpus.dedup import _removed_table

    table = _removed_table()
    codes = [c for c in range(0x32400) if not 0xD800 <= c < 0xE000]
    text = "".join(map(chr, codes))
    assert dedup_normal_form(text) == "".join(chr(c) for c in codes if not table[c])


def test_lexicographic_order_equals_lexsort_with_many_ties() -> None:
    from glot500.corpus.dedup import lexicographic_order

    rng = np.random.default_rng(1)
    keys = [rng.integers(0, 6, 2000, dtype=np.uint64), rng.integers(0, 3, 2000), rng.permutation(2000)]
    assert np.array_equal(lexicographic_order(keys), np.lexsort(keys[::-1]))
    unique = [rng.permutation(500).astype(np.uint64), rng.integers(0, 3, 500)]
    assert np.array_equal(lexicographic_order(unique), np.lexsort(unique[::-1]))
