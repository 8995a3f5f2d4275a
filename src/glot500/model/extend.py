"""Grow a masked LM's vocabulary to a new (extended) tokenizer: rows follow their token *string*.

Ids are never trusted to line up: XLM-R's ``<mask>`` is last, so it moves when a vocabulary grows, and a
tokenizer built by other means may order pieces differently. Every token present in both vocabularies keeps
its row bit for bit (and its LM-head bias); new tokens get rows from one of the strategies of
:mod:`glot500.model.init`; tokens of the old vocabulary missing from the new one are dropped (counted).
Input and output embeddings stay tied; positions and all other weights are untouched.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from glot500.core.errors import InputError
from glot500.core.manifest import write_manifest
from glot500.model.init import INIT_STRATEGIES, initial_rows

logger = logging.getLogger(__name__)

EXTEND_SCHEMA_VERSION = 1
HEAD_BIAS_PREFIXES = ("lm_head.", "cls.predictions.")  # XLM-R/RoBERTa and BERT masked-LM heads


@dataclass(frozen=True)
class VocabAlignment:
    """Where old rows go in the new vocabulary, and which new ids need fresh rows."""

    old_ids: list[int]  # rows copied from ...
    new_ids: list[int]  # ... into these rows
    fresh_ids: list[int]
    fresh_tokens: list[str]
    dropped_tokens: list[str]


@dataclass(frozen=True)
class ExtendCounts:
    old_vocab: int
    new_vocab: int
    copied: int
    initialised: int
    dropped: int
    init_fallbacks: int


def align_vocabularies(old_vocab: dict[str, int], new_vocab: dict[str, int], old_rows: int) -> VocabAlignment:
    """Match tokens by string; ``old_rows`` caps old ids (ids past the embedding matrix have no row)."""
    shared = sorted((old_id, new_vocab[token]) for token, old_id in old_vocab.items() if token in new_vocab)
    shared = [(old_id, new_id) for old_id, new_id in shared if old_id < old_rows]
    has_row = {new_id for _, new_id in shared}
    fresh = sorted((new_id, token) for token, new_id in new_vocab.items() if new_id not in has_row)
    return VocabAlignment(
        old_ids=[old_id for old_id, _ in shared],
        new_ids=[new_id for _, new_id in shared],
        fresh_ids=[new_id for new_id, _ in fresh],
        fresh_tokens=[token for _, token in fresh],
        dropped_tokens=sorted(token for token in old_vocab if token not in new_vocab),
    )


def _head_biases(model: Any, size: int) -> list[torch.nn.Parameter]:
    """The distinct LM-head bias parameters of length ``size`` (``lm_head.bias`` and its tied decoder bias)."""
    found: dict[int, torch.nn.Parameter] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        if name.startswith(HEAD_BIAS_PREFIXES) and name.endswith("bias") and tuple(param.shape) == (size,):
            found.setdefault(id(param), param)
    return list(found.values())


def extend_embeddings(model: Any, old_tokenizer: Any, new_tokenizer: Any, init: str = "random", seed: int = 0) -> Any:
    """Resize ``model`` to ``new_tokenizer`` in place, copying rows by token string; returns the model.

    Args:
        init: how new rows start: ``random``, ``mean``, ``subword-mean`` or ``script-mean`` (see model.init).
        seed: seeds the random draws (``random``, ``script-mean``).
    """
    return extend_embeddings_counted(model, old_tokenizer, new_tokenizer, init, seed)[0]


def extend_embeddings_counted(
    model: Any, old_tokenizer: Any, new_tokenizer: Any, init: str = "random", seed: int = 0
) -> tuple[Any, ExtendCounts]:
    """:func:`extend_embeddings`, also returning what it did (rows copied, initialised, dropped, fallbacks).

    Raises:
        InputError: unknown ``init``, or a new tokenizer that shares no token with the old one.
    """
    if init not in INIT_STRATEGIES:
        raise InputError(f"unknown init {init!r}: choose one of {', '.join(INIT_STRATEGIES)}")
    old_weight = model.get_input_embeddings().weight.detach().cpu().clone()  # (old_vocab, hidden); stats on CPU
    old_rows, dtype = old_weight.shape[0], old_weight.dtype
    old_bias = _head_biases(model, old_rows)
    old_bias_values = old_bias[0].detach().cpu().clone() if old_bias else None
    alignment = align_vocabularies(old_tokenizer.get_vocab(), new_tokenizer.get_vocab(), old_rows)
    if not alignment.new_ids:
        raise InputError("the new tokenizer shares no token with the model's tokenizer: not an extension of it")
    new_size = max(len(new_tokenizer), max(new_tokenizer.get_vocab().values()) + 1)
    generator = torch.Generator().manual_seed(seed)
    rows, biases, fallbacks = initial_rows(
        init, old_weight, old_bias_values, old_tokenizer, alignment.fresh_tokens, generator,
        getattr(model.config, "initializer_range", 0.02),
    )  # fmt: skip

    model.resize_token_embeddings(new_size, mean_resizing=False)  # resizes head, bias, config; re-ties
    old_index, new_index = torch.as_tensor(alignment.old_ids), torch.as_tensor(alignment.new_ids)
    fresh_index = torch.as_tensor(alignment.fresh_ids, dtype=torch.long)
    with torch.no_grad():
        weight = model.get_input_embeddings().weight
        device = weight.device
        weight[new_index.to(device)] = old_weight[old_index].to(device)  # same dtype: bit-identical copies
        weight[fresh_index.to(device)] = rows.to(device=device, dtype=dtype)
        for bias in _head_biases(model, new_size):
            bias[new_index.to(device)] = old_bias_values[old_index].to(device=device, dtype=bias.dtype)
            fresh_bias = biases.to(device=device, dtype=bias.dtype) if biases is not None else 0
            bias[fresh_index.to(device)] = fresh_bias
    _check_tied(model)
    counts = ExtendCounts(
        old_vocab=old_rows, new_vocab=new_size, copied=len(alignment.new_ids), initialised=len(alignment.fresh_ids),
        dropped=len(alignment.dropped_tokens), init_fallbacks=fallbacks,
    )  # fmt: skip
    if alignment.dropped_tokens:
        logger.warning("%d tokens of the old vocabulary are not in the new one; their rows are dropped: %s",
                       len(alignment.dropped_tokens), alignment.dropped_tokens[:10])  # fmt: skip
    logger.info("extended %d -> %d rows (%s): %d copied, %d new", old_rows, new_size, init, counts.copied,
                counts.initialised)  # fmt: skip
    return model, counts


def _check_tied(model: Any) -> None:
    """Re-tie if the config asks for tied weights and resizing left two matrices (should not happen)."""
    output = model.get_output_embeddings()
    if output is None or not getattr(model.config, "tie_word_embeddings", True):
        return
    if output.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr():
        output.weight = model.get_input_embeddings().weight


def extend_model(base: str | Path, tokenizer: str | Path, init: str, output: str | Path, seed: int = 0) -> Path:
    """``glot500 model extend``: load, extend, save (safetensors) with the new tokenizer and a manifest."""
    from transformers import AutoTokenizer

    from glot500.model.io import load_mlm, save_mlm

    started = time.perf_counter()
    model, old_tokenizer = load_mlm(base)
    try:
        new_tokenizer = AutoTokenizer.from_pretrained(str(tokenizer), trust_remote_code=False)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot load tokenizer {tokenizer}: {err}".splitlines()[0]) from err
    loaded_at = time.perf_counter()
    model, counts = extend_embeddings_counted(model, old_tokenizer, new_tokenizer, init=init, seed=seed)
    extended_at = time.perf_counter()
    out = save_mlm(model, new_tokenizer, output)  # with sentencepiece.bpe.model: a base for another merge
    write_manifest(
        out, stage="model.extend", schema_version=EXTEND_SCHEMA_VERSION,
        config={"base": str(base), "tokenizer": str(tokenizer), "init": init, "seed": seed},
        counts=asdict(counts),
        seconds={"load": round(loaded_at - started, 2), "extend": round(extended_at - loaded_at, 2),
                 "total": round(time.perf_counter() - started, 2)},
    )  # fmt: skip
    return out
