"""Bootstrap confidence intervals for every score of a block.

* With per-item scores (``items`` in ``results.jsonl``): the percentile bootstrap of their mean. Items that take
  two values (0/1 hits, the usual case) are resampled as a binomial draw, which is exactly the distribution of the
  mean of ``n`` items drawn with replacement, vectorised over all cells; items with a few distinct values use a
  multinomial draw over those values; continuous items are resampled directly.
* Without items, for proportion-type metrics (values in [0, 1] that grow with quality: accuracy, top-k, F1):
  a parametric bootstrap that treats the score as a proportion of ``n`` Bernoulli trials, ``Binomial(n, value)
  / n``. For F1 this is an approximation (F1 is not a mean of independent hits); it is marked as such.
* Otherwise (perplexities without items, n = 0): no interval.

The random generator is seeded from ``seed`` and the block's name, so a block's intervals do not depend on the
other blocks in the report.
"""

from __future__ import annotations

import zlib

import numpy as np

from glot500.report.data import Block

_DISTINCT_FOR_MULTINOMIAL = 64
_MAX_DRAWS_PER_CHUNK = 2_000_000  # bound memory when resampling long continuous item lists


def add_intervals(block: Block, resamples: int = 1000, confidence: float = 0.95, seed: int = 0) -> None:
    """Fill ``low``, ``high`` and ``ci_method`` of every valid cell of ``block`` in place."""
    rng = np.random.default_rng([seed, zlib.crc32(block.key.slug.encode())])
    quantiles = [(1 - confidence) / 2, 1 - (1 - confidence) / 2]
    # (key, n, p, low value, high value, method): cells whose bootstrap is a scaled binomial draw
    binomial: list[tuple[tuple[str, str], int, float, float, float, str]] = []
    for key, cell in sorted(block.cells.items()):
        if not cell.ok:
            continue
        items = block.items.get(key)
        if items:
            distinct = set(items)  # plain Python: far cheaper than numpy for thousands of short lists
            if len(distinct) <= 2:
                low, high = min(distinct), max(distinct)
                share = items.count(high) / len(items) if high != low else 0.0
                binomial.append((key, len(items), share, low, high, "items"))
            else:
                draws = _item_means(np.asarray(items, dtype=float), rng, resamples)
                _set(cell, *np.quantile(draws, quantiles), "items")
        elif block.proportion and cell.n > 0:
            binomial.append((key, cell.n, min(max(cell.value, 0.0), 1.0), 0.0, 1.0, "binomial"))
    if binomial:
        n = np.array([b[1] for b in binomial])[:, None]
        p = np.array([b[2] for b in binomial])[:, None]
        draws = rng.binomial(n, p, size=(len(binomial), resamples)) / n  # (cells, resamples) shares
        bounds = np.quantile(draws, quantiles, axis=1)  # (2, cells)
        for i, (key, _, _, low, high, method) in enumerate(binomial):
            _set(block.cells[key], low + (high - low) * bounds[0, i], low + (high - low) * bounds[1, i], method)


def _set(cell, low: float, high: float, method: str) -> None:
    cell.low, cell.high, cell.ci_method = float(low), float(high), method


def _item_means(items: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    values, counts = np.unique(items, return_counts=True)
    size = len(items)
    if len(values) <= _DISTINCT_FOR_MULTINOMIAL:
        draws = rng.multinomial(size, counts / size, size=resamples)  # (resamples, distinct values)
        return draws @ values / size
    per_chunk = max(1, _MAX_DRAWS_PER_CHUNK // size)
    means = [
        items[rng.integers(0, size, size=(min(per_chunk, resamples - start), size))].mean(axis=1)
        for start in range(0, resamples, per_chunk)
    ]
    return np.concatenate(means)
