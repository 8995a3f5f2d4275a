"""Language-script labels (``deu_Latn``): normalisation, script detection, head/tail, names and families.

>>> normalize("sr-Cyrl-RS")
'srp_Cyrl'
"""

from glot500.languages.labels import LangScript, likely_script, normalize, to_iso639_3
from glot500.languages.registry import LanguageInfo, head_labels, info, is_head, lineage, macrolanguage
from glot500.languages.scripts import (
    detect_script,
    is_spaceless,
    script_name,
    script_shares,
    scripts_match,
)

__all__ = [
    "LangScript",
    "LanguageInfo",
    "detect_script",
    "head_labels",
    "info",
    "is_head",
    "is_spaceless",
    "likely_script",
    "lineage",
    "macrolanguage",
    "normalize",
    "script_name",
    "script_shares",
    "scripts_match",
    "to_iso639_3",
]
