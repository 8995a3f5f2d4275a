"""Per-code-point Unicode general categories as one numpy table, built once per process and shared by every
character-class lookup (the cleaning measures' "special" characters, the exact-dedup normal form)."""

from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache

import numpy as np

CATEGORIES = (
    "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
    "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn",
)  # fmt: skip

# Beyond these, every code point is unassigned (Cn) or private use (Co): asking unicodedata about all 1.1M
# code points would cost ~1 s per process.
ASSIGNED_RANGES = ((0, 0x323B0), (0xE0000, 0xE0200))


@lru_cache(maxsize=1)
def category_table() -> np.ndarray:
    """``uint8[code point]``: the index in ``CATEGORIES`` of its general category (``Cn`` outside assigned ranges)."""
    index = {name: i for i, name in enumerate(CATEGORIES)}
    table = np.full(sys.maxunicode + 1, index["Cn"], dtype=np.uint8)
    for start, stop in ASSIGNED_RANGES:
        table[start:stop] = [index[unicodedata.category(chr(code))] for code in range(start, stop)]
    return table


def category_mask(wanted) -> np.ndarray:
    """``bool[code point]``: whether its category is accepted by ``wanted(category name)``."""
    accepted = np.array([bool(wanted(name)) for name in CATEGORIES])
    return accepted[category_table()]
