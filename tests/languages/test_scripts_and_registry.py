"""Script detection across scripts, script matching, head/tail and language info."""

from __future__ import annotations

import pytest

from glot500.languages import detect_script, info, is_head, is_spaceless, script_name, scripts_match


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("All human beings are born free and equal.", "Latn"),
        ("Все люди рождаются свободными и равными.", "Cyrl"),
        ("يولد جميع الناس أحراراً متساوين في الكرامة والحقوق.", "Arab"),
        ("सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता प्राप्त है।", "Deva"),
        ("人人生而自由，在尊严和权利上一律平等。", "Hani"),
        ("የሰው፡ ልጅ፡ ሁሉ፡ሲወለድ፡ ነጻና፡ በክብርና፡ በመብትም፡ እኩልነት፡ ያለው፡ ነው።", "Ethi"),
        ("มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกันในเกียรติศักด[เกียรติศักดิ์]และสิทธิ", "Thai"),
        ("すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。", "Jpan"),
        ("ὅλοι οἱ ἄνθρωποι γεννιοῦνται ἐλεύθεροι", "Grek"),
        ("1234 — 5678 !!", "Zyyy"),
    ],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


def test_spaceless_scripts() -> None:
    assert all(is_spaceless(s) for s in ("Hani", "Jpan", "Thai", "Khmr", "Laoo", "Mymr", "Tibt"))
    assert not any(is_spaceless(s) for s in ("Latn", "Cyrl", "Arab", "Deva", "Ethi"))


def test_scripts_match_composites() -> None:
    assert scripts_match("Jpan", "Hira") and scripts_match("Jpan", "Hani")
    assert scripts_match("Hans", "Hani") and scripts_match("Kore", "Hang")
    assert not scripts_match("Latn", "Cyrl")
    assert not scripts_match("Hani", "Hira")


@pytest.mark.parametrize(
    ("label", "head"),
    [
        ("deu_Latn", True),
        ("eng_Latn", True),
        ("arb_Arab", True),  # individual language of head macrolanguage ara
        ("nob_Latn", True),  # of nor
        ("cmn_Hani", True),  # Han matches zho_Hans / zho_Hant
        ("jpn_Jpan", True),
        ("hin_Latn", True),  # XLM-R's romanized Hindi
        ("yor_Latn", False),
        ("quc_Latn", False),
        ("deu_Cyrl", False),  # right language, script not in XLM-R's data
        ("srp_Latn", False),
    ],
)
def test_head_and_tail(label: str, head: bool) -> None:
    assert is_head(label) is head


def test_info_names_family_and_group() -> None:
    german = info("deu_Latn")
    assert (german.language_name, german.script_name, german.head) == ("German", "Latin", True)
    assert german.family == "ine" and german.genus == "gmw"
    yoruba = info("yor_Latn")
    assert not yoruba.head and yoruba.family_name and "Niger" in yoruba.family_name
    assert script_name("Cyrl") == "Cyrillic"
