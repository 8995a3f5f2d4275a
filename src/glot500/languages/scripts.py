"""Writing systems: detect a text's script (GlotScript) and compare scripts that are written alike."""

from __future__ import annotations

from functools import cache, lru_cache

from GlotScript import sp

# Scripts written without spaces between words: word-level measures use characters there.
SPACELESS_SCRIPTS = frozenset({"Hani", "Hans", "Hant", "Jpan", "Hira", "Kana", "Thai", "Khmr", "Laoo", "Mymr", "Tibt"})

# ISO 15924 composite codes and the Unicode scripts they are written with. A label may use either side;
# script comparisons treat a composite as matching each of its parts.
_COMPOSITES: dict[str, frozenset[str]] = {
    "Jpan": frozenset({"Hira", "Kana", "Hani", "Jpan"}),
    "Kore": frozenset({"Hang", "Hani", "Kore"}),
    "Hans": frozenset({"Hani", "Hans"}),
    "Hant": frozenset({"Hani", "Hant"}),
    "Hani": frozenset({"Hani", "Hans", "Hant"}),
    "Hang": frozenset({"Hang", "Kore"}),
}
NO_SCRIPT = "Zyyy"  # ISO 15924 "Common": text without letters of any script (digits, punctuation)


def detect_script(text: str) -> str:
    """The main ISO 15924 script of ``text``.

    Japanese text (kana with or without kanji) is reported as ``Jpan``; text with no letters as ``Zyyy``.
    """
    main, _score, meta = _predict(text)
    if main is None:
        return NO_SCRIPT
    details = meta.get("details", {}) if isinstance(meta, dict) else {}
    if main in ("Hira", "Kana", "Hani") and ({"Hira", "Kana"} & set(details)):
        return "Jpan"
    return main


def script_shares(text: str) -> dict[str, float]:
    """Share of each script among the letters of ``text`` (GlotScript's details)."""
    main, score, meta = _predict(text)
    if main is None:
        return {}
    details = meta.get("details") if isinstance(meta, dict) else None
    return dict(details) if details else {main: float(score)}


def _predict(text: str) -> tuple[str | None, float, dict]:
    result = sp(text)
    if len(result) == 2:  # GlotScript returns (None, 0) for text without letters
        return result[0], float(result[1]), {}
    return result[0], float(result[1]), result[2]


def scripts_match(label_script: str, detected: str) -> bool:
    """Whether text detected as ``detected`` fits a label written in ``label_script``."""
    if label_script == detected:
        return True
    return detected in _COMPOSITES.get(label_script, frozenset())


def is_spaceless(script: str) -> bool:
    """True for scripts that do not separate words with spaces (measure characters there)."""
    return script in SPACELESS_SCRIPTS


@lru_cache(maxsize=512)
def script_name(script: str) -> str:
    """English name of an ISO 15924 code (``Cyrl`` -> ``Cyrillic``); ``Unknown Script [X]`` if unknown."""
    import langcodes

    return langcodes.Language.get(f"und-{script}").script_name()


@lru_cache(maxsize=512)
def is_known_script(script: str) -> bool:
    """Whether ``script`` is an ISO 15924 code known to CLDR (or a Unicode script GlotScript detects)."""
    from GlotScript.GlotScript import SCRIPT_RANGES

    return script in SCRIPT_RANGES or script in _COMPOSITES or not script_name(script).startswith("Unknown")


SPIECE_UNDERLINE = "\u2581"  # SentencePiece's word-start marker


@cache  # pure; called for every base token by several embedding inits and their statistics
def token_script(token: str) -> str:
    """ISO 15924 script of a vocabulary token (``▁`` ignored; ``Zyyy`` for digits/punctuation)."""
    text = token.replace(SPIECE_UNDERLINE, "")
    return detect_script(text) if text else NO_SCRIPT
