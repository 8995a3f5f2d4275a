"""Collective (ISO 639-5) and macrolanguage codes are labels; strings that are no ISO 639 code stay errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from glot500.cli import app
from glot500.core.errors import LanguageCodeError
from glot500.languages import LangScript, info, normalize, to_iso639_3


@pytest.mark.parametrize("label", ["ber_Latn", "sla_Cyrl", "nah_Latn", "afa_Arab"])
def test_collective_codes_are_valid_labels(label):
    assert str(LangScript.parse(label)) == label and normalize(label) == label
    assert info(label).scope == "collective"


def test_info_says_what_a_code_is():
    berber = info("ber_Latn")
    assert berber.language_name == "Berber languages" and berber.family == "afa" and not berber.head
    assert info("zho_Hans").scope == "macrolanguage" and info("deu_Latn").scope == "individual"
    output = CliRunner().invoke(app, ["lang", "info", "ber_Latn"], catch_exceptions=False).output
    assert "Berber languages (ber, collective code: a group of languages (ISO 639-5))" in output


@pytest.mark.parametrize("code", ["xyz", "qqq", "qaa_Latn"])
def test_strings_that_are_no_iso_code_remain_errors(code):
    with pytest.raises(LanguageCodeError):
        normalize(code)


def test_collective_codes_map_to_themselves():
    assert to_iso639_3("ber") == "ber" and to_iso639_3("BER") == "ber"
