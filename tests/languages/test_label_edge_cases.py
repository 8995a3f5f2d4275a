"""Labels from odd input: text with no script letters, special scripts, absurdly long codes."""

from __future__ import annotations

import pytest

from glot500.core.errors import LanguageCodeError
from glot500.languages import info, normalize


@pytest.mark.parametrize("text", ["😀", "12345 !!!", "\u0301"])
def test_text_without_script_letters_falls_back_to_the_likely_script(text: str) -> None:
    assert normalize("de", text=text) == "deu_Latn"
    assert normalize("sr", text=text) == "srp_Cyrl"


def test_text_with_letters_still_decides_the_script() -> None:
    assert normalize("sr", text="dobro jutro 😀") == "srp_Latn"


def test_zyyy_label_is_neither_head_nor_tail() -> None:
    details = info("deu_Zyyy")
    assert details.note is not None and "not a writing system" in details.note
    assert info("deu_Latn").note is None


def test_a_huge_code_is_cut_in_the_error() -> None:
    with pytest.raises(LanguageCodeError) as error:
        normalize("x" * 100_000)
    message = str(error.value)
    assert len(message) < 300 and "100000 characters" in message
