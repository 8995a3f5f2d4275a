"""LoRA phases with peft: low-rank adapters on the body, the *new* token rows trainable, every old weight frozen.

MaLA-500's recipe, with peft's public API only: ``LoraConfig`` + ``get_peft_model`` inject the adapters in place
(the HF model object stays the one the loop holds), and ``trainable_token_indices`` makes the rows of the new
tokens (``extension.json``) trainable in the input embeddings and, when it is untied, the output head, as
separate delta parameters. The base matrices themselves never change, so every old row, and every frozen
weight, is bit-identical after a LoRA phase. The optimizer holds the trainable parameters only (its state is
``2 x`` the adapters and new rows, not ``2 x`` the model).

A phase with ``train: lora`` attaches the adapter when it starts; a later ``all`` / ``new_rows`` phase first
merges it into the weights (``merge_and_unload``) and continues as full training. Checkpoints inside a LoRA
phase hold the base weights (``model/``, a plain HF folder) and the adapter with the new rows (``adapter/``,
peft's layout); the run's ``final/`` folder is always a plain HF model with the adapter merged. ``glot500 model
merge`` merges a checkpoint's adapter by hand.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import torch

from glot500.core.errors import MissingDependencyError

logger = logging.getLogger(__name__)

ADAPTER_DIR = "adapter"
TOKEN_DELTA_MARKER = "trainable_tokens_"  # peft's name for the new rows' parameters (its saved layout)
PEFT_MARKERS = ("lora_", TOKEN_DELTA_MARKER)


def _peft() -> Any:
    try:
        import peft
    except ImportError as error:
        raise MissingDependencyError("LoRA training needs peft: pip install 'peft>=0.15'") from error
    return peft


def _module_name(model: torch.nn.Module, module: torch.nn.Module) -> str:
    return next(name for name, candidate in model.named_modules() if candidate is module)


def token_targets(model: torch.nn.Module, new_ids: list[int]) -> dict[str, list[int]] | None:
    """``trainable_token_indices`` for peft: the input embedding and, when untied, the output head."""
    if not new_ids:
        return None
    embedding = model.get_input_embeddings()
    targets = {_module_name(model, embedding).rsplit(".", 1)[-1]: list(new_ids)}
    head = model.get_output_embeddings()
    if head is not None and head.weight is not embedding.weight:
        targets[_module_name(model, head).rsplit(".", 1)[-1]] = list(new_ids)
    return targets


class LoraAdapter:
    """Attaches, saves, loads and merges the LoRA adapter of a run on one HF model (modified in place).

    Args:
        settings: :class:`glot500.train.config.PeftSettings`.
        new_ids: ids of the new token rows made trainable (empty: none).
    """

    def __init__(self, settings: Any, new_ids: list[int]) -> None:
        self.settings = settings
        self.new_ids = list(new_ids)
        self.peft_model: Any = None

    @property
    def attached(self) -> bool:
        return self.peft_model is not None

    def lora_config(self, model: torch.nn.Module) -> Any:
        peft = _peft()
        targets = self.settings.target_modules
        return peft.LoraConfig(
            r=self.settings.r, lora_alpha=self.settings.alpha, lora_dropout=self.settings.dropout,
            target_modules=targets if isinstance(targets, str) else list(targets),
            trainable_token_indices=token_targets(model, self.new_ids) if self.settings.new_rows else None,
        )  # fmt: skip

    def attach(self, model: torch.nn.Module) -> None:
        """Inject the adapter into ``model`` (in place): from now on only LoRA weights and new rows train."""
        if self.attached:
            return
        self.peft_model = _peft().get_peft_model(model, self.lora_config(model))
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        logger.info("LoRA attached (r=%d): %s trainable parameters of %s", self.settings.r, f"{trainable:,}",
                    f"{sum(p.numel() for p in model.parameters()):,}")  # fmt: skip

    def merge(self, model: torch.nn.Module) -> None:
        """Merge the adapter into ``model``'s weights in place and drop it: the model is plain and trainable again."""
        if self.attached:
            self.peft_model.merge_and_unload()
            self.peft_model = None
            for param in model.parameters():
                param.requires_grad_(True)

    def merged_copy(self, model: torch.nn.Module) -> torch.nn.Module:
        """A plain model with the adapter merged (``model`` keeps its adapter)."""
        if not self.attached:
            return model
        return copy.deepcopy(self.peft_model).merge_and_unload()

    def save(self, folder: Path) -> None:
        """peft's adapter folder (``adapter_config.json``, ``adapter_model.safetensors``: LoRA + new rows)."""
        self.peft_model.save_pretrained(folder, safe_serialization=True)

    def load(self, folder: Path) -> None:
        """Set the attached adapter's weights from a folder written by :meth:`save`."""
        from safetensors.torch import load_file

        weights = load_file(str(folder / "adapter_model.safetensors"))
        result = _peft().set_peft_model_state_dict(self.peft_model, weights)
        unexpected = getattr(result, "unexpected_keys", None)
        if unexpected:
            raise RuntimeError(f"{folder}: adapter does not match the model (unexpected {unexpected[:5]})")


def base_state_dict(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The plain model's weights of a model with an adapter injected: adapter tensors left out, names restored."""
    out = {}
    for key, value in model.state_dict().items():
        if any(marker in key for marker in PEFT_MARKERS):
            continue
        out[key.replace(".token_adapter.base_layer", "").replace(".base_layer", "")] = value
    return out


def merge_adapter(base: str | Path, adapter: str | Path, output: str | Path) -> Path:
    """``glot500 model merge``: base HF folder + peft adapter folder -> a plain HF folder with the adapter merged.

    ``extension.json`` of the base (the new rows) is copied along, so the merged folder can be trained further.
    """
    import shutil

    from glot500.core.config import check_named_paths
    from glot500.model.extend import EXTENSION_FILE
    from glot500.model.io import load_model, save_model

    check_named_paths({"base": base, "adapter": adapter}, hub_keys=["base"])
    model, tokenizer = load_model(base)
    peft_model = _peft().PeftModel.from_pretrained(model, str(adapter))
    merged = peft_model.merge_and_unload()
    out = save_model(merged, tokenizer, output)
    if (Path(base) / EXTENSION_FILE).is_file():
        shutil.copy(Path(base) / EXTENSION_FILE, Path(out) / EXTENSION_FILE)
    return Path(out)


class LoraControl:
    """The phase control of a model with an adapter attached (peft decides what trains; see PhaseControl)."""

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self.model = model
        self.optimizer = optimizer
        self.phase: Any = None

    def enter(self, phase: Any) -> Any:
        self.phase = phase
        return phase

    def mask_gradients(self) -> None:
        """Nothing to mask: frozen weights have ``requires_grad=False``, old rows live outside the deltas."""

    def step(self) -> None:
        """``optimizer.step()``; in a phase with ``new_rows_lr_multiplier`` m, the new rows' update scaled by m.

        The new rows are peft's trainable-token deltas (their own parameters), so ``p = p_before + m * (p_adamw -
        p_before)`` touches nothing else: for AdamW that is a learning rate of ``m x lr`` for the new rows only,
        as :class:`glot500.train.phases.PhaseControl` does for full training.
        """
        multiplier = getattr(self.phase, "new_rows_lr_multiplier", 1.0)
        if multiplier == 1.0:
            self.optimizer.step()
            return
        rows = self.new_row_parameters()
        before = [param.detach().clone() for param in rows]
        self.optimizer.step()
        with torch.no_grad():
            for param, old in zip(rows, before, strict=True):
                param.copy_(old + multiplier * (param - old))

    def new_row_parameters(self) -> list[torch.nn.Parameter]:
        """The trainable new token rows (peft's ``trainable_tokens_delta`` of the embedding and an untied head)."""
        return [param for name, param in self.model.named_parameters()
                if param.requires_grad and TOKEN_DELTA_MARKER in name]  # fmt: skip

    def trained_parameters(self, phase: Any) -> int | None:
        if phase.train == "lora":
            return sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        if phase.train == "all":
            return sum(v.numel() for v in base_state_dict(self.model).values())
        return None


def new_row_ids(checkpoint: str | None) -> list[int]:
    """The new rows of an extended checkpoint (``extension.json``), or none for another model."""
    from glot500.model.extend import EXTENSION_FILE, read_extension_file

    if checkpoint is None or not (Path(checkpoint) / EXTENSION_FILE).is_file():
        return []
    record = read_extension_file(checkpoint)
    return [i for start, end in record["new_token_ids"] for i in range(int(start), int(end))]
