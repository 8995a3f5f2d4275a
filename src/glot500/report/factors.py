"""Per-language factors that may explain a score: corpus size, script seen or unseen, related languages' data.

Each factor is a number per language (``NaN`` where unknown); ``analysis`` correlates and regresses them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache

from glot500.core.errors import LanguageCodeError
from glot500.languages import head_labels, info, lineage, scripts_match
from glot500.report.inputs import VocabReport

logger = logging.getLogger(__name__)

FACTOR_NAMES = {
    "log_corpus": "log10(corpus size + 1)",
    "unseen_script": "unseen script",
    "log_related_group": "log10(related-language data + 1)",
    "log_related_ngram": "log10(n-gram-neighbour data + 1)",
    "log_params": "log10(parameters)",
}
FACTOR_UNITS = {
    "log_corpus": "per tenfold more corpus data",
    "unseen_script": "when the script is unseen by the base tokenizer",
    "log_related_group": "per tenfold more data in related languages (same ISO 639-5 group)",
    "log_related_ngram": "per tenfold more data in the nearest languages by character 3-grams",
    "log_params": "per tenfold more parameters",
}


@dataclass(frozen=True)
class LangMeta:
    label: str
    name: str
    script: str
    script_name: str
    group: str | None  # nearest ISO 639-5 group ("genus"), e.g. gmw
    group_name: str | None
    family: str | None
    family_name: str | None


@lru_cache(maxsize=20000)
def lang_meta(label: str) -> LangMeta:
    """Name, script and lineage of a label; labels the registry cannot parse keep their raw text."""
    try:
        found = info(label)
    except (LanguageCodeError, ValueError, KeyError):
        script = label.split("_")[-1] if "_" in label else "?"
        return LangMeta(label, label, script, script, None, None, None, None)
    return LangMeta(
        label,
        found.language_name,
        found.script,
        found.script_name,
        found.genus,
        found.genus_name,
        found.family,
        found.family_name,
    )


@dataclass
class LanguageFactors:
    """``values[factor][lang]``, how each factor was determined, and its by-products for the page."""

    values: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unseen_scripts: dict[str, bool] = field(default_factory=dict)
    neighbours: dict[str, list[str]] = field(default_factory=dict)

    def get(self, factor: str, lang: str) -> float:
        return self.values.get(factor, {}).get(lang, math.nan)


def language_factors(
    langs: list[str],
    sizes: dict[str, int] | None,
    vocab: VocabReport | None,
    base_tokenizer: str | None,
    unseen_threshold: float,
    neighbours: dict[str, list[str]] | None = None,
) -> LanguageFactors:
    """Factors of the evaluated ``langs``; corpus factors need ``sizes`` (kept chunks per language)."""
    factors = LanguageFactors()
    scripts = {lang: lang_meta(lang).script for lang in langs}
    factors.unseen_scripts, note = _unseen_scripts(set(scripts.values()), vocab, base_tokenizer, unseen_threshold)
    factors.notes.append(note)
    factors.values["unseen_script"] = {lang: float(factors.unseen_scripts[s]) for lang, s in scripts.items()}
    if sizes is None:
        factors.notes.append("No corpus stats were given: corpus-size factors are left out.")
        return factors
    factors.values["log_corpus"] = {lang: math.log10(1 + sizes.get(lang, 0)) for lang in langs}
    factors.values["log_related_group"] = _related_group_data(langs, sizes)
    factors.notes.append(
        "Corpus size is the number of kept chunks in stats.json (languages absent from it count as 0); related-"
        "language data is the kept chunks of the other languages in the same nearest ISO 639-5 group "
        "(glot500.languages.lineage), 0 where the group is unknown."
    )
    if neighbours:
        factors.neighbours = neighbours
        factors.values["log_related_ngram"] = {
            lang: math.log10(1 + sum(sizes.get(other, 0) for other in neighbours[lang]))
            if lang in neighbours
            else math.nan
            for lang in langs
        }
    return factors


def _unseen_scripts(
    scripts: set[str], vocab: VocabReport | None, tokenizer: str | None, threshold: float
) -> tuple[dict[str, bool], str]:
    """Whether each script is unseen by the base tokenizer, and a sentence saying how that was decided."""
    head_scripts = {label.split("_")[1] for label in head_labels()}

    def seen_by_head(script: str) -> bool:
        return any(scripts_match(h, script) or scripts_match(script, h) for h in head_scripts)

    shares: dict[str, list[float]] = {}
    if vocab is not None and tokenizer is not None:
        for lang, share in vocab.unk_share[tokenizer].items():
            shares.setdefault(lang_meta(lang).script, []).append(share)
    unseen = {}
    for script in sorted(scripts):
        if script in shares:
            unseen[script] = sum(shares[script]) / len(shares[script]) > threshold
        else:
            unseen[script] = not seen_by_head(script)
    if vocab is None:
        note = (
            "Without a vocabulary report, a script counts as seen when one of XLM-R's head languages is written in it."
        )
    else:
        fallback = sorted(s for s in scripts if s not in shares)
        note = (
            f"A script counts as unseen when the mean <unk> share (of characters where the report has it, else of "
            f"tokens) of tokenizer {tokenizer!r} over its languages in the vocabulary report is above {threshold:g}"
            + (
                f"; scripts not in the report ({', '.join(fallback)}) count as seen when a head language uses them."
                if fallback
                else "."
            )
        )
    return unseen, note


def _related_group_data(langs: list[str], sizes: dict[str, int]) -> dict[str, float]:
    group_size: dict[str, int] = {}
    for label, kept in sizes.items():
        group = _group(label)
        if group:
            group_size[group] = group_size.get(group, 0) + kept
    related = {}
    for lang in langs:
        group = _group(lang)
        others = group_size.get(group, 0) - sizes.get(lang, 0) if group else 0
        related[lang] = math.log10(1 + max(others, 0))
    return related


@lru_cache(maxsize=20000)
def _group(label: str) -> str | None:
    chain = lineage(label.split("_")[0])
    return chain[0] if chain else None


def ngram_neighbours(samples: dict[str, str], k: int) -> dict[str, list[str]]:
    """The ``k`` languages whose character 3-gram profiles are most similar (cosine) to each language's.

    Profiles are hashed (2^18 buckets) counts of character 3-grams of each language's sample, L2-normalised.
    """
    if len(samples) < 2:
        return {}
    import numpy as np
    import scipy.sparse
    from sklearn.feature_extraction.text import HashingVectorizer

    labels = sorted(samples)
    vectorizer = HashingVectorizer(analyzer="char", ngram_range=(3, 3), n_features=2**18, alternate_sign=False)
    # batches bound the vectoriser's intermediate n-gram lists (all languages at once took over 1 GB)
    batches = [
        vectorizer.transform([samples[label] for label in labels[i : i + 32]]) for i in range(0, len(labels), 32)
    ]
    profiles = scipy.sparse.vstack(batches).astype(np.float32)  # (languages, buckets), rows L2-normed
    similarity = (profiles @ profiles.T).toarray()
    np.fill_diagonal(similarity, -1.0)
    nearest = np.argsort(-similarity, axis=1)[:, :k]
    return {label: [labels[j] for j in row] for label, row in zip(labels, nearest, strict=True)}
