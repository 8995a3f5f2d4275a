"""Grow a model's vocabulary to a new (extended) tokenizer: rows follow their token *string*.

Ids are never trusted to line up: XLM-R's ``<mask>`` is last, so it moves when a vocabulary grows, and a
tokenizer built by other means may order pieces differently. Every token present in both vocabularies keeps
its row bit for bit (and its LM-head bias); new tokens get rows from one of the strategies of
:mod:`glot500.model.init`; tokens of the old vocabulary missing from the new one would lose their rows: that is
refused unless ``allow_drop`` (then counted). Every family of :mod:`glot500.model.families` (masked and causal)
is handled alike: input and output embeddings stay tied when they were (an untied head, as in most causal LMs,
gets its own rows by the same strategy from its own old rows); positions and all other weights are untouched. ``extend_model`` also writes ``extension.json``: the new rows as id ranges.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from glot500.core.config import check_named_paths
from glot500.core.errors import InputError
from glot500.core.manifest import write_manifest
from glot500.model.init import INIT_STRATEGIES, initial_rows

logger = logging.getLogger(__name__)

EXTEND_SCHEMA_VERSION = 1
EXTENSION_FILE = "extension.json"  # contract with train/evaluate: which rows are new
EXTENSION_SCHEMA_VERSION = 1


class RowDropError(InputError):
    """The new tokenizer lacks tokens of the model's vocabulary: their rows would be lost."""


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
    init_fallback_reasons: dict[str, int] = field(default_factory=dict)  # corpus-informed: why, and to what
    init_details: dict[str, Any] = field(default_factory=dict)  # corpus-informed: sample, vectors, seconds


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


def head_bias_parameters(model: Any) -> list[torch.nn.Parameter]:
    """The LM-head bias parameter(s) that follow the vocabulary (none for causal LMs without a head bias)."""
    return _head_biases(model, model.get_input_embeddings().weight.shape[0])


def output_matrix(model: Any) -> torch.Tensor | None:
    """The output projection's weight when it is not tied to the input embeddings, else ``None``."""
    return _embedding_matrices(model)[1]


def _head_biases(model: Any, size: int) -> list[torch.nn.Parameter]:
    """The distinct LM-head bias parameters of length ``size`` (``lm_head.bias`` and its tied decoder bias)."""
    from glot500.model.families import family_of

    prefixes = family_of(model.config).bias_prefixes
    found: dict[int, torch.nn.Parameter] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        if prefixes and name.startswith(prefixes) and name.endswith("bias") and tuple(param.shape) == (size,):
            found.setdefault(id(param), param)
    return list(found.values())


def extend_embeddings(
    model: Any,
    old_tokenizer: Any,
    new_tokenizer: Any,
    init: str = "random",
    seed: int = 0,
    corpus: str | Path | None = None,
    init_options: Any = None,
    allow_drop: bool = False,
) -> Any:
    """Resize ``model`` to ``new_tokenizer`` in place, copying rows by token string; returns the model.

    Args:
        init: how new rows start: ``random``, ``mean``, ``subword-mean``, ``script-mean`` or
            ``corpus-informed`` (see model.init).
        seed: seeds the random draws (``random``, ``script-mean`` and its use as a fallback).
        corpus: the extension corpus (a folder read by glot500.corpus.reader); ``corpus-informed`` only.
        init_options: ``corpus-informed`` settings, a dict or :class:`~glot500.model.corpus_init.CorpusInitOptions`.
        allow_drop: accept a new tokenizer that lacks tokens of the old one (their rows are dropped).
    """
    return extend_embeddings_counted(
        model, old_tokenizer, new_tokenizer, init, seed, corpus, init_options, allow_drop
    )[0]


def extend_embeddings_counted(
    model: Any,
    old_tokenizer: Any,
    new_tokenizer: Any,
    init: str = "random",
    seed: int = 0,
    corpus: str | Path | None = None,
    init_options: Any = None,
    allow_drop: bool = False,
) -> tuple[Any, ExtendCounts]:
    """:func:`extend_embeddings`, also returning what it did (rows copied, initialised, dropped, fallbacks).

    Raises:
        InputError: unknown ``init``, ``corpus-informed`` without a corpus, or a new tokenizer that shares no
            token with the old one.
        RowDropError: the new tokenizer lacks tokens of the old one and ``allow_drop`` is false.
        ConfigError: invalid ``init_options``.
    """
    mixture_for = _mixture_planner(init, corpus, init_options, seed)
    input_matrix, output_matrix = _embedding_matrices(model)
    old_weight = input_matrix.detach().cpu().clone()  # (old_vocab, hidden); stats on CPU
    old_output = None if output_matrix is None else output_matrix.detach().cpu().clone()
    old_rows = old_weight.shape[0]
    old_bias = _head_biases(model, old_rows)
    old_bias_values = old_bias[0].detach().cpu().clone() if old_bias else None
    alignment = align_vocabularies(old_tokenizer.get_vocab(), new_tokenizer.get_vocab(), old_rows)
    if not alignment.new_ids:
        raise InputError("the new tokenizer shares no token with the model's tokenizer: not an extension of it")
    if alignment.dropped_tokens and not allow_drop:
        raise RowDropError(
            f"the new tokenizer lacks {len(alignment.dropped_tokens)} of the model's {old_rows} tokens (e.g. "
            f"{', '.join(map(repr, alignment.dropped_tokens[:3]))}): their rows would be lost. Extend the model's own "
            "tokenizer (glot500 vocab extend), or pass --allow-drop to drop them"
        )
    new_size = max(len(new_tokenizer), max(new_tokenizer.get_vocab().values()) + 1)
    if not allow_drop:  # rows past the old tokenizer (Qwen pads its matrix to a round size) stay too
        new_size = max(new_size, old_rows)
    mixture = mixture_for(old_tokenizer, new_tokenizer, alignment.fresh_tokens, old_rows)
    initializer_range = getattr(model.config, "initializer_range", 0.02)
    rows, biases, fallbacks = initial_rows(
        init, old_weight, old_bias_values, old_tokenizer, alignment.fresh_tokens,
        torch.Generator().manual_seed(seed), initializer_range, mixture=mixture,
    )  # fmt: skip
    output_rows = None
    if old_output is not None:  # untied head: its own rows by the same strategy (its own random draws)
        output_rows = initial_rows(
            init, old_output, None, old_tokenizer, alignment.fresh_tokens,
            torch.Generator().manual_seed(seed + 1), initializer_range, mixture=mixture,
        )[0]  # fmt: skip

    model.resize_token_embeddings(new_size, mean_resizing=False)  # resizes head, bias, config; re-ties
    _check_tied(model)
    input_matrix, output_matrix = _embedding_matrices(model)
    with torch.no_grad():
        _fill_rows(input_matrix, old_weight, rows, alignment)
        if output_matrix is not None and old_output is not None and output_rows is not None:
            _fill_rows(output_matrix, old_output, output_rows, alignment)
        for bias in _head_biases(model, new_size):
            fresh_bias = biases if biases is not None else torch.zeros(len(alignment.fresh_ids), dtype=torch.float64)
            _fill_rows(bias, old_bias_values, fresh_bias, alignment)
    counts = ExtendCounts(
        old_vocab=old_rows, new_vocab=new_size, copied=len(alignment.new_ids), initialised=len(alignment.fresh_ids),
        dropped=len(alignment.dropped_tokens), init_fallbacks=fallbacks,
        init_fallback_reasons=dict(mixture.reasons) if mixture else {},
        init_details=dict(mixture.stats) if mixture else {},
    )  # fmt: skip
    if alignment.dropped_tokens:
        logger.warning("%d tokens of the old vocabulary are not in the new one; their rows are dropped: %s",
                       len(alignment.dropped_tokens), alignment.dropped_tokens[:10])  # fmt: skip
    logger.info("extended %d -> %d rows (%s): %d copied, %d new, %d fallbacks", old_rows, new_size, init,
                counts.copied, counts.initialised, fallbacks)  # fmt: skip
    return model, counts


def _mixture_planner(init: str, corpus: str | Path | None, init_options: Any, seed: int) -> Any:
    """Validate the init arguments up front (before any work) and return ``f(old_tok, new_tok, tokens, rows)``.

    ``f`` returns the corpus-informed mixture, or ``None`` for the other strategies.
    """
    if init not in INIT_STRATEGIES:
        raise InputError(f"unknown init {init!r}: choose one of {', '.join(INIT_STRATEGIES)}")
    if init != "corpus-informed":
        if corpus is not None or init_options:
            raise InputError(f"init {init!r} takes no corpus or init options (only corpus-informed does)")
        return lambda *_: None
    if corpus is None:
        raise InputError("init corpus-informed needs the extension corpus: pass corpus= (CLI: --corpus PATH)")
    from glot500.model.corpus_init import corpus_mixture, resolve_options

    # the extension's seed also seeds the sample and fastText unless the options name their own
    options = resolve_options(init_options, seed)

    def plan(old_tokenizer: Any, new_tokenizer: Any, tokens: list[str], old_rows: int) -> Any:
        return corpus_mixture(corpus, old_tokenizer, new_tokenizer, tokens, old_rows, options)

    return plan


def _embedding_matrices(model: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(input weight, output weight or None when tied / absent)``."""
    weight = model.get_input_embeddings().weight
    output = model.get_output_embeddings()
    if output is None or output.weight.data_ptr() == weight.data_ptr():
        return weight, None
    return weight, output.weight


def _fill_rows(target: torch.Tensor, old: torch.Tensor, fresh: torch.Tensor, alignment: VocabAlignment) -> None:
    """Old rows to their new ids (same dtype: bit-identical) and ``fresh`` rows to the fresh ids, in place."""
    device = target.device
    old_index = torch.as_tensor(alignment.old_ids, dtype=torch.long)
    new_index = torch.as_tensor(alignment.new_ids, dtype=torch.long, device=device)
    fresh_index = torch.as_tensor(alignment.fresh_ids, dtype=torch.long, device=device)
    target[new_index] = old[old_index].to(device=device, dtype=target.dtype)
    target[fresh_index] = fresh.to(device=device, dtype=target.dtype)


def id_ranges(ids: list[int]) -> list[list[int]]:
    """Sorted ids as half-open ``[start, end)`` ranges: ``[3, 4, 5, 9] -> [[3, 6], [9, 10]]``."""
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and ranges[-1][1] == i:
            ranges[-1][1] = i + 1
        else:
            ranges.append([i, i + 1])
    return ranges


def _check_tied(model: Any) -> None:
    """Re-tie if the config asks for tied weights and resizing left two matrices (should not happen)."""
    output = model.get_output_embeddings()
    if output is None or not getattr(model.config, "tie_word_embeddings", True):
        return
    if output.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr():
        output.weight = model.get_input_embeddings().weight


def extend_model(
    base: str | Path,
    tokenizer: str | Path,
    init: str,
    output: str | Path,
    seed: int = 0,
    corpus: str | Path | None = None,
    init_options: Any = None,
    allow_drop: bool = False,
) -> Path:
    """``glot500 model extend``: load, extend, save (safetensors) with the new tokenizer and a manifest.

    Also writes ``<output>/extension.json`` (:data:`EXTENSION_FILE`), the contract read by training and
    evaluation: ``{"schema_version": 1, "base_vocab_size", "vocab_size", "new_token_ids": [[start, end], ...],
    "init"}`` where ``new_token_ids`` are the half-open id ranges of the rows initialised fresh.
    """
    from transformers import AutoTokenizer

    from glot500.model.io import load_model, save_model

    # A missing local folder: one line naming it, before a hub lookup of the base or minutes of loading.
    check_named_paths({"base": base, "tokenizer": tokenizer, "corpus": corpus}, hub_keys=["base", "tokenizer"])
    started = time.perf_counter()
    _mixture_planner(init, corpus, init_options, seed)  # bad init arguments fail before minutes of loading
    model, old_tokenizer = load_model(base)  # any supported family; others: one line naming them
    try:
        new_tokenizer = AutoTokenizer.from_pretrained(str(tokenizer), trust_remote_code=False)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot load tokenizer {tokenizer}: {err}".splitlines()[0]) from err
    loaded_at = time.perf_counter()
    model, counts = extend_embeddings_counted(
        model, old_tokenizer, new_tokenizer, init, seed, corpus, init_options, allow_drop
    )
    extended_at = time.perf_counter()
    out = save_model(model, new_tokenizer, output)  # with sentencepiece.bpe.model: a base for another merge
    alignment = align_vocabularies(old_tokenizer.get_vocab(), new_tokenizer.get_vocab(), counts.old_vocab)
    write_extension_file(out, counts.old_vocab, counts.new_vocab, alignment.fresh_ids, init)
    config: dict[str, Any] = {"base": str(base), "tokenizer": str(tokenizer), "init": init, "seed": seed,
                              "allow_drop": allow_drop}  # fmt: skip
    if init == "corpus-informed":
        from glot500.model.corpus_init import resolve_options

        config |= {"corpus": str(corpus), "init_options": resolve_options(init_options, seed).model_dump()}
    write_manifest(
        out, stage="model.extend", schema_version=EXTEND_SCHEMA_VERSION, config=config, counts=asdict(counts),
        seconds={"load": round(loaded_at - started, 2), "extend": round(extended_at - loaded_at, 2),
                 "total": round(time.perf_counter() - started, 2)},
    )  # fmt: skip
    return out


def write_extension_file(
    out: str | Path, base_vocab_size: int, vocab_size: int, fresh_ids: list[int], init: str
) -> Path:
    """``<out>/extension.json``: which rows are new (half-open id ranges) and how they started."""
    path = Path(out) / EXTENSION_FILE
    record = {
        "schema_version": EXTENSION_SCHEMA_VERSION,
        "base_vocab_size": base_vocab_size,
        "vocab_size": vocab_size,
        "new_token_ids": id_ranges(fresh_ids),
        "init": init,
    }
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path


def read_extension_file(folder: str | Path) -> dict[str, Any]:
    """The ``extension.json`` of an extended model folder (``InputError`` if missing or of another schema)."""
    path = Path(folder) / EXTENSION_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read the extension record ({type(err).__name__}: {err})") from None
    if record.get("schema_version") != EXTENSION_SCHEMA_VERSION:
        raise InputError(
            f"{path}: schema_version {record.get('schema_version')!r}, expected {EXTENSION_SCHEMA_VERSION}"
        )
    return record
