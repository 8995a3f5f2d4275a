"""Tiny models of every family made by the code itself (tests, demos, CPU recipes): no download needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def tiny_config(
    vocab_size: int,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 128,
    max_position_embeddings: int = 130,
):
    """An ``XLMRobertaConfig`` with XLM-R's special ids (pad=1, bos=0, eos=2) and a small body."""
    from glot500.model.families import family_named

    sizes = {"hidden_size": hidden_size, "num_layers": num_layers, "num_heads": num_heads,
             "intermediate_size": intermediate_size, "max_position_embeddings": max_position_embeddings}  # fmt: skip
    return family_named("xlmr").tiny(vocab_size, sizes)


def make_tiny_mlm(tokenizer_dir: str | Path, out_dir: str | Path, seed: int = 0, **config_kwargs) -> Path:
    """Random-init tiny ``XLMRobertaForMaskedLM`` sized to the tokenizer, saved (safetensors) with it."""
    import torch
    from transformers import AutoTokenizer, XLMRobertaForMaskedLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(seed)
    model = XLMRobertaForMaskedLM(tiny_config(len(tokenizer), **config_kwargs))
    from glot500.model.io import save_mlm

    return save_mlm(model, tokenizer, Path(out_dir))  # safetensors, tokenizer and its sentencepiece.bpe.model


def tiny_family_config(family: str, vocab_size: int, tokenizer: Any = None, **sizes: int) -> Any:
    """A small random config of ``family`` (``xlmr``, ``bert``, ``modernbert``, ``llama``, ``qwen``, ``gemma``).

    ``sizes``: ``hidden_size``, ``num_layers``, ``num_heads``, ``intermediate_size``, ``max_position_embeddings``,
    ``num_kv_heads`` and ``tie_word_embeddings`` (0/1, causal families); special ids come from ``tokenizer``.
    """
    from glot500.model.families import family_named

    if tokenizer is not None:
        sizes = _special_ids(tokenizer) | sizes
    if family == "xlmr":  # XLM-R's own special ids, as tiny_config always had
        sizes = {key: value for key, value in sizes.items() if not key.endswith("_token_id")}
    return family_named(family).tiny(vocab_size, sizes)


def _special_ids(tokenizer: Any) -> dict[str, int]:
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.cls_token_id
    eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    found = {"bos_token_id": bos, "eos_token_id": eos, "pad_token_id": pad}
    return {key: int(value) for key, value in found.items() if value is not None}


def make_tiny_model(
    tokenizer_dir: str | Path, out_dir: str | Path, family: str = "xlmr", seed: int = 0, **sizes: int
) -> Path:
    """Random-init tiny model of ``family`` sized to the tokenizer, saved (safetensors) with it."""
    import torch
    from transformers import AutoTokenizer

    from glot500.model.families import family_named
    from glot500.model.io import save_model

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = tiny_family_config(family, len(tokenizer), tokenizer, **sizes)
    torch.manual_seed(seed)
    model = family_named(family).auto_class().from_config(config)
    return save_model(model, tokenizer, Path(out_dir))
