"""Initial embedding rows (and LM-head biases) for tokens that a base model never saw.

Each strategy returns ``(rows, bias, fallbacks)`` for the new tokens, computed in float64 from the base rows:

* ``random``: ``normal(0, initializer_range)``, as ``resize_token_embeddings`` did for Glot500; bias 0.
* ``mean``: every new row is the mean of all base rows; bias the mean base bias.
* ``subword-mean``: the mean of the base rows of the token's segmentation under the *base* tokenizer
  (the idea behind FOCUS/OFA, without external resources); ``<unk>`` parts are ignored; a token made only
  of unknown characters falls back to ``mean`` (counted in ``fallbacks``).
* ``script-mean``: a draw from ``N(mean_s, cov_s)`` of the base rows whose token is written in the same
  script ``s`` (GlotScript); a script with fewer than ``min_script_rows`` base rows falls back to the
  distribution of all base rows (counted). Bias: the mean base bias of the same rows.
* ``corpus-informed``: a similarity-weighted sum of the base rows of the piece's nearest *shared* pieces in
  fastText vectors trained on the extension corpus (FOCUS-like; :mod:`glot500.model.corpus_init`), with
  ``subword-mean`` / ``script-mean`` where the corpus gives no signal (counted in ``fallbacks``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import torch

from glot500.languages.scripts import token_script

logger = logging.getLogger(__name__)

INIT_STRATEGIES = ("random", "mean", "subword-mean", "script-mean", "corpus-informed")


def random_rows(n_new: int, hidden: int, initializer_range: float, generator: torch.Generator) -> torch.Tensor:
    """``(n_new, hidden)`` rows from ``normal(0, initializer_range)`` (HF's ``_init_weights`` for embeddings)."""
    return torch.randn(n_new, hidden, generator=generator, dtype=torch.float64) * initializer_range


def subword_segmentations(old_tokenizer: Any, tokens: Sequence[str]) -> list[list[int]]:
    """Base-vocabulary ids of each token's segmentation by the base tokenizer's model, ``<unk>`` removed.

    The token string is segmented as it stands (``▁`` included): the base model then sees exactly what it
    would see for the word in running text, because the pre-tokenizer turns spaces into ``▁`` first.
    """
    model = old_tokenizer.backend_tokenizer.model
    unk = old_tokenizer.unk_token_id
    return [[part.id for part in model.tokenize(token) if part.id != unk] for token in tokens]


def mean_of_rows(
    old_weight: torch.Tensor, old_bias: torch.Tensor | None, groups: Sequence[Sequence[int]]
) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """Mean base row (and bias) of each id group; empty groups get the mean of all rows (a fallback)."""
    weight, bias = old_weight.double(), None if old_bias is None else old_bias.double()
    sizes = torch.as_tensor([len(ids) for ids in groups], dtype=torch.long)
    owner = torch.repeat_interleave(torch.arange(len(groups)), sizes)  # group of each flattened id
    flat = torch.as_tensor([i for ids in groups for i in ids], dtype=torch.long)
    empty = sizes == 0
    denominator = sizes.clamp(min=1).double()
    # scatter-sum then divide: one pass however many groups (Glot500-size vocabularies have ~150K)
    rows = torch.zeros(len(groups), weight.shape[1], dtype=torch.float64).index_add_(0, owner, weight[flat])
    rows = rows / denominator[:, None]
    rows[empty] = weight.mean(0)
    biases = None
    if bias is not None:
        biases = torch.zeros(len(groups), dtype=torch.float64).index_add_(0, owner, bias[flat]) / denominator
        biases[empty] = bias.mean()
    return rows, biases, int(empty.sum())


def gaussian_sampler(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(mean, L)`` with ``L L^T`` the covariance of ``rows`` (float64), jittered to be positive definite."""
    mean = rows.mean(0)
    centered = rows - mean
    cov = centered.T @ centered / max(rows.shape[0] - 1, 1)  # (hidden, hidden)
    jitter = 1e-6 * max(float(cov.diagonal().mean()), 1e-12)
    eye = torch.eye(cov.shape[0], dtype=cov.dtype)
    factor, info = torch.linalg.cholesky_ex(cov + jitter * eye)
    if int(info) != 0:  # numerically indefinite: clamp the eigenvalues instead
        values, vectors = torch.linalg.eigh(cov)
        factor = vectors * values.clamp(min=jitter).sqrt()
    return mean, factor


def script_mean_rows(
    old_weight: torch.Tensor,
    old_bias: torch.Tensor | None,
    old_scripts: Sequence[str | None],
    new_scripts: Sequence[str],
    generator: torch.Generator,
    min_script_rows: int = 10,
) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """Draw each new row from the Gaussian fitted to the base rows of its script (``None``: row not used)."""
    weight = old_weight.double()
    by_script: dict[str, list[int]] = defaultdict(list)
    for row, script in enumerate(old_scripts):
        if script is not None:
            by_script[script].append(row)
    all_rows = [row for ids in by_script.values() for row in ids] or list(range(weight.shape[0]))
    wanted: dict[str, list[int]] = defaultdict(list)
    fallbacks = 0
    for i, script in enumerate(new_scripts):
        known = len(by_script.get(script, ())) >= min_script_rows
        fallbacks += not known
        wanted[script if known else "*"].append(i)
    rows = torch.empty(len(new_scripts), weight.shape[1], dtype=torch.float64)
    biases = None if old_bias is None else torch.empty(len(new_scripts), dtype=torch.float64)
    for script in sorted(wanted):
        source = torch.as_tensor(all_rows if script == "*" else by_script[script])
        mean, factor = gaussian_sampler(weight[source])
        targets = torch.as_tensor(wanted[script])
        noise = torch.randn(len(targets), weight.shape[1], generator=generator, dtype=torch.float64)
        rows[targets] = mean + noise @ factor.T
        if biases is not None:
            biases[targets] = old_bias.double()[source].mean()
    logger.info("script-mean: %d new rows over %d scripts, %d from all rows", len(new_scripts), len(wanted), fallbacks)
    return rows, biases, fallbacks


def initial_rows(
    init: str,
    old_weight: torch.Tensor,
    old_bias: torch.Tensor | None,
    old_tokenizer: Any,
    new_tokens: Sequence[str],
    generator: torch.Generator,
    initializer_range: float = 0.02,
    mixture: Any = None,
) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """Rows ``(len(new_tokens), hidden)`` and biases for ``new_tokens`` by strategy ``init`` (float64).

    ``mixture`` (a :class:`glot500.model.corpus_init.CorpusMixture`) is required by ``corpus-informed``.
    """
    if init == "random":
        rows = random_rows(len(new_tokens), old_weight.shape[1], initializer_range, generator)
        return rows, None if old_bias is None else torch.zeros(len(new_tokens), dtype=torch.float64), 0
    if init == "mean":
        return mean_of_rows(old_weight, old_bias, [[]] * len(new_tokens))[:2] + (0,)
    if init == "subword-mean":
        return mean_of_rows(old_weight, old_bias, subword_segmentations(old_tokenizer, new_tokens))
    if init == "script-mean":
        return script_mean_for(old_weight, old_bias, old_tokenizer, new_tokens, generator)
    if init == "corpus-informed":
        if mixture is None:
            raise ValueError("corpus-informed needs a mixture (glot500.model.corpus_init.corpus_mixture)")
        return corpus_informed_rows(old_weight, old_bias, old_tokenizer, new_tokens, generator, mixture)
    raise ValueError(f"unknown init {init!r}: choose one of {', '.join(INIT_STRATEGIES)}")


def script_mean_for(
    old_weight: torch.Tensor,
    old_bias: torch.Tensor | None,
    old_tokenizer: Any,
    new_tokens: Sequence[str],
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """``script-mean`` rows for ``new_tokens``: scripts of the base rows from the base vocabulary."""
    special = set(old_tokenizer.all_special_ids)
    old_scripts: list[str | None] = [None] * old_weight.shape[0]
    for token, index in old_tokenizer.get_vocab().items():
        if index < len(old_scripts) and index not in special:
            old_scripts[index] = token_script(token)
    new_scripts = [token_script(token) for token in new_tokens]
    return script_mean_rows(old_weight, old_bias, old_scripts, new_scripts, generator)


def corpus_informed_rows(
    old_weight: torch.Tensor,
    old_bias: torch.Tensor | None,
    old_tokenizer: Any,
    new_tokens: Sequence[str],
    generator: torch.Generator,
    mixture: Any,
) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """Mixture rows where the corpus gave a signal; subword-mean, then script-mean, where it did not."""
    from glot500.model.corpus_init import mixture_rows

    rows, biases = mixture_rows(mixture, old_weight, old_bias, len(new_tokens))
    fallbacks: list[tuple[list[int], str]] = [(mixture.subword_fallback, "subword-mean"),
                                              (mixture.script_fallback, "script-mean")]  # fmt: skip
    for positions, strategy in fallbacks:
        if not positions:
            continue
        tokens = [new_tokens[i] for i in positions]
        part_rows, part_biases, _ = initial_rows(strategy, old_weight, old_bias, old_tokenizer, tokens, generator)
        rows[positions] = part_rows
        if biases is not None and part_biases is not None:
            biases[positions] = part_biases
    return rows, biases, len(mixture.subword_fallback) + len(mixture.script_fallback)
