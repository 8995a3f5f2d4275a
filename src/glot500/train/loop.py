"""The training loop: ``setup -> train -> save_checkpoint -> cleanup``, top to bottom in one function.

The objective comes from the model's family (masked-only MLM loss, or the causal next-token loss of
:mod:`glot500.train.causal`); both hand the loop one loss per scored token, so everything else is shared.

Training in phases (e.g. first only the new embedding rows, then everything, each with its own learning
rate and language mix) is in :mod:`glot500.train.phases`; the loop only asks it what the current phase is.

Run alone (``glot500 train CONFIG``) or on many GPUs/nodes (``torchrun --nproc_per_node 8 --no-python glot500
train CONFIG``): the same code, DDP (or FSDP) does the gradient exchange. Restarted with the same command, a
run continues from its newest checkpoint in ``<output_dir>/checkpoints``.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from glot500.core.errors import ConfigError, Glot500Error
from glot500.core.locks import output_lock
from glot500.core.manifest import write_manifest
from glot500.model.families import family_of
from glot500.train import distributed
from glot500.train.checkpoint import (
    TrainerState,
    export_model,
    load_model_weights,
    load_training_state,
    restore_rng,
    resume_checkpoint,
    rng_state,
    save_checkpoint,
)
from glot500.train.config import TrainConfig
from glot500.train.data import TrainingData, prepare_data
from glot500.train.lora import ADAPTER_DIR, LoraAdapter, LoraControl, base_state_dict, new_row_ids
from glot500.train.metrics import MetricsWriter
from glot500.train.modeling import build_model, compile_objective, deterministic_kernels, objective_for
from glot500.train.paths import check_train_paths
from glot500.train.phases import (
    Phase,
    PhaseControl,
    language_plan,
    log_plan,
    lr_scheduler,
    new_token_ranges,
    phase_at,
    resolve_phases,
)

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
FINAL_MODEL = "final"


class NonFiniteLossError(Glot500Error):
    """Training stopped on a NaN/inf loss (``on_nonfinite: stop``, or too many skipped steps in a row)."""


@dataclass
class TrainResult:
    """What a finished run returns: where the model is, and the losses of the steps this call ran."""

    output_dir: Path
    final_model: Path
    steps: int
    tokens: int
    losses: dict[int, float] = field(default_factory=dict)  # step -> mean masked-token loss
    resumed_from: int = 0
    model: Any = field(default=None, repr=False)  # the trained model of this process, in memory


def train(config: TrainConfig) -> TrainResult:
    """Train (or resume training) as ``config`` says; every process of a torchrun job calls this."""
    check_train_paths(config)  # a missing tokenizer/corpus: one line naming the key, not a hub traceback
    context = distributed.setup(config.device)
    # Compiled CPU kernels are only reproducible (and a resumed run exact) in deterministic mode; on CUDA it
    # would cost speed (and eager CUDA embedding backward is not bit-reproducible either).
    deterministic = config.model.compile and context.device.type == "cpu"
    try:  # one run per output_dir: a second one stops at once (rank 0 holds the lock for the whole job)
        with deterministic_kernels(deterministic), output_lock(config.output_dir, "training run", context.is_main):
            return _train(config, context)
    finally:
        distributed.cleanup(context)


def _train(config: TrainConfig, ctx: distributed.Context) -> TrainResult:
    # ---- setup: batch geometry, model, data, optimizer, resume ----
    per_step = config.micro_batch_size * ctx.world_size
    if config.global_batch_size % per_step:
        raise ConfigError(f"global_batch_size {config.global_batch_size} is not a multiple of micro_batch_size "
                          f"{config.micro_batch_size} x {ctx.world_size} processes")  # fmt: skip
    accumulation = config.global_batch_size // per_step
    if config.cpu_threads:  # on a busy machine one thread per process beats oversubscribed thread pools
        torch.set_num_threads(config.cpu_threads)
    torch.manual_seed(config.seed + ctx.rank)  # dropout masks differ between processes
    phases = resolve_phases(config)  # none configured: one phase of max_steps
    resume = resume_checkpoint(config.output_dir)  # the newest intact one; before tokenizing: none intact stops here
    model, tokenizer = build_model(config.model, config.data.seq_len)
    new_rows = _new_rows(config, phases, model, ctx)
    model.to(ctx.device).train()
    causal = family_of(model.config).is_causal
    data = prepare_data(config, tokenizer, ctx, config.micro_batch_size, phases, causal=causal)
    if resume is not None:
        load_model_weights(resume, model)  # full weights, before DDP/FSDP take the model
    lora = _lora(config, phases, ctx)
    if lora is not None and _adapter_due(resume, phases):  # the adapter is attached as it was when saved
        lora.attach(model)
        if resume is not None:
            lora.load(resume / ADAPTER_DIR)
    objective, optimizer, scheduler, control = _optimization(model, config, ctx, phases, new_rows, lora)

    state = TrainerState()
    if resume is not None:
        fsdp_loader = distributed.fsdp_optimizer_loader(objective, optimizer, config.distributed, ctx)
        state, data_state, rngs = load_training_state(resume, optimizer, scheduler, fsdp_loader)
        data.builder.stream.load_state_dict(data_state)
        if f"rank{ctx.rank}" in rngs:
            restore_rng(rngs[f"rank{ctx.rank}"])
        else:
            logger.warning("no RNG state for rank %d in %s (world size changed?): dropout reseeded", ctx.rank, resume)
        if ctx.is_main:
            logger.info("resuming from %s (step %d)", resume, state.step)
    resumed_from = state.step

    forward = compile_objective(objective) if config.model.compile else objective
    use_bf16 = config.precision == "bf16" or (config.precision == "auto" and ctx.device.type == "cuda")
    autocast = torch.autocast(ctx.device.type, dtype=torch.bfloat16) if use_bf16 else nullcontext()
    writer = MetricsWriter(config.output_dir, config.tensorboard, state.step) if ctx.is_main else None
    plan = _plan(phases, data, control, config)
    if ctx.is_main:
        log_plan(plan, dict(zip(data.labels, data.is_head, strict=True)))
        _write_manifest(config, data, ctx, accumulation, status="running", state=state, plan=plan)
    bar = _progress_bar(config, ctx, state.step)
    n_languages = len(data.labels)
    is_head = torch.tensor(data.is_head, device=ctx.device)
    window = _Window(n_languages, ctx.device)
    losses: dict[int, float] = {}

    # ---- the loop: one optimizer step per iteration, `accumulation` micro-batches each ----
    while state.step < config.max_steps:
        upcoming = phase_at(phases, state.step)
        if lora is not None and (upcoming.train == "lora") != lora.attached:  # attach, or merge, at a phase start
            lora.attach(model) if upcoming.train == "lora" else lora.merge(model)
            objective, optimizer, scheduler, control = _optimization(
                model, config, ctx, phases, new_rows, lora, state.step
            )
            forward = compile_objective(objective) if config.model.compile else objective
        phase = control.enter(upcoming)  # what trains, from which step on: a no-op inside a phase
        step_loss = torch.zeros(n_languages, device=ctx.device, dtype=torch.float64)
        step_count = torch.zeros(n_languages, device=ctx.device, dtype=torch.float64)
        step_tokens = 0
        for micro in range(accumulation):
            batch = data.builder.next().to(ctx.device)
            with distributed.accumulating(objective, sync=micro == accumulation - 1), autocast:
                token_losses = forward(batch.input_ids, batch.attention_mask, batch.positions, batch.labels)
            (token_losses.mean() / accumulation).backward()
            step_loss.index_add_(0, batch.languages, token_losses.detach().double())
            step_count.index_add_(0, batch.languages, torch.ones_like(step_count[batch.languages]))
            step_tokens += batch.tokens

        totals = distributed.all_reduce_sum(
            torch.cat([step_loss, step_count, torch.tensor([step_tokens], device=ctx.device, dtype=torch.float64)]),
            ctx,
        )
        step_loss, step_count, step_tokens = totals[:n_languages], totals[n_languages:-1], int(totals[-1].item())
        loss = (step_loss.sum() / step_count.sum()).item()
        control.mask_gradients()  # frozen parameters get no update (and count for no clipping)
        grad_norm = _clip_gradients(model, config.optim.max_grad_norm)
        lr = scheduler.get_last_lr()[0]
        state.step += 1
        state.tokens += step_tokens
        if math.isfinite(loss) and math.isfinite(grad_norm):
            control.step()  # optimizer.step(), plus the new rows' own multiplier and decay in their phases
            state.nonfinite_in_a_row = 0
            window.add(step_loss, step_count, step_tokens)
        else:
            _handle_nonfinite(config, state, loss, grad_norm)
        with warnings.catch_warnings():  # a skipped first step makes torch warn about the call order
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
            scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses[state.step] = loss

        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{window.tokens_per_second():,.0f}")
        if writer is not None and (state.step % config.log_every == 0 or state.step == phase.end):
            writer.write(window.record(state, phase, lr, grad_norm, is_head))
            window.reset()
        if state.step % config.checkpoint_every == 0 or state.step == config.max_steps:
            _checkpoint(config, ctx, state, objective, model, tokenizer, optimizer, scheduler, data, lora)
        if config.save_model_every and state.step % config.save_model_every == 0:
            merged = lora.merged_copy(model) if lora is not None else model
            _export(config, ctx, objective, merged, tokenizer, optimizer, f"models/step-{state.step:08d}")

    # ---- finish: final HF folder (adapter merged), manifest, cleanup ----
    if lora is not None:
        lora.merge(model)
    final = _export(config, ctx, objective, model, tokenizer, optimizer, FINAL_MODEL)
    if ctx.is_main:
        _write_manifest(config, data, ctx, accumulation, status="finished", state=state, plan=plan)
        writer.close()
    if bar is not None:
        bar.close()
    distributed.barrier(ctx)
    return TrainResult(config.output_dir, final, state.step, state.tokens, losses, resumed_from, model)


def _optimization(model, config: TrainConfig, ctx: distributed.Context, phases: list[Phase], new_rows, lora,
                  step: int = 0):  # fmt: skip
    """``(objective, optimizer, scheduler, phase control)`` for the model as it is now (plain or with LoRA).

    Built at setup and again when a phase attaches or merges the adapter (the trained parameters change; the
    new optimizer's moments start at zero); the schedule continues at ``step``.
    """
    adapted = lora is not None and lora.attached
    fused_ok = not adapted  # Liger reads the head's weight directly: the new rows' deltas would be missed
    objective = distributed.wrap(objective_for(model, ctx.device if fused_ok else None), ctx, config.distributed)
    optimizer, scheduler = _optimizer_and_schedule(model, config, ctx, phases, trainable_only=adapted)
    if step:
        scheduler.last_epoch = step - 1
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
            scheduler.step()
    if adapted:
        return objective, optimizer, scheduler, LoraControl(model, optimizer)
    return objective, optimizer, scheduler, PhaseControl(model, optimizer, new_rows, not ctx.distributed)


def _lora(config: TrainConfig, phases: list[Phase], ctx: distributed.Context) -> LoraAdapter | None:
    if not any(phase.train == "lora" for phase in phases):
        return None
    if config.distributed == "fsdp" and ctx.distributed:
        raise ConfigError("phases with train: lora need distributed: ddp (or one process); LoRA fits one GPU")
    return LoraAdapter(config.peft, new_row_ids(config.model.checkpoint))


def _adapter_due(resume: Path | None, phases: list[Phase]) -> bool:
    """Whether training starts with the adapter attached: the checkpoint has one, or a fresh run starts in LoRA."""
    if resume is not None:
        return (resume / ADAPTER_DIR).is_dir()
    return phases[0].train == "lora"


def _optimizer_and_schedule(model: torch.nn.Module, config: TrainConfig, ctx: distributed.Context, phases: list[Phase],
                            trainable_only: bool = False):  # fmt: skip
    opt = config.optim
    # With LoRA the optimizer holds the adapter and new rows only: no moments for the frozen model.
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad or not trainable_only]
    # No weight decay on biases and LayerNorm weights (BERT's and run_mlm's convention).
    decay = [p for n, p in named if p.ndim >= 2 and "norm" not in n.lower()]
    no_decay = [p for n, p in named if not (p.ndim >= 2 and "norm" not in n.lower())]
    groups = [{"params": decay, "weight_decay": opt.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    # fused: one kernel per step instead of ~10 per tensor (CPU too, torch >= 2.4): on the demo's tiny model the
    # per-tensor update of the 24K-row embedding's moments took 14 ms of a 120 ms CPU step, fused 2 ms.
    optimizer = torch.optim.AdamW(groups, lr=opt.lr, betas=opt.betas, eps=opt.eps, fused=True)
    # Warm-up and decay restart in every phase; one phase gives transformers' schedule of the same name.
    return optimizer, lr_scheduler(optimizer, phases, opt.schedule, opt.lr)


def _new_rows(config: TrainConfig, phases: list[Phase], model: torch.nn.Module, ctx) -> list[tuple[int, int]] | None:
    """The new rows' id ranges when a phase treats them apart (they need the whole matrix: not FSDP)."""
    ranges = new_token_ranges(config, phases, model.get_input_embeddings().weight.shape[0])
    if ranges is not None and config.distributed == "fsdp" and ctx.distributed:
        raise ConfigError("phases with train: new_rows or new_rows_lr_multiplier need distributed: ddp (FSDP "
                          "shards the embedding matrix); the embedding fits one GPU, use ddp")  # fmt: skip
    if ranges == [] and ctx.is_main:
        logger.warning("%s/extension.json lists no new rows: new_rows phases train nothing", config.model.checkpoint)
    return ranges


def _plan(phases: list[Phase], data: TrainingData, control: PhaseControl, config: TrainConfig) -> dict:
    """The manifest's phases: settings, trained parameters, per-language shares and epochs."""
    sizes = {label: counts["sequences"] for label, counts in data.counts.items()}
    plan = language_plan(phases, data.phase_probabilities, sizes, config.global_batch_size)
    heads = {label for label, head in zip(data.labels, data.is_head, strict=True) if head}
    for phase, entry in zip(phases, plan["phases"], strict=True):
        head = sum(value["share"] for label, value in entry["languages"].items() if label in heads)
        entry.update(index=phase.index, start_step=phase.start, steps=phase.steps, train=phase.train, lr=phase.lr,
                     warmup_steps=phase.warmup_steps, new_rows_lr_multiplier=phase.new_rows_lr_multiplier,
                     alpha=phase.alpha, head_floor=phase.head_floor, head_share=head,
                     trained_parameters=control.trained_parameters(phase))  # fmt: skip
    return plan


def _clip_gradients(model: torch.nn.Module, max_norm: float | None) -> float:
    """Clip to ``max_norm`` (when set) and return the total gradient norm before clipping."""
    parameters = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.clip_grad_norm_(parameters, max_norm if max_norm is not None else math.inf)
    return float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)


def _handle_nonfinite(config: TrainConfig, state: TrainerState, loss: float, grad_norm: float) -> None:
    state.nonfinite_steps += 1
    state.nonfinite_in_a_row += 1
    what = f"step {state.step}: non-finite loss {loss} / gradient norm {grad_norm}"
    if config.on_nonfinite == "stop":
        raise NonFiniteLossError(f"{what}; stopped (on_nonfinite: stop). Restart from the last checkpoint, e.g. "
                                 "with a lower optim.lr, or set on_nonfinite: skip")  # fmt: skip
    if state.nonfinite_in_a_row >= config.max_nonfinite_in_a_row:
        raise NonFiniteLossError(f"{what}; {state.nonfinite_in_a_row} non-finite steps in a row, stopped "
                                 "(max_nonfinite_in_a_row). Lower optim.lr or check the data and model")  # fmt: skip
    logger.warning("%s; update skipped (%d in a row)", what, state.nonfinite_in_a_row)


def _checkpoint(config, ctx, state, objective, model, tokenizer, optimizer, scheduler, data: TrainingData,
                lora: LoraAdapter | None) -> None:  # fmt: skip
    """Every rank joins (FSDP gathers shards, RNG states are collected); rank 0 writes.

    With an adapter attached: ``model/`` holds the base weights and ``adapter/`` the adapter with the new rows.
    """
    model_state, optimizer_state = distributed.full_state(objective, optimizer, config.distributed, ctx)
    extra = None
    if lora is not None and lora.attached:
        model_state = base_state_dict(model)
        extra = lambda folder: lora.save(folder / ADAPTER_DIR)  # noqa: E731
    rngs = distributed.gather_objects(rng_state(), ctx)
    if ctx.is_main:
        save_checkpoint(
            config.output_dir, state, model, tokenizer, optimizer_state, scheduler, data.builder.stream.state_dict(),
            rngs, config.model_dump(mode="json"), config.keep_checkpoints, model_state, extra,
        )  # fmt: skip
    distributed.barrier(ctx)


def _export(config, ctx, objective, model, tokenizer, optimizer, name: str) -> Path:
    """An HF folder ``<output_dir>/<name>``; collective under FSDP, written by rank 0."""
    folder = config.output_dir / name
    model_state = None
    if config.distributed == "fsdp" and ctx.distributed:
        model_state, _ = distributed.full_state(objective, optimizer, config.distributed, ctx)
    if ctx.is_main:
        export_model(model, tokenizer, folder, model_state)
        logger.info("model saved: %s", folder)
    distributed.barrier(ctx)
    return folder


def _progress_bar(config: TrainConfig, ctx: distributed.Context, start: int):
    if not (config.progress and ctx.is_main):
        return None
    from glot500.core.progress import progress

    return progress(total=config.max_steps, initial=start, desc="train", unit="step")


def _write_manifest(config, data: TrainingData, ctx, accumulation: int, status: str, state: TrainerState,
                    plan: dict) -> None:  # fmt: skip
    write_manifest(
        config.output_dir, "train", SCHEMA_VERSION, config=config.model_dump(mode="json"),
        inputs={"corpus": str(config.data.corpus), "tokenizer_hash": data.tokenizer_hash,
                "model": config.model.checkpoint or "scratch"},
        counts=data.counts, status=status, step=state.step, tokens=state.tokens,
        nonfinite_steps=state.nonfinite_steps, world_size=ctx.world_size, accumulation_steps=accumulation,
        sampling_probabilities=data.probabilities, failed_files=data.failures, final_model=FINAL_MODEL,
        phases=plan["phases"], languages=plan["languages"],
    )  # fmt: skip


class _Window:
    """Sums since the last log line, kept on the device so logging does not sync every step."""

    def __init__(self, n_languages: int, device: torch.device) -> None:
        self.loss = torch.zeros(n_languages, device=device, dtype=torch.float64)
        self.count = torch.zeros(n_languages, device=device, dtype=torch.float64)
        self.started = self.run_started = time.perf_counter()
        self.tokens = 0

    def add(self, loss: torch.Tensor, count: torch.Tensor, tokens: int) -> None:
        self.loss += loss
        self.count += count
        self.tokens += tokens

    def tokens_per_second(self) -> float:
        return self.tokens / max(time.perf_counter() - self.started, 1e-9)

    def record(self, state: TrainerState, phase: Phase, lr: float, grad_norm: float, is_head: torch.Tensor) -> dict:
        record = {"step": state.step, "phase": phase.name, "phase_index": phase.index,
                  "loss": _mean(self.loss.sum(), self.count.sum())}  # fmt: skip
        for name, selected in (("loss_head", is_head), ("loss_tail", ~is_head)):
            if bool(selected.any()) and self.count[selected].sum() > 0:
                record[name] = _mean(self.loss[selected].sum(), self.count[selected].sum())
        record.update(lr=lr, grad_norm=grad_norm, tokens=state.tokens, tokens_per_s=round(self.tokens_per_second(), 1),
                      elapsed_s=round(time.perf_counter() - self.run_started, 1),
                      nonfinite_steps=state.nonfinite_steps)  # fmt: skip
        return record

    def reset(self) -> None:
        self.loss.zero_()
        self.count.zero_()
        self.tokens = 0
        self.started = time.perf_counter()


def _mean(total: torch.Tensor, count: torch.Tensor) -> float | None:
    return float(total / count) if float(count) > 0 else None
