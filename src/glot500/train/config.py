"""The typed configuration of ``glot500 train`` (YAML -> :class:`TrainConfig`, every error listed at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from glot500.core.config import StrictModel, load_config, validate_config


class DataConfig(StrictModel):
    """Where the text comes from and how it becomes packed, masked, language-mixed sequences."""

    corpus: Path = Field(description="corpus stage output (data/<label>/*.parquet) or a folder of <label>.txt[.xz]")
    cache_dir: Path | None = Field(None, description="token shard cache; default <output_dir>/token_cache")
    languages: list[str] | None = Field(None, description="train on these labels only (default: all found)")
    seq_len: int = Field(512, ge=8, description="packed sequence length including <s>")
    alpha: float = Field(0.3, gt=0, le=1, description="Glot500 sampling exponent over language sizes")
    head_weight: float = Field(1.0, ge=0, description="multiplies the sampling weight of head languages")
    head_floor: float = Field(
        0.0, ge=0, lt=1, description="minimum total share of head languages in the stream (replay); 0: none"
    )
    mask_prob: float = Field(0.15, gt=0, lt=1, description="share of (non-special) tokens to predict")
    tokenize_batch_size: int = Field(1000, ge=1, description="texts per tokenizer call when building shards")


class ScratchModelConfig(StrictModel):
    """A randomly initialised model of a family: a size preset, optionally overridden field by field."""

    family: Literal["xlmr", "bert", "modernbert", "llama", "qwen", "gemma"] = Field(
        "xlmr", description="architecture (glot500.model.families); llama/qwen/gemma train with the causal objective"
    )
    size: Literal["tiny", "base"] = "tiny"
    hidden_size: int | None = Field(None, ge=8)
    num_layers: int | None = Field(None, ge=1)
    num_heads: int | None = Field(None, ge=1)
    intermediate_size: int | None = Field(None, ge=8)
    max_position_embeddings: int | None = Field(None, ge=16)
    num_kv_heads: int | None = Field(None, ge=1, description="causal families: grouped-query attention heads")
    tie_word_embeddings: bool = Field(True, description="causal families: share input embeddings and output head")


class ModelConfig(StrictModel):
    """Start from a checkpoint (folder or hub name) or from scratch (then ``tokenizer`` is required)."""

    checkpoint: str | None = Field(None, description="HF folder (e.g. `glot500 model extend` output) or hub name")
    scratch: ScratchModelConfig | None = Field(None, description="random init instead of a checkpoint")
    tokenizer: str | None = Field(None, description="tokenizer folder; default: the checkpoint's")
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2"] = "sdpa"
    dropout: float | None = Field(None, ge=0, lt=1, description="override hidden and attention dropout")
    compile: bool = Field(False, description="torch.compile the training objective")
    pad_vocab_to_multiple_of: int | None = Field(
        None, ge=1, description="grow the embedding matrix to a multiple of this (e.g. 64: faster GPU matmuls)"
    )
    init_seed: int = 0

    @model_validator(mode="after")
    def _one_source(self) -> ModelConfig:
        if (self.checkpoint is None) == (self.scratch is None):
            raise ValueError("give exactly one of model.checkpoint and model.scratch")
        if self.scratch is not None and self.tokenizer is None:
            raise ValueError("model.scratch needs model.tokenizer (the vocabulary defines the embedding size)")
        return self


class OptimConfig(StrictModel):
    """AdamW with warmup and a decay schedule (run_mlm's defaults unless set)."""

    lr: float = Field(5e-5, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = Field(1e-8, gt=0)
    warmup_steps: int = Field(0, ge=0)
    schedule: Literal["linear", "cosine", "constant"] = "linear"
    max_grad_norm: float | None = Field(1.0, gt=0, description="clip gradients to this norm; null disables")


class PhaseConfig(StrictModel):
    """One stretch of training with its own trained parameters, learning rate and language mix.

    Unset values come from ``optim`` / ``data``. Warm-up restarts at the phase's first step and the decay
    schedule (``optim.schedule``) runs over the phase's own steps.
    """

    name: str | None = Field(None, description="shown in metrics and the manifest; default phase-<n>")
    steps: int = Field(ge=1, description="optimizer steps of this phase")
    train: Literal["all", "new_rows", "lora"] | None = Field(
        None,
        description="all; new_rows: only the embedding rows (and LM-head bias) of tokens new to the vocabulary; "
        "lora: LoRA adapters (train.peft) + the new rows. Default: lora when peft is set, else all",
    )
    lr: float | None = Field(None, gt=0, description="peak learning rate; default optim.lr")
    warmup_steps: int | None = Field(None, ge=0, description="default optim.warmup_steps")
    new_rows_lr_multiplier: float = Field(1.0, gt=0, description="the new rows' updates are this times larger")
    alpha: float | None = Field(None, gt=0, le=1, description="sampling exponent; default data.alpha")
    head_floor: float | None = Field(None, ge=0, lt=1, description="default data.head_floor")


class PeftSettings(StrictModel):
    """LoRA (peft) settings for phases with ``train: lora``: adapters on the body, new token rows trainable."""

    r: int = Field(16, ge=1, description="LoRA rank")
    alpha: float = Field(32.0, gt=0, description="LoRA scaling numerator (scale = alpha / r)")
    dropout: float = Field(0.0, ge=0, lt=1, description="dropout on the LoRA input")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="modules that get adapters (peft names); all-linear: every linear layer but the head"
    )
    new_rows: bool = Field(True, description="train the new token rows (extension.json), input and output")


class TrainConfig(StrictModel):
    """Everything one training run needs; written resolved into manifest.json and every checkpoint."""

    output_dir: Path
    data: DataConfig
    model: ModelConfig
    optim: OptimConfig = OptimConfig()
    max_steps: int | None = Field(None, ge=1, description="optimizer steps; with phases: their sum (may be left out)")
    phases: list[PhaseConfig] = Field(
        default_factory=list, description="training in phases, run in order; empty: one phase of max_steps"
    )
    peft: PeftSettings | None = Field(None, description="LoRA settings; phases train with them (train: lora)")
    micro_batch_size: int = Field(8, ge=1, description="sequences per device per forward pass")
    global_batch_size: int = Field(8, ge=1, description="sequences per optimizer step over all devices")
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    cpu_threads: int | None = Field(None, ge=1, description="torch CPU threads per process (default: torch's)")
    precision: Literal["auto", "bf16", "fp32"] = Field("auto", description="auto: bf16 autocast on GPU, else fp32")
    distributed: Literal["ddp", "fsdp"] = Field("ddp", description="strategy when launched by torchrun")
    checkpoint_every: int = Field(1000, ge=1, description="steps between resumable checkpoints")
    keep_checkpoints: int = Field(2, ge=1, description="newest checkpoints kept")
    save_model_every: int | None = Field(None, ge=1, description="also export models/step-N HF folders")
    log_every: int = Field(10, ge=1)
    tensorboard: bool = Field(False, description="also log to <output_dir>/tensorboard when installed")
    progress: bool = True
    on_nonfinite: Literal["skip", "stop"] = Field("skip", description="a NaN/inf loss skips the step or stops")
    max_nonfinite_in_a_row: int = Field(20, ge=1, description="stop when this many steps in a row are non-finite")

    @model_validator(mode="after")
    def _batch_divides(self) -> TrainConfig:
        if self.global_batch_size % self.micro_batch_size:
            raise ValueError(
                f"global_batch_size ({self.global_batch_size}) must be a multiple of micro_batch_size "
                f"({self.micro_batch_size}) times the number of processes"
            )
        return self

    @model_validator(mode="after")
    def _lora_needs_peft(self) -> TrainConfig:
        if self.peft is None and any(phase.train == "lora" for phase in self.phases):
            raise ValueError("phases with train: lora need the peft settings (peft: {r: 16, alpha: 32})")
        return self

    @model_validator(mode="after")
    def _steps_add_up(self) -> TrainConfig:
        if not self.phases:
            if self.max_steps is None:
                raise ValueError("max_steps: Field required (or give phases, whose steps add up to it)")
            return self
        total = sum(phase.steps for phase in self.phases)
        if self.max_steps is not None and self.max_steps != total:
            raise ValueError(f"max_steps ({self.max_steps}) must equal the sum of phases[].steps ({total}); "
                             "leave max_steps out to take the sum")  # fmt: skip
        object.__setattr__(self, "max_steps", total)  # bypasses validate_assignment (which would re-enter here)
        return self


def load_train_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read and validate a YAML training config; :class:`ConfigError` lists every problem with its key."""
    return load_config(TrainConfig, path, overrides)


def train_config_from_dict(data: dict[str, Any], source: str = "train config") -> TrainConfig:
    """Validate a mapping (e.g. built by the pipeline) into a :class:`TrainConfig`."""
    return validate_config(TrainConfig, data, source)
