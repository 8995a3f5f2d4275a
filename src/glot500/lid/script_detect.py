"""Fast script detection: GlotScript's ranges as a numpy table ``codepoint -> script id``.

GlotScript's ``sp()`` walks a ``Counter`` of characters and a dict of sets per call (~50 µs for a verse);
the corpus cleaning chain needs ~25 µs for *all* its filters per chunk. This detector builds the same
codepoint table once (from ``GlotScript.GlotScript.SCRIPT_RANGES``) and counts scripts with
``np.bincount`` over ``text.encode("utf-32-le")``; :meth:`ScriptDetector.detect_many` does a whole batch
with one encode and one bincount. It follows GlotScript's rules exactly so it agrees with
:func:`glot500.languages.detect_script`:

* ASCII whitespace, punctuation and digits are ignored;
* every other character counts for its script (``Zyyy`` for common signs, ``Zzzz`` when unassigned;
  U+FFFD is in both ranges and counts for both);
* the main script is the one with most characters, ties going to the alphabetically first;
* kana with or without kanji is ``Jpan``; text with nothing left is ``Zyyy``.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

NO_SCRIPT = "Zyyy"
_MAX_CODEPOINT = 0x110000
_JAPANESE_PARTS = ("Hira", "Kana", "Hani")


class ScriptDetector:
    """Script of texts by table lookup; build it once with :func:`script_detector` (a cached singleton)."""

    def __init__(self) -> None:
        from GlotScript.GlotScript import SCRIPT_RANGES

        names = sorted(set(SCRIPT_RANGES) | {"Zzzz", NO_SCRIPT})  # sorted: argmax ties go alphabetically
        self.names: tuple[str, ...] = tuple(names)
        self._ids = {name: index for index, name in enumerate(names)}
        self._ignored = len(names)  # pseudo-script of characters GlotScript strips before counting
        self._both = len(names) + 1  # U+FFFD: in Zyyy's and Zzzz's ranges, GlotScript counts it for both
        self.n_ids = len(names) + 2
        table = np.full(_MAX_CODEPOINT, self._ids["Zzzz"], dtype=np.uint8)
        for name, ranges in SCRIPT_RANGES.items():
            for start, end in ranges:
                table[start : end + 1] = self._ids[name]
        table[0xFFFD] = self._both
        for char in string.whitespace + string.punctuation + string.digits:
            table[ord(char)] = self._ignored
        self._table = table
        self._japanese = np.array([self._ids[name] for name in _JAPANESE_PARTS])
        self._kana = np.array([self._ids["Hira"], self._ids["Kana"]])
        # detect_many picks names from this array: every script, then "Jpan" and "no letters at all".
        self._choices = np.array([*names, "Jpan", NO_SCRIPT], dtype=object)
        self._jpan_choice, self._no_script_choice = len(names), len(names) + 1

    def counts(self, text: str) -> np.ndarray:
        """Characters per script id (``self.names`` order), GlotScript's ignored characters left out."""
        codepoints = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        raw = np.bincount(self._table[codepoints], minlength=self.n_ids)
        return self._fold(raw)

    def detect(self, text: str) -> str:
        """The main script of ``text`` (same answer as :func:`glot500.languages.detect_script`)."""
        return self._main(self.counts(text))

    def detect_many(self, texts: Sequence[str]) -> list[str]:
        """Main script of each text, with one encode and one bincount for the whole batch."""
        if not texts:
            return []
        # (n_texts, n_ids) counts: each character's bin is offset by its text's row.
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codepoints = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64) * self.n_ids, lengths)
        raw = np.bincount(rows + self._table[codepoints], minlength=len(texts) * self.n_ids)
        folded = self._fold(raw.reshape(len(texts), self.n_ids))
        best = folded.argmax(axis=1)
        empty = folded[np.arange(len(texts)), best] == 0
        japanese = np.isin(best, self._japanese) & folded[:, self._kana].any(axis=1)
        choice = np.where(empty, self._no_script_choice, np.where(japanese, self._jpan_choice, best))
        return self._choices[choice].tolist()

    def shares(self, text: str) -> dict[str, float]:
        """Share of each script among the counted characters of ``text``, largest first."""
        counts = self.counts(text)
        total = int(counts.sum())
        if total == 0:
            return {}
        order = np.argsort(-counts, kind="stable")
        return {self.names[i]: float(counts[i]) / total for i in order if counts[i]}

    def _fold(self, raw: np.ndarray) -> np.ndarray:
        counts = raw[..., : self._ignored].copy()
        both = raw[..., self._both]
        counts[..., self._ids[NO_SCRIPT]] += both
        counts[..., self._ids["Zzzz"]] += both
        return counts

    def _main(self, counts: np.ndarray) -> str:
        best = int(counts.argmax())
        if counts[best] == 0:
            return NO_SCRIPT
        if best in self._japanese and counts[self._kana].any():
            return "Jpan"
        return self.names[best]


@lru_cache(maxsize=1)
def script_detector() -> ScriptDetector:
    """The process-wide detector (the table is built on first use, ~0.1 s, 1 MiB)."""
    return ScriptDetector()


def detect_script_fast(text: str) -> str:
    """Main ISO 15924 script of ``text``; see :class:`ScriptDetector`."""
    return script_detector().detect(text)
