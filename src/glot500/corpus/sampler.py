"""Glot500's temperature sampling over language-scripts.

With ``n_i`` chunks for language-script ``i`` and ``N = sum(n)``, language ``i`` is sampled with probability

    p_i = (n_i / N) ** alpha / sum_j (n_j / N) ** alpha

(Conneau & Lample 2019; Glot500 uses alpha = 0.3). alpha = 1 keeps the natural distribution, alpha -> 0
tends to uniform; low-resource languages are up-sampled, high-resource ones down-sampled.

Head languages: by default they are treated exactly like every other language, as in Glot500.
``head_weight`` multiplies the (unnormalised) weight of head languages, e.g. 0.5 to spend more of the
budget on tail languages; the result is renormalised.

Head floor (replay): ``head_floor`` is the minimum total share of head languages
(:func:`glot500.languages.is_head`), to protect what the base model knew. With ``H = sum_{i in head} p_i``
after alpha sampling and ``head_weight``, if ``0 < H < head_floor`` then

    p_i <- p_i * head_floor / H              for head languages (they now sum to exactly head_floor)
    p_i <- p_i * (1 - head_floor) / (1 - H)  for tail languages (they now sum to 1 - head_floor)

so relative weights within the head and within the tail are kept. At or above the floor, or when no head or
no tail language is present, the probabilities are unchanged. ``0 <= head_floor < 1``; 0 (the default) is
Glot500's behaviour.

Drawing ``total`` chunks: language ``i`` gets ``k_i = round(total * p_i)`` chunks (largest-remainder
rounding, so the counts sum to ``total``). When ``k_i <= n_i`` they are drawn without replacement; when
``k_i > n_i`` (up-sampling) every chunk is repeated ``k_i // n_i`` times and the remainder drawn without
replacement. All draws come from ``numpy.random.default_rng(seed)`` in sorted label order, so the sample is
deterministic for a seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from glot500.core.errors import InputError


def sampling_probabilities(
    counts: Mapping[str, int], alpha: float = 0.3, head_weight: float = 1.0, head_floor: float = 0.0
) -> dict[str, float]:
    """``{label: p_label}`` by the formula in the module docstring (languages with 0 chunks get 0)."""
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if head_weight < 0:
        raise ValueError(f"head_weight must be >= 0, got {head_weight}")
    if not 0 <= head_floor < 1:
        raise ValueError(f"head_floor must be in [0, 1) (the minimum total share of head languages), got {head_floor}")
    if head_floor > 0 and head_weight == 0:
        raise ValueError("head_floor > 0 contradicts head_weight = 0 (which excludes head languages)")
    total = sum(counts.values())
    if total <= 0:
        raise InputError("cannot sample from an empty corpus")
    heads = _head_labels(counts) if head_weight != 1.0 or head_floor > 0 else set()
    weights: dict[str, float] = {}
    for label in sorted(counts):
        n = counts[label]
        weight = (n / total) ** alpha if n > 0 else 0.0
        weights[label] = weight * head_weight if label in heads else weight
    norm = sum(weights.values())
    if norm <= 0:
        raise InputError("every language has zero sampling weight (head_weight=0 and no tail languages?)")
    probabilities = {label: weight / norm for label, weight in weights.items()}
    return apply_head_floor(probabilities, heads, head_floor)


def _head_labels(counts: Mapping[str, int]) -> set[str]:
    from glot500.languages import is_head

    return {label for label, n in counts.items() if n > 0 and is_head(label)}


def apply_head_floor(probabilities: Mapping[str, float], heads: set[str], head_floor: float) -> dict[str, float]:
    """Raise the head languages' total share to ``head_floor`` (module docstring); otherwise unchanged."""
    head_share = sum(p for label, p in probabilities.items() if label in heads)
    tail_share = 1.0 - head_share
    if head_floor <= 0 or head_share <= 0 or tail_share <= 0 or head_share >= head_floor:
        return dict(probabilities)
    head_scale, tail_scale = head_floor / head_share, (1.0 - head_floor) / tail_share
    return {label: p * (head_scale if label in heads else tail_scale) for label, p in probabilities.items()}


def allocate(probabilities: Mapping[str, float], total: int) -> dict[str, int]:
    """Integer counts summing to ``total`` in proportion to ``probabilities`` (largest remainder)."""
    raw = {label: total * p for label, p in probabilities.items()}
    counts = {label: math.floor(value) for label, value in raw.items()}
    remainder = total - sum(counts.values())
    by_fraction = sorted(raw, key=lambda label: (-(raw[label] - counts[label]), label))
    for label in by_fraction[:remainder]:
        counts[label] += 1
    return counts


def sample_indices(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` indices into ``range(n)``: without replacement, whole repeats first when ``k > n``."""
    if n <= 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    repeats, rest = divmod(k, n)
    parts = [np.tile(np.arange(n), repeats)] if repeats else []
    parts.append(rng.choice(n, size=rest, replace=False))
    return np.concatenate(parts).astype(np.int64)


def sample_corpus(
    corpus: str | Path,
    total: int,
    alpha: float = 0.3,
    seed: int = 0,
    head_weight: float = 1.0,
    languages: list[str] | None = None,
    head_floor: float = 0.0,
) -> dict[str, list[str]]:
    """Draw ``total`` chunks from a corpus (either layout of :mod:`glot500.corpus.reader`).

    Args:
        languages: restrict to these labels (e.g. head languages only for a base tokenizer).
        head_floor: minimum total share of head languages (module docstring).
    Returns:
        ``{label: [chunk, ...]}``, deterministic for ``seed``.
    """
    return draw_sample(corpus, total, alpha, seed, head_weight, languages, head_floor)[0]


def draw_sample(
    corpus: str | Path,
    total: int,
    alpha: float = 0.3,
    seed: int = 0,
    head_weight: float = 1.0,
    languages: list[str] | None = None,
    head_floor: float = 0.0,
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """:func:`sample_corpus` and the chunks available per language (to report shares and epochs)."""
    from glot500.corpus.reader import discover_languages, iter_texts

    found = discover_languages(corpus)
    if languages is not None:
        missing = sorted(set(languages) - set(found))
        if missing:
            raise InputError(f"{corpus}: no data for {', '.join(missing)}")
        found = {label: found[label] for label in languages}
    texts = {label: list(iter_texts(files)) for label, files in sorted(found.items())}
    counts = {label: len(chunks) for label, chunks in texts.items()}
    quota = allocate(sampling_probabilities(counts, alpha, head_weight, head_floor), total)
    rng = np.random.default_rng(seed)
    sample = {
        label: [texts[label][i] for i in sample_indices(counts[label], quota[label], rng)] for label in sorted(texts)
    }
    return sample, counts


def write_sample(sample: Mapping[str, list[str]], output: str | Path, shuffle_seed: int | None = 0) -> Path:
    """Write a sample as one chunk per line (``output``), and ``<output>.langs`` with each line's label.

    Lines are shuffled with ``shuffle_seed`` (``None`` keeps language order) so that a prefix of the file
    is itself a mixed sample — SentencePiece's ``input_sentence_size`` reads prefixes.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    pairs = [(label, text.replace("\n", " ")) for label in sorted(sample) for text in sample[label]]
    if shuffle_seed is not None:
        order = np.random.default_rng(shuffle_seed).permutation(len(pairs))
        pairs = [pairs[i] for i in order]
    with open(output, "w", encoding="utf-8") as texts, open(f"{output}.langs", "w", encoding="utf-8") as labels:
        for label, text in pairs:
            texts.write(text + "\n")
            labels.write(label + "\n")
    return output
