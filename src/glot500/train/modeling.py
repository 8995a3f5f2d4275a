"""The model side of training: load or create a model of any family, and its objective (masked or causal).

The family (:mod:`glot500.model.families`, read from the model's config) decides the objective: masked LMs
train with the masked-positions-only loss below, causal LMs with :class:`glot500.train.causal.CausalLMObjective`.

Why masked-only: run_mlm computes the vocabulary projection (401K outputs for Glot500) at every position
and then ignores 85% of them. We run the encoder body, gather the hidden states of the masked positions,
and apply the LM head (dense + GELU + LayerNorm + tied decoder) to those rows only. The loss is the same
(cross-entropy averaged over masked tokens); the largest matmul of the step shrinks about 7x.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch._dynamo
import torch.nn.functional as F
from torch import nn

from glot500.core.errors import ConfigError
from glot500.train.config import ModelConfig, ScratchModelConfig

logger = logging.getLogger(__name__)

XLMR_BASE_SIZES = {"hidden_size": 768, "num_layers": 12, "num_heads": 12, "intermediate_size": 3072}
TINY_SIZES = {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128}


class MaskedLMObjective(nn.Module):
    """Wraps a masked LM (XLM-R, BERT, ModernBERT); ``forward`` returns the loss of every masked token.

    Args (of forward):
        input_ids: ``(batch, seq)`` ids after masking.
        attention_mask: ``(batch, seq)`` or ``None`` when no position is padding.
        positions: ``(masked,)`` indices into the flattened ``batch * seq`` tokens.
        labels: ``(masked,)`` original ids at ``positions``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        from glot500.model.families import family_of

        self.model = model
        self.family = family_of(model.config)

    @property
    def body(self) -> nn.Module:
        """The encoder (not registered twice, so state dicts hold each weight once, under ``model.``)."""
        return getattr(self.model, self.model.base_model_prefix)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        positions: torch.Tensor,
        labels: torch.Tensor,
    ) -> torch.Tensor:
        hidden = self.body(input_ids=input_ids, attention_mask=attention_mask, return_dict=True).last_hidden_state
        selected = hidden.flatten(0, 1).index_select(0, positions)  # (masked, hidden)
        logits = self.family.head(self.model)(selected)  # (masked, vocab): the only vocabulary-sized activation
        return F.cross_entropy(logits.float(), labels, reduction="none")  # (masked,)


def objective_for(model: nn.Module, device: torch.device | None = None) -> nn.Module:
    """The training objective of ``model``'s family: masked-only MLM loss or chunked causal loss.

    On CUDA with ``liger_kernel`` installed the causal loss uses Liger's fused linear cross-entropy.
    """
    from glot500.model.families import family_of
    from glot500.train.causal import CausalLMObjective, liger_available

    if family_of(model.config).is_causal:
        return CausalLMObjective(model, fused=device is not None and liger_available(device))
    return MaskedLMObjective(model)


def compile_objective(objective: nn.Module) -> Callable[..., torch.Tensor]:
    """``torch.compile(objective)`` with the masked count (``positions``, ``labels``) dynamic from the first call.

    Left to dynamo, the first batch compiles a graph specialised to its count and the second a dynamic one;
    which graph (and so which kernels, a few ulps apart) a step gets then depends on what this process ran
    before, so a resumed run would not repeat the uninterrupted run's losses bit for bit. Marked dynamic up
    front, every count uses one graph (two: ``attention_mask`` given or ``None``), whatever came before.
    """
    compiled = torch.compile(objective)

    def forward(input_ids, attention_mask, positions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        torch._dynamo.maybe_mark_dynamic(positions, 0)  # "maybe": a count of 1 may still be specialised
        torch._dynamo.maybe_mark_dynamic(labels, 0)
        return compiled(input_ids, attention_mask, positions, labels)

    return forward


@contextmanager
def deterministic_kernels(enabled: bool) -> Iterator[None]:
    """``torch.use_deterministic_algorithms`` inside the block (when ``enabled``), the caller's setting after.

    Inductor's CPU kernels for the backward of the embeddings and of ``index_select`` add into rows with
    parallel atomic adds: with more than one thread the sums' order, and so their last bits, change from run
    to run (measured: 18 of 20 repeats of one compiled step gave other gradients). In deterministic mode
    inductor falls back to ATen's ordered ``index_put``, and a compiled run repeats bit for bit.
    """
    before = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    if enabled:
        torch.use_deterministic_algorithms(True, warn_only=True)  # warn_only: an op without one still runs
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])


def build_model(config: ModelConfig, seq_len: int) -> tuple[nn.Module, Any]:
    """``(model, tokenizer)`` from a checkpoint or from scratch, checked against ``seq_len``.

    Raises:
        ConfigError: the model is not XLM-R-shaped, its vocabulary is smaller than the tokenizer's,
            or its position embeddings are too short for ``seq_len``.
    """
    from transformers import AutoTokenizer

    if config.checkpoint is not None:
        from glot500.model.io import load_model

        model, tokenizer = load_model(config.checkpoint)
        if config.tokenizer is not None:
            tokenizer = AutoTokenizer.from_pretrained(config.tokenizer)
    else:
        tokenizer = AutoTokenizer.from_pretrained(config.tokenizer)
        model = _scratch_model(config.scratch, len(tokenizer), seq_len, config.init_seed, tokenizer)
    if config.dropout is not None:
        _set_dropout(model, config.dropout)
    multiple = config.pad_vocab_to_multiple_of
    if multiple and model.config.vocab_size % multiple:
        # 401,145 is odd: a multiple of 64 lets the decoder matmul use the fast tensor-core tiles. The extra
        # rows are never a label or an input; the tokenizer is unchanged.
        model.resize_token_embeddings(model.config.vocab_size, pad_to_multiple_of=multiple, mean_resizing=False)
    try:
        model.set_attn_implementation(config.attn_implementation)
    except (ImportError, ValueError) as error:  # e.g. flash_attention_2 without the flash-attn package
        raise ConfigError(
            f"model.attn_implementation {config.attn_implementation!r} is not available here: {error}".splitlines()[0]
            + " (use sdpa, or install flash-attn on a CUDA machine)"
        ) from None
    _check_model(model, tokenizer, seq_len)
    return model, tokenizer


def _scratch_model(scratch: ScratchModelConfig, vocab_size: int, seq_len: int, seed: int, tokenizer: Any = None):
    from glot500.model.families import family_named
    from glot500.model.tiny import tiny_family_config

    family = family_named(scratch.family)
    sizes = dict(TINY_SIZES if scratch.size == "tiny" else XLMR_BASE_SIZES)
    for key in sizes:
        if getattr(scratch, key) is not None:
            sizes[key] = getattr(scratch, key)
    default_positions = 514 if scratch.size == "base" else 130
    sizes["max_position_embeddings"] = scratch.max_position_embeddings or max(seq_len + 2, default_positions)
    if family.is_causal:
        sizes["tie_word_embeddings"] = int(scratch.tie_word_embeddings)
        if scratch.num_kv_heads is not None:
            sizes["num_kv_heads"] = scratch.num_kv_heads
    model_config = tiny_family_config(family.name, vocab_size, tokenizer, **sizes)
    torch.manual_seed(seed)
    model = family.auto_class().from_config(model_config)
    logger.info("new %s %s model: %.1fM parameters", scratch.size, family.name,
                sum(p.numel() for p in model.parameters()) / 1e6)  # fmt: skip
    return model


def _set_dropout(model: nn.Module, rate: float) -> None:
    """Override every dropout (hidden and attention) and record it in the saved config."""
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = rate
    names = ("hidden_dropout_prob", "attention_probs_dropout_prob", "attention_dropout", "embedding_dropout",
             "mlp_dropout")  # fmt: skip
    for name in names:  # recorded where the family's config has the field (Llama's attention dropout lives there)
        if name in ("hidden_dropout_prob", "attention_probs_dropout_prob") or hasattr(model.config, name):
            setattr(model.config, name, rate)


def _check_model(model: nn.Module, tokenizer: Any, seq_len: int) -> None:
    from glot500.model.families import family_of

    family = family_of(model.config)  # UnsupportedModelError for other architectures
    problems = []
    if model.config.vocab_size < len(tokenizer):
        problems.append(f"the model's vocabulary ({model.config.vocab_size}) is smaller than the tokenizer's "
                        f"({len(tokenizer)}): extend it first (`glot500 model extend`)")  # fmt: skip
    # XLM-R's position ids start after the padding index, hence the +1.
    needed = seq_len + model.config.pad_token_id + 1 if family.name == "xlmr" else seq_len
    if model.config.max_position_embeddings < needed:
        problems.append(f"data.seq_len {seq_len} needs max_position_embeddings >= {needed}, the model has "
                        f"{model.config.max_position_embeddings}")  # fmt: skip
    if family.is_causal and tokenizer.eos_token_id is None:
        problems.append("the tokenizer has no EOS token: a causal model needs one to separate documents")
    if not family.is_causal and (tokenizer.mask_token_id is None or tokenizer.pad_token_id is None):
        problems.append("the tokenizer has no <mask> or <pad> token")
    if problems:
        raise ConfigError("model does not fit this training run:\n  " + "\n  ".join(problems))


def weights_tied(model: nn.Module) -> bool:
    """Whether the decoder shares its weight with the input embeddings (as XLM-R's does)."""
    return model.get_output_embeddings().weight is model.get_input_embeddings().weight
