"""Tiny XLM-R-shaped masked LMs made by the code itself (tests, demos, CPU recipes): no download needed."""

from __future__ import annotations

from pathlib import Path


def tiny_config(
    vocab_size: int,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 128,
    max_position_embeddings: int = 130,
):
    """An ``XLMRobertaConfig`` with XLM-R's special ids (pad=1, bos=0, eos=2) and a small body."""
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        tie_word_embeddings=True,
    )


def make_tiny_mlm(tokenizer_dir: str | Path, out_dir: str | Path, seed: int = 0, **config_kwargs) -> Path:
    """Random-init tiny ``XLMRobertaForMaskedLM`` sized to the tokenizer, saved (safetensors) with it."""
    import torch
    from transformers import AutoTokenizer, XLMRobertaForMaskedLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(seed)
    model = XLMRobertaForMaskedLM(tiny_config(len(tokenizer), **config_kwargs))
    from glot500.model.io import save_mlm

    return save_mlm(model, tokenizer, Path(out_dir))  # safetensors, tokenizer and its sentencepiece.bpe.model
