"""Model families: one small adapter per family, chosen from the model's ``config.model_type``.

Every stage that differs by family asks :func:`family_of` for the adapter instead of testing architectures
itself: which Auto class loads it, which objective trains it (masked or causal), how its encoder body and its
LM head are reached (training and scoring run the head on selected rows only), which LM-head bias follows the
vocabulary, and how a tiny random model of it is configured (tests and demos, nothing downloaded).

=============  ===========================================  =========  ==================================
family         ``model_type``                               objective  head
=============  ===========================================  =========  ==================================
``xlmr``       xlm-roberta, roberta, camembert              masked     ``lm_head`` (dense, LN, decoder)
``bert``       bert                                         masked     ``cls`` (transform, decoder)
``modernbert`` modernbert (mmBERT's architecture)           masked     ``head`` then ``decoder``
``llama``      llama, mistral                               causal     ``lm_head``
``qwen``       qwen2, qwen3                                 causal     ``lm_head``
``gemma``      gemma, gemma2, gemma3_text                   causal     ``lm_head`` (+ final soft-capping)
=============  ===========================================  =========  ==================================

Any other architecture (GPT-2, T5 ...) is refused with :class:`UnsupportedModelError` naming the supported ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from glot500.core.errors import InputError

Objective = Literal["masked", "causal"]


class UnsupportedModelError(InputError):
    """A model whose architecture no family adapter covers."""


def _tanh_softcap(logits: Any, cap: float | None) -> Any:
    """Gemma 2/3's final logit soft-capping (``cap * tanh(logits / cap)``); identity when unset."""
    if not cap:
        return logits
    import torch

    return torch.tanh(logits / cap) * cap


@dataclass(frozen=True)
class ModelFamily:
    """How glot500 handles one family of Hugging Face models.

    Attributes:
        name: the family's name (``family:`` in configs and ``--family`` in the CLI).
        objective: ``masked`` (MLM) or ``causal`` (next-token prediction).
        model_types: the ``config.model_type`` values it covers.
        head_path: attribute names from the model to the modules applied to body outputs, in order.
        bias_prefixes: parameter name prefixes of the LM-head bias that follows the vocabulary.
        embedding_layer: default layer for sentence embeddings (``"middle"``: half the depth; an int: that one).
        tiny: ``(vocab_size, sizes) -> config`` for random models made on the spot.
    """

    name: str
    objective: Objective
    model_types: tuple[str, ...]
    head_path: tuple[str, ...]
    bias_prefixes: tuple[str, ...] = ()
    embedding_layer: int | str = 8
    tiny: Callable[[int, dict[str, int]], Any] = field(default=None, repr=False)  # type: ignore[assignment]

    @property
    def is_causal(self) -> bool:
        return self.objective == "causal"

    def auto_class(self) -> Any:
        """``AutoModelForCausalLM`` or ``AutoModelForMaskedLM``."""
        import transformers

        return transformers.AutoModelForCausalLM if self.is_causal else transformers.AutoModelForMaskedLM

    def body(self, model: Any) -> Any:
        """The transformer without its LM head (returns ``last_hidden_state``)."""
        return getattr(model, model.base_model_prefix)

    def head(self, model: Any) -> Callable[[Any], Any]:
        """``hidden (n, hidden) -> logits (n, vocab)``: the LM head alone, for rows the caller selected."""
        modules = [_attribute_path(model, name) for name in self.head_path]
        cap = getattr(model.config, "final_logit_softcapping", None)

        def apply(hidden: Any) -> Any:
            for module in modules:
                hidden = module(hidden)
            return _tanh_softcap(hidden, cap)

        return apply

    def default_layer(self, num_layers: int) -> int:
        """The sentence-embedding layer of a model of this family with ``num_layers`` layers."""
        if self.embedding_layer == "middle":
            return max(1, num_layers // 2)
        return min(int(self.embedding_layer), num_layers)


def _attribute_path(model: Any, dotted: str) -> Any:
    target = model
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


# ---- tiny configurations (special ids follow each family's own tokenizer conventions loosely) -----------
def _tiny_xlmr(vocab_size: int, sizes: dict[str, int]) -> Any:
    """XLM-R's special ids (pad=1, bos=0, eos=2) and a small body."""
    from transformers import XLMRobertaConfig

    special = _special(sizes)
    return XLMRobertaConfig(
        vocab_size=vocab_size, **_encoder_sizes(sizes), pad_token_id=special["pad"], bos_token_id=special["bos"],
        eos_token_id=special["eos"], tie_word_embeddings=True,
    )  # fmt: skip


def _tiny_bert(vocab_size: int, sizes: dict[str, int]) -> Any:
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab_size, **_encoder_sizes(sizes), pad_token_id=sizes.get("pad_token_id", 1))


def _tiny_modernbert(vocab_size: int, sizes: dict[str, int]) -> Any:
    from transformers import ModernBertConfig

    special = _special(sizes)
    return ModernBertConfig(
        vocab_size=vocab_size, **_encoder_sizes(sizes), global_attn_every_n_layers=1, local_attention=16,
        pad_token_id=special["pad"], bos_token_id=special["bos"], eos_token_id=special["eos"],
        cls_token_id=special["bos"], sep_token_id=special["eos"], tie_word_embeddings=True,
    )  # fmt: skip


def _encoder_sizes(sizes: dict[str, int]) -> dict[str, int]:
    return {
        "hidden_size": sizes.get("hidden_size", 64), "num_hidden_layers": sizes.get("num_layers", 2),
        "num_attention_heads": sizes.get("num_heads", 2), "intermediate_size": sizes.get("intermediate_size", 128),
        "max_position_embeddings": sizes.get("max_position_embeddings", 130),
    }  # fmt: skip


def _special(sizes: dict[str, int]) -> dict[str, int]:
    return {"pad": sizes.get("pad_token_id", 1), "bos": sizes.get("bos_token_id", 0),
            "eos": sizes.get("eos_token_id", 2)}  # fmt: skip


def _causal_kwargs(vocab_size: int, sizes: dict[str, int]) -> dict[str, Any]:
    special = _special(sizes)
    kwargs = _encoder_sizes(sizes)
    kwargs["max_position_embeddings"] = sizes.get("max_position_embeddings", 512)
    heads = kwargs["num_attention_heads"]
    return kwargs | {
        "vocab_size": vocab_size, "num_key_value_heads": sizes.get("num_kv_heads", heads),
        "head_dim": kwargs["hidden_size"] // heads, "tie_word_embeddings": bool(sizes.get("tie_word_embeddings", 1)),
        "pad_token_id": special["pad"], "bos_token_id": special["bos"], "eos_token_id": special["eos"],
    }  # fmt: skip


def _tiny_llama(vocab_size: int, sizes: dict[str, int]) -> Any:
    from transformers import LlamaConfig

    return LlamaConfig(**_causal_kwargs(vocab_size, sizes))


def _tiny_qwen(vocab_size: int, sizes: dict[str, int]) -> Any:
    from transformers import Qwen3Config

    return Qwen3Config(**_causal_kwargs(vocab_size, sizes))


def _tiny_gemma(vocab_size: int, sizes: dict[str, int]) -> Any:
    from transformers import GemmaConfig

    return GemmaConfig(**_causal_kwargs(vocab_size, sizes))


FAMILIES: dict[str, ModelFamily] = {
    family.name: family
    for family in (
        ModelFamily("xlmr", "masked", ("xlm-roberta", "roberta", "camembert"), ("lm_head",),
                    ("lm_head.",), 8, _tiny_xlmr),
        ModelFamily("bert", "masked", ("bert",), ("cls",), ("cls.predictions.",), 8, _tiny_bert),
        ModelFamily("modernbert", "masked", ("modernbert",), ("head", "decoder"), ("decoder.",), 8, _tiny_modernbert),
        ModelFamily("llama", "causal", ("llama", "mistral"), ("lm_head",), (), "middle", _tiny_llama),
        ModelFamily("qwen", "causal", ("qwen2", "qwen3"), ("lm_head",), (), "middle", _tiny_qwen),
        ModelFamily("gemma", "causal", ("gemma", "gemma2", "gemma3_text"), ("lm_head",), (), "middle", _tiny_gemma),
    )  # fmt: skip
}
_BY_MODEL_TYPE = {model_type: family for family in FAMILIES.values() for model_type in family.model_types}


def family_of(config: Any) -> ModelFamily:
    """The family of a model config (or a model, or a ``model_type`` string).

    Raises:
        UnsupportedModelError: an architecture no family covers (one line naming the supported ones).
    """
    config = getattr(config, "config", config)
    model_type = config if isinstance(config, str) else getattr(config, "model_type", None)
    family = _BY_MODEL_TYPE.get(str(model_type))
    if family is None:
        raise UnsupportedModelError(
            f"model type {model_type!r} is not supported: glot500 handles {', '.join(sorted(_BY_MODEL_TYPE))} "
            "(families " + ", ".join(FAMILIES) + ")"
        )
    return family


def family_named(name: str) -> ModelFamily:
    """The family called ``name`` (``InputError`` naming the choices otherwise)."""
    if name not in FAMILIES:
        raise InputError(f"unknown model family {name!r}: choose one of {', '.join(FAMILIES)}")
    return FAMILIES[name]
