"""The table-based script detector agrees with GlotScript (glot500.languages.detect_script)."""

from __future__ import annotations

import random

import pytest
from GlotScript.GlotScript import SCRIPT_RANGES

from glot500.languages import detect_script
from glot500.lid import script_detector

FIXED = [
    "",
    "   ",
    "123 456, 789!",
    "Hello, world",
    "Привет, мир",
    "すべての人間は、生まれながらにして自由",
    "カタカナだけ",
    "人人生而自由",
    "모든 인간은 自由",
    "नमस्ते दुनिया",
    "«Bonjour» — dit-il…",
    "😀😀 ok",
    "\ufffd\ufffd abc",
    "\U000e0001\U0010ffff",  # tag character, private use
    "ab\u0301\u0301\u0301",  # combining marks (Zinh)
    "\x00\x1f text",
]


def _random_texts(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    scripts = sorted(SCRIPT_RANGES)
    texts = []
    for _ in range(count):
        chosen = rng.sample(scripts, rng.randint(1, 3))
        chars = []
        for script in chosen:
            start, end = rng.choice(SCRIPT_RANGES[script])
            chars += [chr(rng.randint(start, end)) for _ in range(rng.randint(1, 12))]
        chars += [rng.choice(" ,.!?0123456789-") for _ in range(rng.randint(0, 6))]
        rng.shuffle(chars)
        texts.append("".join(chars))
    return texts


@pytest.mark.parametrize("text", FIXED)
def test_fixed_samples_agree_with_glotscript(text: str) -> None:
    assert script_detector().detect(text) == detect_script(text)


def test_random_multi_script_texts_agree_with_glotscript_one_by_one_and_batched() -> None:
    texts = _random_texts(1500) + FIXED
    expected = [detect_script(text) for text in texts]
    detector = script_detector()
    assert [detector.detect(text) for text in texts] == expected
    assert detector.detect_many(texts) == expected
    assert detector.detect_many([]) == []


def test_shares_sum_to_one_and_put_the_main_script_first() -> None:
    shares = script_detector().shares("Hello Мир")
    assert list(shares)[0] == "Latn" and shares["Cyrl"] == pytest.approx(3 / 8)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert script_detector().shares("123") == {}
