"""Training in phases: what each phase trains, its learning-rate schedule, and its language mix.

A run is a list of phases (``TrainConfig.phases``; none given = one phase of ``max_steps`` with the
``optim``/``data`` settings, exactly the single-phase run). Per phase:

- **What trains.** ``train: all`` updates every parameter. ``train: new_rows`` updates only the embedding
  rows of tokens new to the extended vocabulary (``extension.json`` of the ``glot500 model extend`` folder)
  and their LM-head bias entries; everything else (body, old rows, layer norms, LM-head transform, position
  embeddings) stays bit-identical. The input embedding and the output projection are one tied matrix, so
  a new row learns from both uses. How, exactly: frozen parameters get no gradient (AdamW then skips them:
  no update, no weight decay, their moments kept for a later phase); in the embedding matrix and the bias
  the frozen rows' gradients are zeroed and their Adam moments zeroed at the phase start, which makes
  AdamW's update of those rows exactly 0; weight decay, which AdamW applies to the whole matrix, is applied
  by hand to the new rows only (the same ``p *= 1 - lr * wd`` AdamW does, in the same order).
- **new_rows_lr_multiplier** ``m``: the new rows' (and their bias entries') update of each step is scaled by
  ``m`` (``p = p_before + m * (p_adamw - p_before)``). For AdamW that is exactly a learning rate of
  ``m * lr`` for those rows (the update is elementwise and proportional to ``lr``, weight decay included).
  Why not a gradient scale: Adam divides the gradient by its running RMS, so scaling it changes nothing.
  Why not a separate parameter group: the rows are part of one (tied) matrix, and splitting it would change
  the model's structure, its checkpoints and the DDP/FSDP wrapping.
- **Learning rate.** ``lr`` and ``warmup_steps`` per phase; warm-up restarts at the phase's first step and
  ``optim.schedule`` (linear / cosine / constant) runs over the phase's own steps. One ``LambdaLR`` over the
  global step implements it, so the scheduler state is the step count and resumes exactly.
- **Language mix.** ``alpha`` and ``head_floor`` per phase (default ``data.alpha`` / ``data.head_floor``); the
  stream switches probabilities at the phase's first sequence (see :mod:`glot500.train.stream`).

Row operations need the embedding matrix whole on every process: they work alone and under DDP, not FSDP.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from glot500.core.errors import ConfigError, InputError
from glot500.model.extend import EXTENSION_FILE, head_bias_parameters, output_matrix, read_extension_file
from glot500.train.config import PhaseConfig, TrainConfig

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class Phase:
    """A phase with every default resolved; ``start`` is the number of steps done before it."""

    index: int
    name: str
    start: int
    steps: int
    train: str
    lr: float
    warmup_steps: int
    new_rows_lr_multiplier: float
    alpha: float
    head_floor: float

    @property
    def end(self) -> int:
        return self.start + self.steps

    @property
    def touches_rows(self) -> bool:
        """Whether this phase treats the new rows apart from the rest (a LoRA phase: peft does, see train.lora)."""
        return self.train == "new_rows" or (self.train != "lora" and self.new_rows_lr_multiplier != 1.0)


def resolve_phases(config: TrainConfig) -> list[Phase]:
    """The phases of ``config`` with their defaults filled in (one phase when none are given)."""
    specs = config.phases or [PhaseConfig(steps=config.max_steps)]
    phases, start = [], 0
    for index, spec in enumerate(specs):
        phases.append(Phase(
            index=index, name=spec.name or f"phase-{index + 1}", start=start, steps=spec.steps,
            train=spec.train or ("lora" if config.peft is not None else "all"),
            lr=spec.lr if spec.lr is not None else config.optim.lr,
            warmup_steps=spec.warmup_steps if spec.warmup_steps is not None else config.optim.warmup_steps,
            new_rows_lr_multiplier=spec.new_rows_lr_multiplier,
            alpha=spec.alpha if spec.alpha is not None else config.data.alpha,
            head_floor=spec.head_floor if spec.head_floor is not None else config.data.head_floor,
        ))  # fmt: skip
        start += spec.steps
    return phases


def phase_at(phases: list[Phase], step: int) -> Phase:
    """The phase of the step after ``step`` completed steps (the last phase once all are done)."""
    for phase in phases:
        if step < phase.end:
            return phase
    return phases[-1]


# ---- learning rate ------------------------------------------------------------------------------------
def _shape(schedule: str, step: int, warmup: int, total: int) -> float:
    """transformers' linear / cosine / constant-with-warmup factors, term for term (tested equal)."""
    if step < warmup:
        return float(step) / float(max(1, warmup))
    if schedule == "constant":
        return 1.0
    if schedule == "linear":
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    progress = float(step - warmup) / float(max(1, total - warmup))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


def lr_scheduler(optimizer: torch.optim.Optimizer, phases: list[Phase], schedule: str, base_lr: float):
    """A ``LambdaLR`` (base ``optim.lr``) whose factor restarts warm-up and decay in every phase."""

    def factor(step: int) -> float:  # a plain function: LambdaLR's state_dict then holds only the step
        phase = phase_at(phases, step)
        return _shape(schedule, step - phase.start, phase.warmup_steps, phase.steps) * (phase.lr / base_lr)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


# ---- which rows are new -------------------------------------------------------------------------------
def new_token_ranges(config: TrainConfig, phases: list[Phase], rows: int) -> list[tuple[int, int]] | None:
    """The half-open id ranges of new rows from the checkpoint's ``extension.json``; ``None`` if unneeded.

    Raises:
        ConfigError: a phase needs the new rows but the model has no (valid) ``extension.json``.
    """
    needing = [phase for phase in phases if phase.touches_rows]
    if not needing:
        return None
    phase = needing[0]
    key = f"phases[{phase.index}].train: new_rows" if phase.train == "new_rows" else \
        f"phases[{phase.index}].new_rows_lr_multiplier"  # fmt: skip
    if config.model.checkpoint is None:
        raise ConfigError(f"{key} needs a model.checkpoint made by `glot500 model extend` (with {EXTENSION_FILE})")
    path = Path(config.model.checkpoint) / EXTENSION_FILE
    if not path.is_file():
        raise ConfigError(f"{key} needs {path} (written by `glot500 model extend`): it names the new rows")
    try:
        record = read_extension_file(config.model.checkpoint)  # the contract's one reader
        ranges = [(int(start), int(end)) for start, end in record["new_token_ids"]]
    except InputError as error:
        raise ConfigError(str(error)) from None
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{path}: new_token_ids is not a list of [start, end] id ranges ({error})") from None
    bad = [pair for pair in ranges if not 0 <= pair[0] < pair[1] <= rows]
    if bad:
        raise ConfigError(f"{path}: new_token_ids {bad[:3]} are not ranges inside the model's {rows} rows")
    return sorted(ranges)


def _complement(ranges: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    out, position = [], 0
    for start, end in ranges:
        if start > position:
            out.append((position, start))
        position = max(position, end)
    if position < size:
        out.append((position, size))
    return out


# ---- applying a phase to the model and optimizer ------------------------------------------------------
class PhaseControl:
    """Makes the model and optimizer train what the current phase says (see the module docstring).

    The loop calls :meth:`enter` before every step (a no-op inside a phase), :meth:`mask_gradients` after
    the backward pass and :meth:`step` instead of ``optimizer.step()``.

    Args:
        new_ranges: the new rows (``None``: no phase treats them apart).
        toggle_requires_grad: also switch ``requires_grad`` off on frozen parameters, so their gradients are
            not even computed; only alone (DDP fixes the parameters that get gradients when it wraps).
    """

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                 new_ranges: list[tuple[int, int]] | None, toggle_requires_grad: bool) -> None:  # fmt: skip
        self.model = model
        self.optimizer = optimizer
        self.toggle = toggle_requires_grad
        self.phase: Phase | None = None
        self.embedding = model.get_input_embeddings().weight  # tied: also the output projection
        # The embedding group's configured decay, read before a checkpoint's optimizer state (maybe 0) is loaded.
        self.weight_decay = float(self.group["weight_decay"])
        biases = head_bias_parameters(model)  # XLM-R: lm_head.bias (is decoder.bias); causal LMs: none
        self.bias = biases[0] if biases else None
        self.output = output_matrix(model)  # an untied output head (most causal LMs): its rows follow too
        rows = self.embedding.shape[0]
        self.new = new_ranges or []
        self.old = _complement(self.new, rows) if new_ranges is not None else []
        candidates = (self.embedding, self.output, self.bias)
        self.row_params = [p for p in candidates if p is not None and p.shape[0] == rows]

    def enter(self, phase: Phase) -> Phase:
        """Switch to ``phase`` if it is not the current one; returns it."""
        if self.phase is not None and phase.index == self.phase.index:
            return phase
        self.phase = phase
        if phase.train == "lora":  # peft froze all but the adapter and the new rows' deltas
            return phase
        frozen = phase.train == "new_rows"
        row_ids = {id(p) for p in self.row_params}
        for param in self.model.parameters():
            if self.toggle and id(param) not in row_ids:
                param.requires_grad_(not frozen)
        if frozen:
            self._zero_moments_of_old_rows()
        # AdamW's decay would shrink the frozen old rows: in a new_rows phase it is applied by hand (step()).
        self.group["weight_decay"] = 0.0 if frozen else self.weight_decay
        return phase

    @property
    def group(self) -> dict[str, Any]:
        """The embedding's parameter group (looked up each time: loading a state dict replaces the groups)."""
        return next(g for g in self.optimizer.param_groups if any(p is self.embedding for p in g["params"]))

    def trained_parameters(self, phase: Phase) -> int | None:
        """How many numbers ``phase`` updates."""
        if phase.train == "all":
            return sum(p.numel() for p in self.model.parameters())
        if phase.train == "lora":  # known once the adapter is attached
            return sum(p.numel() for p in self.model.parameters() if p.requires_grad) if self.phase == phase else None
        new_rows = sum(end - start for start, end in self.new)
        return sum(new_rows * (p[0].numel()) for p in self.row_params)

    def mask_gradients(self) -> None:
        """In a new_rows phase: no gradient for frozen parameters, zeros for the old rows (before clipping)."""
        if self.phase is None or self.phase.train != "new_rows":
            return
        row_ids = {id(p) for p in self.row_params}
        for param in self.model.parameters():
            if id(param) not in row_ids:
                param.grad = None
        for param in self.row_params:
            if param.grad is not None:
                for start, end in self.old:
                    param.grad[start:end] = 0

    def step(self) -> None:
        """``optimizer.step()``, plus the new rows' own weight decay and learning-rate multiplier."""
        phase = self.phase
        if phase is None or not phase.touches_rows:
            self.optimizer.step()
            return
        multiplier = phase.new_rows_lr_multiplier
        before = self._new_rows() if multiplier != 1.0 else None
        if phase.train == "new_rows" and self.weight_decay:
            lr = self.group["lr"]
            with torch.no_grad():
                for param in self.row_params:  # the embedding (and an untied head): biases are never decayed
                    if param.ndim == 2:
                        for start, end in self.new:
                            param[start:end].mul_(1 - lr * self.weight_decay)
        self.optimizer.step()
        if before is not None:
            with torch.no_grad():
                for (param, start, end), old in zip(self._row_slices(), before, strict=True):
                    param[start:end].copy_(old + multiplier * (param[start:end] - old))

    def _row_slices(self) -> list[tuple[torch.nn.Parameter, int, int]]:
        return [(param, start, end) for param in self.row_params for start, end in self.new]

    def _new_rows(self) -> list[torch.Tensor]:
        return [param.detach()[start:end].clone() for param, start, end in self._row_slices()]

    def _zero_moments_of_old_rows(self) -> None:
        """Old rows with zero moments and zero gradients get an AdamW update of exactly 0."""
        for param in self.row_params:
            for value in self.optimizer.state.get(param, {}).values():
                if isinstance(value, torch.Tensor) and value.shape[:1] == param.shape[:1] and value.ndim:
                    for start, end in self.old:
                        value[start:end] = 0


# ---- the plan: shares and epochs per language ---------------------------------------------------------
def language_plan(
    phases: list[Phase], probabilities: list[dict[str, float]], sizes: dict[str, int], global_batch_size: int
) -> dict[str, Any]:
    """Per phase and language: share of the stream, sequences drawn (expected) and epochs of its data."""
    total_drawn = dict.fromkeys(sizes, 0.0)
    out_phases = []
    for phase, probs in zip(phases, probabilities, strict=True):
        sequences = phase.steps * global_batch_size
        languages = {}
        for label, size in sizes.items():
            drawn = probs[label] * sequences
            total_drawn[label] += drawn
            languages[label] = {"share": probs[label], "sequences_drawn": round(drawn, 1),
                                "epochs": round(drawn / size, 4)}  # fmt: skip
        out_phases.append({"name": phase.name, "sequences": sequences, "languages": languages})
    overall = {label: {"sequences_available": size, "sequences_drawn": round(total_drawn[label], 1),
                       "epochs": round(total_drawn[label] / size, 4)} for label, size in sizes.items()}  # fmt: skip
    return {"phases": out_phases, "languages": overall}


def log_plan(plan: dict[str, Any], is_head: dict[str, bool], limit: int = 12) -> None:
    """A short table: languages by epochs (the most and least repeated when there are many), share per phase."""
    overall = plan["languages"]
    order = sorted(overall, key=lambda label: (-overall[label]["epochs"], label))
    shown = order if len(order) <= limit else order[: limit - 4] + ["..."] + order[-4:]
    names = [phase["name"] for phase in plan["phases"]]
    lines = [f"{'language':<14} {'seqs':>9} " + " ".join(f"{name[:12]:>12}" for name in names) + f" {'epochs':>8}"]
    for label in shown:
        if label == "...":
            lines.append(f"... {len(order) - limit} more")
            continue
        shares = " ".join(f"{phase['languages'][label]['share']:>12.2%}" for phase in plan["phases"])
        mark = "*" if is_head.get(label) else " "
        lines.append(f"{label + mark:<14} {overall[label]['sequences_available']:>9} {shares} "
                     f"{overall[label]['epochs']:>8.2f}")  # fmt: skip
    heads = " ".join(
        f"{sum(p['languages'][label]['share'] for label in overall if is_head.get(label)):>12.2%}"
        for p in plan["phases"]
    )
    lines.append(f"{'head* total':<14} {'':>9} {heads}")
    logger.info("language mix per phase (share of sequences; epochs = drawn / available):\n%s", "\n".join(lines))
