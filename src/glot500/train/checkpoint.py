"""Resumable checkpoints as safetensors + JSON (no pickle anywhere).

Layout of ``<output_dir>/checkpoints/step-00001000/``::

    model/                 HF folder (config.json, model.safetensors, tokenizer): AutoModelForMaskedLM loads it
    optimizer.safetensors  every per-parameter state tensor (AdamW moments, step), keyed "<param>.<name>"
                           where <param> is the index in the optimizer (FSDP: the parameter's name)
    optimizer.json         param_groups and any non-tensor state
    scheduler.json         the LR scheduler's state_dict
    data.json              the data stream's state (position, per-language cursors, generator state, phase
                           and its language probabilities)
    rng.safetensors        torch RNG states of every process ("rank<r>.cpu", "rank<r>.cuda")
    trainer_state.json     step, tokens seen, non-finite counters, resolved config

A checkpoint is written under ``step-N.partial`` and renamed when complete, so a run killed while saving
never leaves a checkpoint that looks finished. A resumed run still verifies every file of the newest checkpoint
before it uses it (:func:`resume_checkpoint`: a file truncated or damaged after the save, say by a full disk or a
copy cut short) and falls back to the newest intact one; a checkpoint it skipped is never deleted: when the run
reaches that step again, the damaged folder is kept beside the new one as ``step-N.unreadable``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from glot500.core.errors import InputError
from glot500.core.io import write_json_atomic

logger = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"
PREFIX = "step-"
UNREADABLE = ".unreadable"
_NAME = re.compile(r"^step-(\d{8})$")  # a finished checkpoint (not .partial, not .unreadable)
# Every file a resume reads; the tokenizer files in model/ are not read back (the run's own tokenizer is used).
JSON_FILES = ("optimizer.json", "scheduler.json", "data.json", "trainer_state.json", "model/config.json")
TENSOR_FILES = ("optimizer.safetensors", "rng.safetensors")


@dataclass
class TrainerState:
    """The loop's own counters (saved as trainer_state.json)."""

    step: int = 0
    tokens: int = 0
    nonfinite_steps: int = 0
    nonfinite_in_a_row: int = 0


def checkpoint_dir(output_dir: Path, step: int) -> Path:
    return output_dir / CHECKPOINTS / f"{PREFIX}{step:08d}"


def finished_checkpoints(output_dir: Path) -> list[Path]:
    """Every finished ``step-N`` folder, oldest first (``.partial`` and ``.unreadable`` ones are not)."""
    root = output_dir / CHECKPOINTS
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and _NAME.match(p.name))


def latest_checkpoint(output_dir: Path) -> Path | None:
    """The newest finished checkpoint, unverified, or ``None`` (see :func:`resume_checkpoint`)."""
    done = finished_checkpoints(output_dir)
    return done[-1] if done else None


def checkpoint_problem(path: Path) -> str | None:
    """Why the checkpoint at ``path`` cannot be resumed from (the first damaged or missing file), else ``None``.

    Every JSON file must parse and every safetensors file must have a whole header whose tensors cover the file
    exactly (``safe_open`` checks both without reading the tensors): a truncated or cut file fails. Bit flips
    inside tensor data are not detected (safetensors stores no checksum).
    """
    for name in JSON_FILES:
        file = path / name
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return f"{name} missing"
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return f"{name} unreadable ({type(error).__name__}: {error})"
        if name == "trainer_state.json" and not (isinstance(data, dict) and isinstance(data.get("step"), int)):
            return f"{name} has no step"
    for name in (*TENSOR_FILES, *_model_weight_files(path / "model")):
        problem = safetensors_problem(path / name)
        if problem is not None:
            return f"{name} {problem}"
    return None


def resume_checkpoint(output_dir: Path) -> Path | None:
    """The newest *intact* checkpoint (every file verified), or ``None`` when there is none at all.

    Damaged ones newer than it are logged with the reason and skipped (never deleted).

    Raises:
        InputError: checkpoints exist but none is intact (the message lists each with its reason).
    """
    done = finished_checkpoints(output_dir)
    skipped: list[str] = []
    for path in reversed(done):
        problem = checkpoint_problem(path)
        if problem is None:
            return path
        logger.warning("checkpoint %s skipped, cannot resume from it: %s (the folder is kept)", path, problem)
        skipped.append(f"{path.name}: {problem}")
    if skipped:
        raise InputError(
            f"{output_dir / CHECKPOINTS}: no intact checkpoint to resume from ({'; '.join(skipped)}); move the "
            "folder away to start afresh, or give a new output_dir"
        )
    return None


def _model_weight_files(model_dir: Path) -> list[str]:
    """``model/model.safetensors``, or every shard an index lists (a large model saved in pieces)."""
    index = model_dir / "model.safetensors.index.json"
    if not index.is_file():
        return ["model/model.safetensors"]
    try:
        shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ["model/model.safetensors.index.json"]  # fails the check below: not a safetensors file
    return [f"model/{shard}" for shard in shards]


def safetensors_problem(file: Path) -> str | None:
    """Why ``file`` is not a whole safetensors file (missing, cut short, a bad header), else ``None``."""
    if not file.is_file():
        return "missing"
    try:
        with safe_open(str(file), framework="pt"):
            pass
    except (SafetensorError, OSError) as error:
        return f"damaged ({file.stat().st_size:,} bytes: {error})"
    return None


def save_checkpoint(
    output_dir: Path,
    state: TrainerState,
    model: torch.nn.Module,
    tokenizer: Any,
    optimizer_state: dict[str, Any],
    scheduler: Any,
    data_state: dict[str, Any],
    rng_states: list[dict[str, torch.Tensor]],
    config: dict[str, Any],
    keep: int,
    model_state: dict[str, torch.Tensor] | None = None,
    extra: Any = None,
) -> Path:
    """Write a complete checkpoint (rank 0 only) and prune all but the ``keep`` newest.

    Args:
        optimizer_state: ``optimizer.state_dict()``, or FSDP's full state dict (keyed by parameter name).
        model_state: the full weights when ``model`` is sharded (FSDP) or carries a LoRA adapter (its base
            weights); ``None`` saves ``model`` as it is.
        extra: ``f(folder)`` writing more files into the checkpoint before it is marked complete (the adapter).
    """
    final = checkpoint_dir(output_dir, state.step)
    partial = final.with_name(final.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    export_model(model, tokenizer, partial / "model", model_state)
    _save_optimizer(optimizer_state, partial)
    _write_json(partial / "scheduler.json", scheduler.state_dict())
    _write_json(partial / "data.json", data_state)
    flat_rng = {
        f"rank{rank}.{name}": tensor for rank, states in enumerate(rng_states) for name, tensor in states.items()
    }
    save_file(flat_rng, str(partial / "rng.safetensors"))
    _write_json(partial / "trainer_state.json", {**asdict(state), "config": config})
    if extra is not None:
        extra(partial)
    if final.exists():  # only a checkpoint the resume skipped as damaged: kept for inspection, never deleted
        aside = _free_name(final.with_name(final.name + UNREADABLE))
        os.replace(final, aside)
        logger.warning("%s was not intact (resumed from an older checkpoint): kept as %s", final, aside)
    os.replace(partial, final)
    _prune(output_dir, keep, state.step)
    logger.info("checkpoint saved: %s", final)
    return final


def export_model(
    model: torch.nn.Module, tokenizer: Any, folder: Path, state_dict: dict[str, torch.Tensor] | None = None
) -> Path:
    """An HF folder (safetensors + tokenizer) that ``AutoModelForMaskedLM`` loads."""
    if state_dict is not None:  # a gathered (FSDP) state holds tied weights twice; HF saves them once
        tied = _tied_keys(model)
        state_dict = {key: value for key, value in state_dict.items() if key not in tied}
    model.save_pretrained(folder, safe_serialization=True, state_dict=state_dict)
    tokenizer.save_pretrained(folder)
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    # FSDP swaps the class for an "FSDP<name>" subclass; record the real architecture.
    config["architectures"] = [name.removeprefix("FSDP") for name in config.get("architectures") or []]
    write_json_atomic(config_path, config, indent=2)
    return folder


def load_model_weights(path: Path, model: torch.nn.Module) -> None:
    """Load a checkpoint's weights into the (not yet wrapped) model."""
    weights = load_file(str(path / "model" / "model.safetensors"))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    tied = {"lm_head.decoder.weight", "lm_head.decoder.bias"} | _tied_keys(model)  # saved once, as the embedding
    if unexpected or set(missing) - tied:
        raise RuntimeError(f"{path}: checkpoint does not match the model (missing {missing}, unexpected {unexpected})")


def _tied_keys(model: torch.nn.Module) -> set[str]:
    """Weights saved once under the name they are tied to (none when the config unties them, e.g. Llama 3 8B)."""
    if not getattr(model.config, "tie_word_embeddings", True):
        return set()
    return set(getattr(model, "_tied_weights_keys", None) or ())


def load_training_state(
    path: Path, optimizer: torch.optim.Optimizer, scheduler: Any, set_fsdp_optimizer: Any = None
) -> tuple[TrainerState, dict[str, Any], dict[str, dict[str, torch.Tensor]]]:
    """Restore optimizer and scheduler in place; return trainer state, data state, RNG states by rank.

    Args:
        set_fsdp_optimizer: for FSDP, a function taking the full (name-keyed) optimizer state dict.
    """
    optimizer_state = _load_optimizer(path)
    if set_fsdp_optimizer is not None:
        set_fsdp_optimizer(optimizer_state)
    else:
        optimizer.load_state_dict(optimizer_state)
    _load_schedule_position(scheduler, _read_json(path / "scheduler.json"))
    trainer = _read_json(path / "trainer_state.json")
    trainer.pop("config", None)
    rng: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in load_file(str(path / "rng.safetensors")).items():
        rank, name = key.split(".", 1)
        rng.setdefault(rank, {})[name] = tensor
    return TrainerState(**trainer), _read_json(path / "data.json"), rng


def _load_schedule_position(scheduler: Any, saved: dict[str, Any]) -> None:
    """Restore the scheduler's step, then set the learning rate this run's schedule gives at that step.

    The saved optimizer and scheduler carry the rate the *saved* run's schedule set after its last step (and
    its base ``optim.lr``): resumed with another ``max_steps``, phases or ``optim.lr`` (a run stopped with
    ``max_steps: 3`` and continued to 6, or restarted with a lower lr after a loss spike), its first update
    would use that stale rate (0 at the end of a linear decay). The schedule is the config's; only the step
    comes from the checkpoint.
    """
    base_lrs = list(scheduler.base_lrs)  # this run's optim.lr (LambdaLR's factor holds the phases' rates)
    scheduler.load_state_dict(saved)
    scheduler.base_lrs = base_lrs
    scheduler.last_epoch -= 1
    with warnings.catch_warnings():  # no optimizer.step() yet in this process: torch warns about the order
        warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
        scheduler.step()  # last_epoch back to the saved step; sets every group's lr and get_last_lr()


def rng_state() -> dict[str, torch.Tensor]:
    """This process's torch RNG states (dropout draws)."""
    states = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state()
    return states


def restore_rng(states: dict[str, torch.Tensor]) -> None:
    torch.set_rng_state(states["cpu"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state(states["cuda"])


def _save_optimizer(state_dict: dict[str, Any], folder: Path) -> None:
    """Tensors to safetensors as ``"<param key>.<name>"``; the rest (param_groups, scalars) to JSON."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for key, param_state in state_dict["state"].items():
        for name, value in param_state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{key}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(key), {})[name] = value
    keys = "index" if all(isinstance(key, int) for key in state_dict["state"]) else "name"
    save_file(tensors, str(folder / "optimizer.safetensors"))
    meta = {"keys": keys, "param_groups": state_dict["param_groups"], "scalars": scalars}
    _write_json(folder / "optimizer.json", meta)


def _load_optimizer(folder: Path) -> dict[str, Any]:
    meta = _read_json(folder / "optimizer.json")
    convert = int if meta.get("keys", "index") == "index" else str
    state: dict[Any, dict[str, Any]] = {}
    for key, tensor in load_file(str(folder / "optimizer.safetensors")).items():
        param, name = key.rsplit(".", 1)  # parameter names contain dots, state names do not
        state.setdefault(convert(param), {})[name] = tensor
    for param, values in meta["scalars"].items():
        state.setdefault(convert(param), {}).update(values)
    groups = meta["param_groups"]
    for group in groups:
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    return {"state": state, "param_groups": groups}


def _prune(output_dir: Path, keep: int, step: int) -> None:
    """Remove all but the ``keep`` newest checkpoints up to ``step``: newer ones are a previous run's that the
    resume skipped as damaged, which are never deleted."""
    done = [p for p in finished_checkpoints(output_dir) if int(_NAME.match(p.name).group(1)) <= step]
    for old in done[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def _free_name(path: Path) -> Path:
    """``path``, or ``path.2``, ``path.3`` ... whichever does not exist yet."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.{number}")
    return candidate


def _write_json(path: Path, data: Any) -> None:
    write_json_atomic(path, data, indent=1, default=str)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
