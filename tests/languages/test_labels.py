"""Language-script labels: every accepted code form, scripts from text, errors."""

from __future__ import annotations

import pytest

from glot500.core.errors import LanguageCodeError
from glot500.languages import LangScript, normalize


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("de", "deu_Latn"),  # ISO 639-1
        ("ger", "deu_Latn"),  # ISO 639-2/B
        ("deu", "deu_Latn"),  # ISO 639-3 (= 639-2/T)
        ("deu_Latn", "deu_Latn"),  # label
        ("sr-Latn", "srp_Latn"),  # BCP-47 with script
        ("sr-Cyrl-RS", "srp_Cyrl"),  # BCP-47 with script and region
        ("sr_Cyrl_RS", "srp_Cyrl"),  # underscores work as separators
        ("zh-Hant-TW", "zho_Hant"),
        ("am", "amh_Ethi"),  # likely script from CLDR
        ("sr", "srp_Cyrl"),
        ("pa", "pan_Guru"),
        ("iw", "heb_Hebr"),  # documented exception: deprecated ISO 639-1 code
        ("  fra ", "fra_Latn"),
        ("deu_latn", "deu_Latn"),  # BCP-47 subtags are case-insensitive
    ],
)
def test_normalize_code_forms(code: str, label: str) -> None:
    assert normalize(code) == label


def test_macrolanguages_and_individual_languages_are_kept_as_given() -> None:
    assert normalize("zh").startswith("zho_")
    assert normalize("cmn").startswith("cmn_")
    assert normalize("ar").startswith("ara_")
    assert normalize("arb").startswith("arb_")


@pytest.mark.parametrize(
    ("code", "text", "label"),
    [
        ("uzb", "Барча одамлар эркин", "uzb_Cyrl"),
        ("uzb", "Barcha odamlar erkin", "uzb_Latn"),
        ("srp", "Сва људска бића", "srp_Cyrl"),
        ("cmn", "人人生而自由", "cmn_Hani"),
        ("jpn", "すべての人間は、生まれながらにして自由", "jpn_Jpan"),
    ],
)
def test_script_comes_from_text(code: str, text: str, label: str) -> None:
    assert normalize(code, text=text) == label


def test_explicit_script_subtag_wins_over_text() -> None:
    assert normalize("sr-Latn", text="Сва људска бића") == "srp_Latn"


@pytest.mark.parametrize("bad", ["qqqq", "zz", "x", "", "de-!!", "ger_Latn", "deu_Xxxx", "123"])
def test_bad_codes_raise_naming_the_input(bad: str) -> None:
    with pytest.raises(LanguageCodeError) as error:
        normalize(bad)
    if bad.strip():
        assert repr(bad)[1:-1].split("_")[0] in str(error.value)


def test_label_value_type_round_trips_and_orders() -> None:
    label = LangScript.parse("deu_Latn")
    assert (label.lang, label.script, str(label)) == ("deu", "Latn", "deu_Latn")
    assert LangScript.parse(str(label)) == label
    assert sorted([LangScript("srp", "Latn"), LangScript("deu", "Latn")])[0].lang == "deu"
    with pytest.raises(LanguageCodeError):
        LangScript.parse("de_Latn")
