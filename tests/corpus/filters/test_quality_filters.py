"""Glot500's chunk filters (after ROOTS): length, special characters, character and word repetition."""

from __future__ import annotations

import json
import random

import pytest
from datatrove.pipeline.writers import JsonlWriter

from glot500.corpus.filters import (
    CharacterRepetitionFilter,
    LengthFilter,
    SpecialCharactersFilter,
    WordRepetitionFilter,
)
from glot500.corpus.filters.measures import char_profile, character_repetition_ratio, word_repetition_ratio, word_units
from glot500.corpus.filters.ngrams import character_repetition_ratios, ngram_hashes, repetition_ratios

VERSE = "In the beginning God created the heavens and the earth, and the earth was without form and void."


def test_length_filter_drops_short_chunks_with_their_reason(doc, run) -> None:
    docs = [
        doc(VERSE, "eng_Latn", "long"),
        doc("Jesus wept.", "eng_Latn", "two-words"),
        doc("12 34 !!", "eng_Latn", "no-letters"),
        doc("", "eng_Latn", "empty"),
    ]
    kept, dropped = run(LengthFilter(min_words=3, min_chars=5), docs)
    assert [d.id for d in kept] == ["long"]
    assert dropped == {"two-words": "too_few_words", "no-letters": "too_few_chars", "empty": "too_few_chars"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ฉันรักคุณมาก", "tha_Thai"),
        ("太初有道道与神同在", "cmn_Hani"),
        ("私は学生です", "jpn_Jpan"),
        ("ខ្ញុំស្រឡាញ់អ្នក", "khm_Khmr"),
    ],
)
def test_spaceless_scripts_count_characters_not_whitespace_tokens(doc, run, text: str, lang: str) -> None:
    # One whitespace token, but several words: measured in characters it passes a 3-word minimum.
    assert len(text.split()) == 1
    kept, dropped = run(LengthFilter(min_words=3), [doc(text, lang)])
    assert len(kept) == 1 and not dropped
    # The same minimum does drop a one-word chunk of a script written with spaces.
    _, dropped = run(LengthFilter(min_words=3), [doc("Supercalifragilistic", "eng_Latn", "one")])
    assert dropped == {"one": "too_few_words"}


def test_word_count_of_a_spaceless_chunk_without_a_script_label_uses_the_detected_script(doc, run) -> None:
    kept, _ = run(LengthFilter(min_words=3), [doc("ฉันรักคุณมาก", "tha")])
    assert len(kept) == 1


def test_special_characters_filter(doc, run) -> None:
    docs = [
        doc(VERSE, "eng_Latn", "prose"),
        doc("नमस्ते दुनिया, आप कैसे हैं", "hin_Deva", "devanagari"),  # vowel signs are marks, not special
        doc("$$$ ### 1234 5678 !!! ??? ... Hi", "eng_Latn", "noise"),
        doc("😀😀😀 ok 😀😀😀", "eng_Latn", "emoji"),
    ]
    kept, dropped = run(SpecialCharactersFilter(max_ratio=0.4), docs)
    assert [d.id for d in kept] == ["prose", "devanagari"]
    assert dropped == {"noise": "special_characters", "emoji": "special_characters"}
    assert docs[2].metadata["special_characters_ratio"] > 0.4


def test_char_profile_counts_special_characters_and_words() -> None:
    profile = char_profile(["ab, cd 12", "", "x", "!!", "'nan -ya \"bɛ", "don't 1-2 ''"], unattached=True)
    assert profile.lengths.tolist() == [9, 0, 1, 2, 12, 12]
    assert profile.special.tolist() == [5, 0, 0, 2, 5, 8]
    assert profile.words.tolist() == [2, 0, 1, 0, 3, 2]
    # Apostrophes, quotes and hyphens touching a letter (tone marks, elision) are not counted as special.
    assert profile.special_unattached.tolist() == [5, 0, 0, 2, 2, 7]


def test_tone_marks_written_with_punctuation_are_letters_by_default(doc, run) -> None:
    yaoure = "'Wɩ nɛn maan 'nan 'an ve bɛ -nyrɛn 'gʋ, maan 'man 'nan 'ka 'va min -mienun -a ve 'nan 'o ya"
    kept, _ = run(SpecialCharactersFilter(max_ratio=0.3), [doc(yaoure, "yre_Latn", "yre")])
    assert len(kept) == 1
    _, dropped = run(
        SpecialCharactersFilter(max_ratio=0.3, attached_marks_are_letters=False), [doc(yaoure, "yre_Latn", "yre")]
    )
    assert dropped == {"yre": "special_characters"}


def test_character_repetition_filter(doc, run) -> None:
    docs = [
        doc(VERSE, "eng_Latn", "verse"),
        doc("ha" * 40, "eng_Latn", "haha"),
        doc("abc " * 20, "eng_Latn", "abc"),
        doc("And God said: let there be light.", "eng_Latn", "short"),
    ]
    kept, dropped = run(CharacterRepetitionFilter(), docs)
    assert [d.id for d in kept] == ["verse", "short"]
    assert dropped == {"haha": "character_repetition", "abc": "character_repetition"}
    assert docs[1].metadata["character_repetition_ratio"] == pytest.approx(36 / 71, abs=1e-4)  # top isqrt(2) = 1


def test_roots_exact_formula_drops_every_short_chunk_and_misses_pure_repetition(doc, run) -> None:
    # ROOTS's formula as published: isqrt(N)/N > 0.106 for a 34-character chunk with nothing repeated,
    # and 0 for a chunk made only of repeated n-grams. The default fixes both; this shows why.
    short, periodic = "And God said: let there be light.", "ha" * 40
    assert character_repetition_ratio(short, 10, roots_exact=True) > 0.106
    assert character_repetition_ratio(periodic, 10, roots_exact=True) == 0.0
    assert character_repetition_ratio(short, 10) == 0.0
    assert character_repetition_ratio(periodic, 10) > 0.5
    _, dropped = run(CharacterRepetitionFilter(max_ratio=0.106, roots_exact=True), [doc(short, "eng_Latn", "short")])
    assert dropped == {"short": "character_repetition"}


@pytest.mark.parametrize("roots_exact", [False, True])
def test_vectorised_character_repetition_matches_the_reference(roots_exact: bool) -> None:
    rng = random.Random(7)
    texts = [VERSE, "", "short", "ha" * 40, "ab" * 3 + "c" * 30]
    texts += ["".join(rng.choice("abc ") for _ in range(rng.randint(0, 80))) for _ in range(200)]
    texts += ["".join(rng.choice("ἀβγ太初🙂 ") for _ in range(rng.randint(5, 60))) for _ in range(50)]
    fast = character_repetition_ratios(texts, 10, roots_exact)
    expected = [character_repetition_ratio(text, 10, roots_exact) for text in texts]
    assert fast.tolist() == pytest.approx(expected)


def test_word_repetition_filter_spaced_and_spaceless(doc, run) -> None:
    docs = [
        doc(VERSE, "eng_Latn", "verse"),
        doc("buy now and save, buy now and save, buy now and save, buy now and save", "eng_Latn", "spam"),
        doc("太初有道，道与神同在，道就是神。这道太初与神同在。", "cmn_Hani", "chinese"),
        doc("我们爱你我们爱你我们爱你我们爱你我们爱你我们爱你", "cmn_Hani", "chinese-spam"),
    ]
    kept, dropped = run(WordRepetitionFilter(ngram=5, max_ratio=0.19, spaceless_ngram=4), docs)
    assert [d.id for d in kept] == ["verse", "chinese"]
    assert dropped == {"spam": "word_repetition", "chinese-spam": "word_repetition"}


@pytest.mark.parametrize(("spaceless", "n"), [(False, 5), (False, 1), (True, 10)])
def test_vectorised_word_repetition_matches_the_reference(spaceless: bool, n: int) -> None:
    rng = random.Random(3)
    words = ["the", "The", "lord", "said,", "unto", "him", "42", "—", "देव", "道"]
    texts = [VERSE, "", "  ", "x", "A a A a A a A a"]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(200)]
    fast = repetition_ratios(ngram_hashes(texts, n, spaceless))
    expected = [word_repetition_ratio(word_units(text, spaceless), n) for text in texts]
    assert fast.tolist() == pytest.approx(expected)


def test_dropped_chunks_go_to_the_exclusion_writer_with_reason_and_stats_add_up(doc, tmp_path) -> None:
    docs = [doc(VERSE, "eng_Latn", "verse"), doc("ha" * 40, "eng_Latn", "haha"), doc("x" * 50, "eng_Latn", "xx")]
    step = CharacterRepetitionFilter(exclusion_writer=JsonlWriter(str(tmp_path), compression=None))
    assert [d.id for d in step(iter(docs))] == ["verse"]
    written = [json.loads(line) for file in sorted(tmp_path.glob("*.jsonl")) for line in file.read_text().splitlines()]
    assert {row["id"]: row["metadata"]["filter_reason"] for row in written} == {
        "haha": "character_repetition",
        "xx": "character_repetition",
    }
    stats = step.stats.stats
    assert (stats["total"].total, stats["forwarded"].total, stats["dropped"].total) == (3, 1, 2)
    assert stats["dropped_character_repetition"].total == 2
