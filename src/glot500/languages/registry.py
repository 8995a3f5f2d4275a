"""What we know about a label: names, head/tail (XLM-R's languages) and family (ISO 639-5)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

from glot500.core.errors import LanguageCodeError
from glot500.languages.labels import NON_SCRIPTS, LangScript, collective_codes, read_data_table
from glot500.languages.scripts import script_name, scripts_match


@dataclass(frozen=True)
class LanguageInfo:
    label: str
    language: str
    language_name: str
    script: str
    script_name: str
    head: bool
    scope: str  # individual, macrolanguage, collective (an ISO 639-5 group) or special (und, mul, zxx, mis)
    macrolanguage: str | None
    family: str | None
    family_name: str | None
    genus: str | None
    genus_name: str | None
    note: str | None = None  # set when head/tail does not apply (the script is no writing system: Zyyy, Zzzz)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@lru_cache(maxsize=1)
def head_labels() -> frozenset[str]:
    """The head language-scripts as shipped in ``data/head_languages.tsv``."""
    return frozenset(row["label"] for row in read_data_table("head_languages.tsv"))


@lru_cache(maxsize=8192)
def is_head(label: str | LangScript) -> bool:
    """Whether a label is one of XLM-R's pretraining language-scripts ("head" in Glot500).

    A label counts as head when its language, or its macrolanguage (``arb`` -> ``ara``), is listed with a
    matching script (``cmn_Hani`` matches ``zho_Hans``: both are Han).
    """
    parsed = label if isinstance(label, LangScript) else LangScript.parse(str(label))
    candidates = {parsed.lang}
    macro = macrolanguage(parsed.lang)
    if macro:
        candidates.add(macro)
    for head in head_labels():
        lang, script = head.split("_")
        if lang in candidates and (scripts_match(script, parsed.script) or scripts_match(parsed.script, script)):
            return True
    return False


@lru_cache(maxsize=8192)
def macrolanguage(lang: str) -> str | None:
    """The ISO 639-3 macrolanguage an individual language belongs to (``arb`` -> ``ara``), else ``None``."""
    import iso639

    try:
        return iso639.Language.from_part3(lang).macrolanguage or None
    except (iso639.LanguageNotFoundError, KeyError):
        return None


@lru_cache(maxsize=8192)
def language_name(lang: str) -> str:
    import iso639

    if lang in collective_codes():
        return group_name(lang)
    try:
        return iso639.Language.from_part3(lang).name
    except (iso639.LanguageNotFoundError, KeyError):
        return lang


SCOPES = {"I": "individual", "M": "macrolanguage", "S": "special"}


@lru_cache(maxsize=8192)
def scope(lang: str) -> str:
    """What an ISO 639 code names: ``individual``, ``macrolanguage``, ``collective`` (a group) or ``special``."""
    import iso639

    if lang in collective_codes():
        return "collective"
    try:
        return SCOPES.get(iso639.Language.from_part3(lang).scope, "individual")
    except (iso639.LanguageNotFoundError, KeyError):
        return "individual"


@lru_cache(maxsize=8192)
def lineage(lang: str) -> tuple[str, ...]:
    """ISO 639-5 groups above ``lang``, nearest first (``deu`` -> ``('gmw', 'gem', 'ine')``); may be empty."""
    from iso_langcodes.iso639_5 import language_parent

    chain: list[str] = []
    current = language_parent(lang) or (language_parent(macrolanguage(lang)) if macrolanguage(lang) else None)
    while current and current not in chain and current != "mul":  # "mul" (multiple languages) is the root
        chain.append(current)
        current = language_parent(current)
    return tuple(chain)


@lru_cache(maxsize=1024)
def group_name(code: str) -> str:
    import langcodes

    name = langcodes.Language.get(code).display_name()
    return code if name.startswith("Unknown") else name


def info(label: str) -> LanguageInfo:
    """Everything :mod:`glot500.languages` knows about ``label``."""
    try:
        parsed = LangScript.parse(label)
    except LanguageCodeError:
        raise
    chain = lineage(parsed.lang)
    family, genus = (chain[-1], chain[0]) if chain else (None, None)
    return LanguageInfo(
        label=str(parsed),
        language=parsed.lang,
        language_name=language_name(parsed.lang),
        script=parsed.script,
        script_name=script_name(parsed.script),
        head=is_head(parsed),
        scope=scope(parsed.lang),
        macrolanguage=macrolanguage(parsed.lang),
        family=family,
        family_name=group_name(family) if family else None,
        genus=genus,
        genus_name=group_name(genus) if genus else None,
        note=_script_note(parsed.script),
    )


def _script_note(script: str) -> str | None:
    if script not in NON_SCRIPTS:
        return None
    return (
        f"{script} ({script_name(script)}) is not a writing system: text with no letters of any script; "
        "head and tail are defined for language-scripts, so this label is neither"
    )
