"""Round-trip alignment (Glot500): align words around a cycle of languages over parallel verses and count the
share of words that come back to themselves.

Alignments are SimAlign's "argmax" method: word vectors (first or mean subword of layer-8 hidden states),
cosine similarity, and a link ``i -> j`` only where ``j`` is ``i``'s most similar word and ``i`` is ``j``'s
(mutual argmax). For language ``L`` the cycle is ``L -> P1 -> ... -> L`` with the next languages of the folder
(sorted, English included, wrapping) as pivots. A word whose chain breaks (no link) does not return.
Words are whitespace tokens, or characters in scripts without spaces.

Data: a retrieval folder whose languages share sentence ids (``vref.txt``/``ids.txt``; else line numbers),
e.g. ``retrieval_bible``: the English sides of all language folders are merged into one ``eng_Latn``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glot500.core.results import ResultRow
from glot500.evaluate.base import RowMaker, TaskData, load_languages, score_each_language
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import ENGLISH, LanguageDataError, read_parallel
from glot500.evaluate.encoder import Encoder


def split_words(text: str, lang: str) -> list[str]:
    from glot500.languages import is_spaceless

    script = lang.rpartition("_")[2]
    return [c for c in text if not c.isspace()] if is_spaceless(script) else text.split()


def mutual_argmax(source: np.ndarray, target: np.ndarray) -> dict[int, int]:
    """SimAlign's argmax links ``{source word: target word}`` from word vectors ``(n, h)`` and ``(m, h)``."""
    if len(source) == 0 or len(target) == 0:
        return {}
    a = source / np.maximum(np.linalg.norm(source, axis=1, keepdims=True), 1e-12)
    b = target / np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-12)
    similarity = a @ b.T  # (n, m)
    forward, backward = similarity.argmax(axis=1), similarity.argmax(axis=0)
    return {i: int(j) for i, j in enumerate(forward) if backward[j] == i}


def returns_home(links: list[dict[int, int]], words: int) -> list[float]:
    """Per word of the first language, 1.0 when following ``links`` around the cycle leads back to it."""
    hits = []
    for start in range(words):
        position: int | None = start
        for step in links:
            position = step.get(position) if position is not None else None
        hits.append(float(position == start))
    return hits


class RoundTripTask:
    task_type = "roundtrip"
    metrics = ("roundtrip",)
    higher_is_better = True

    def __init__(self, config: EvalConfig | None = None) -> None:
        self.config = config or EvalConfig()

    def load(self, folder: Path) -> TaskData:
        english: dict[str, str] = {}

        def read(lang_dir: Path, lang: str) -> dict[str, str]:
            target, source, ids = read_parallel(lang_dir, lang, ENGLISH)
            keys = ids if ids is not None else [str(i) for i in range(len(target))]
            for key, text in zip(keys, source, strict=True):
                english.setdefault(key, text)
            return {key: text for key, text in zip(keys, target, strict=True) if text.strip()}

        data = load_languages(Path(folder), read, skip=(ENGLISH,))
        data.extra["texts"] = {**data.languages, ENGLISH: english} if english else dict(data.languages)
        return data

    def cycle(self, lang: str, languages: list[str]) -> list[str]:
        ordered = sorted(languages)
        start = ordered.index(lang)
        pivots = [ordered[(start + k) % len(ordered)] for k in range(1, self.config.roundtrip_cycle)]
        return [lang, *pivots]

    def score(self, encoder: Encoder, data: TaskData) -> list[ResultRow]:
        rows = RowMaker(self, encoder.name, data)
        texts: dict[str, dict[str, str]] = data.extra["texts"]
        cache: dict[tuple[str, str], np.ndarray] = {}

        def vectors(lang: str, keys: list[str]) -> list[np.ndarray]:
            missing = [k for k in keys if (lang, k) not in cache]
            words = [split_words(texts[lang][k], lang) for k in missing]
            for key, vecs in zip(
                missing, encoder.word_vectors(words, self.config.layer, self.config.word_pooling), strict=True
            ):
                cache[(lang, key)] = vecs
            return [cache[(lang, k)] for k in keys]

        def score_one(lang: str, _: dict[str, str]) -> list[ResultRow]:
            if len(texts) < self.config.roundtrip_cycle:
                raise LanguageDataError(f"round trip needs {self.config.roundtrip_cycle} languages, found {len(texts)}")
            cycle = self.cycle(lang, list(texts))
            keys = [k for k in texts[lang] if all(k in texts[other] for other in cycle)]
            keys = keys[: self.config.roundtrip_max_sentences]
            if not keys:
                raise LanguageDataError(f"no sentence ids shared by the cycle {' -> '.join(cycle)}")
            per_lang = [vectors(other, keys) for other in cycle]
            hits: list[float] = []
            for s, key in enumerate(keys):
                chain = [per_lang[c][s] for c in range(len(cycle))] + [per_lang[0][s]]
                links = [mutual_argmax(chain[c], chain[c + 1]) for c in range(len(cycle))]
                hits.extend(returns_home(links, len(split_words(texts[lang][key], lang))))
            return [rows.value(lang, "roundtrip", float(np.mean(hits)) if hits else 0.0, len(hits), items=hits)]

        return score_each_language(self, encoder, data, self.config, score_one)
