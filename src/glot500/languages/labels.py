"""The language-script label, ``<ISO 639-3>_<ISO 15924>`` (``deu_Latn``), and normalisation into it."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from glot500.core.errors import LanguageCodeError
from glot500.languages.scripts import detect_script, is_known_script

LABEL_PATTERN = re.compile(r"^([a-z]{3})_([A-Z][a-z]{3})$")
_SUBTAG = re.compile(r"^[A-Za-z0-9]{1,8}$")
SHOWN_CODE_CHARS = 40  # longer codes are cut in error messages: a pasted text must not flood the terminal
# ISO 15924 codes of "no particular script" (Common, Inherited, Unknown, symbols, maths, emoji): text detected as
# one of these tells nothing about how the language is written, so normalisation falls back to its likely script.
NON_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz", "Zsym", "Zsye", "Zmth", "Zxxx"})


def shown(code: object) -> str:
    """``repr(code)``, cut to :data:`SHOWN_CODE_CHARS` characters with its length said (for error messages)."""
    if isinstance(code, str) and len(code) > SHOWN_CODE_CHARS:
        return f"{code[:SHOWN_CODE_CHARS]!r}... ({len(code)} characters)"
    return repr(code)


@dataclass(frozen=True, order=True, slots=True)
class LangScript:
    """A language-script label: ``LangScript("deu", "Latn")``, printed as ``deu_Latn``."""

    lang: str
    script: str

    def __str__(self) -> str:
        return f"{self.lang}_{self.script}"

    @property
    def label(self) -> str:
        return str(self)

    @classmethod
    def parse(cls, label: str) -> LangScript:
        """Parse a label in canonical form (``deu_Latn``); anything else raises :class:`LanguageCodeError`."""
        match = LABEL_PATTERN.match(label.strip()) if isinstance(label, str) else None
        if not match:
            raise LanguageCodeError(f"{shown(label)} is not a language-script label (expected e.g. 'deu_Latn')")
        lang, script = match.groups()
        _require_iso639_3(lang, label)
        if not is_known_script(script):
            raise LanguageCodeError(f"{label!r}: {script!r} is not an ISO 15924 script code")
        return cls(lang, script)


def normalize(code: str, text: str | None = None) -> str:
    """Turn any accepted language code into a label.

    Accepts ISO 639-1 (``de``), ISO 639-2/B and /T (``ger``), ISO 639-3 (``deu``), BCP-47 tags with script
    and region (``zh-Hant-TW``, ``sr-Latn``; ``_`` works as separator too) and labels (``deu_Latn``).
    The script is, in order: the tag's own script subtag; the script of ``text`` (GlotScript), unless the
    text has no letters of any script (emoji, digits, punctuation: :data:`NON_SCRIPTS`); the language's likely
    script from CLDR (langcodes). Macrolanguages and individual languages are kept as
    given; only the deprecated codes in ``data/code_exceptions.tsv`` are mapped. ISO 639-5 collective codes
    (``ber`` Berber, ``sla`` Slavic), which datasets use for mixed or unspecified members, are labels too.

    Raises:
        LanguageCodeError: the code is malformed or unknown, or no script can be found.
    """
    if not isinstance(code, str) or not code.strip():
        raise LanguageCodeError(f"empty language code {shown(code)}")
    code = code.strip()
    if LABEL_PATTERN.match(code):
        return str(LangScript.parse(code))
    subtags = re.split(r"[-_]", code)
    if not all(_SUBTAG.match(part) for part in subtags) or not re.fullmatch(r"[A-Za-z]{2,3}", subtags[0]):
        raise LanguageCodeError(
            f"{shown(code)} is not a language code (expected e.g. 'de', 'deu', 'sr-Latn', 'deu_Latn')"
        )
    lang = to_iso639_3(subtags[0])
    script = next((part.title() for part in subtags[1:] if re.fullmatch(r"[A-Za-z]{4}", part)), None)
    if script is None and text:
        detected = detect_script(text)
        script = None if detected in NON_SCRIPTS else detected  # emoji, digits: the language's own script
    if script is None:
        script = likely_script(lang)
    if not is_known_script(script):
        raise LanguageCodeError(f"{shown(code)}: {script!r} is not an ISO 15924 script code")
    return f"{lang}_{script}"


@lru_cache(maxsize=4096)
def to_iso639_3(code: str) -> str:
    """ISO 639-1/2B/2T/3 code -> ISO 639-3 code (``de``/``ger``/``deu`` -> ``deu``)."""
    import iso639

    lowered = code.lower()
    exception = _code_exceptions().get(lowered)
    if exception:
        return exception
    lookups = {2: ("from_part1",), 3: ("from_part3", "from_part2b", "from_part2t")}.get(len(lowered), ())
    for lookup in lookups:
        try:
            return getattr(iso639.Language, lookup)(lowered).part3
        except (iso639.LanguageNotFoundError, KeyError, AttributeError):
            continue
    if lowered in collective_codes():  # ber, sla, nah...: datasets (LASER's Tatoeba, Glot500) label by them
        return lowered
    raise LanguageCodeError(f"{shown(code)} is not a known ISO 639 language code")


@lru_cache(maxsize=1)
def collective_codes() -> frozenset[str]:
    """ISO 639-5 (and ISO 639-2 collective) codes of language groups: ``ber`` (Berber), ``sla`` (Slavic)."""
    from iso_langcodes.iso639_5 import LanguageGroup

    return frozenset(code for code in LanguageGroup if len(code) == 3 and code != "mul")


@lru_cache(maxsize=4096)
def likely_script(lang: str) -> str:
    """The script CLDR's likely subtags give for an ISO 639-3 code (``srp`` -> ``Cyrl``)."""
    import langcodes

    try:
        script = langcodes.Language.get(lang).maximize().script
    except (ValueError, LookupError):
        script = None
    if not script:
        raise LanguageCodeError(
            f"no likely script is known for {lang!r}: give a label (e.g. '{lang}_Latn') or a text sample (--text)"
        )
    return script


def _require_iso639_3(lang: str, original: str) -> None:
    if to_iso639_3(lang) != lang:
        raise LanguageCodeError(
            f"{original!r}: {lang!r} is not an ISO 639-3 code (did you mean {to_iso639_3(lang)!r}?)"
        )


@lru_cache(maxsize=1)
def _code_exceptions() -> dict[str, str]:
    rows = read_data_table("code_exceptions.tsv")
    return {row["code"]: row["iso639_3"] for row in rows}


def read_data_table(name: str) -> list[dict[str, str]]:
    """Rows of a TSV shipped in ``glot500/languages/data`` (lines starting with ``#`` are comments)."""
    text = resources.files("glot500.languages").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))
