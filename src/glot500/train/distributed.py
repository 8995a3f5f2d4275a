"""torch.distributed plumbing: read torchrun's environment, pick the device, wrap the model (DDP or FSDP).

Nothing here distributes work by itself: torchrun (or ``accelerate launch``, which sets the same variables)
starts the processes, ``torch.distributed`` connects them, DDP/FSDP synchronise gradients.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import nn

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """Where this process runs: rank, number of processes, its device."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def setup(device: str = "auto", timeout_minutes: int = 120) -> Context:
    """Join the process group when started by torchrun (``WORLD_SIZE`` > 1), else run alone.

    The long timeout covers rank 0's first tokenization of a large corpus while the others wait.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
    if use_cuda and not torch.cuda.is_available():
        from glot500.core.errors import ConfigError

        raise ConfigError("device: cuda was requested but torch sees no CUDA device")
    if use_cuda:
        torch.cuda.set_device(local_rank)
        chosen = torch.device("cuda", local_rank)
    else:
        chosen = torch.device("cpu")
    if rank != 0:  # only rank 0 logs progress; the others still report warnings and errors
        logging.getLogger("glot500").setLevel(max(logging.getLogger("glot500").getEffectiveLevel(), logging.WARNING))
    if world_size > 1 and not dist.is_initialized():
        backend = "nccl" if use_cuda else "gloo"
        dist.init_process_group(backend=backend, timeout=timedelta(minutes=timeout_minutes))
        logger.info("rank %d of %d on %s (%s)", rank, world_size, chosen, backend)
    return Context(rank=rank, world_size=world_size, local_rank=local_rank, device=chosen)


def cleanup(context: Context) -> None:
    if context.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(context: Context) -> None:
    if context.distributed:
        dist.barrier()


def all_reduce_sum(tensor: torch.Tensor, context: Context) -> torch.Tensor:
    """Sum over processes, in place (a no-op alone)."""
    if context.distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def gather_objects(obj: object, context: Context) -> list[object]:
    """Every process's ``obj`` (list by rank) on every process."""
    if not context.distributed:
        return [obj]
    gathered: list[object] = [None] * context.world_size
    dist.all_gather_object(gathered, obj)
    return gathered


def wrap(module: nn.Module, context: Context, strategy: str) -> nn.Module:
    """DDP or FSDP2 (``fully_shard`` per encoder layer, then the root) around the training objective."""
    if not context.distributed:
        return module
    if strategy == "fsdp":
        from torch.distributed.fsdp import fully_shard

        for layer in module.body.encoder.layer:
            fully_shard(layer)
        fully_shard(module)  # the root group keeps the tied embedding/decoder weight together
        return module
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [context.local_rank] if context.device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids)


@contextlib.contextmanager
def accumulating(module: nn.Module, sync: bool) -> Iterator[None]:
    """Skip the gradient exchange on micro-batches that are not the last of a step (DDP and FSDP2)."""
    if hasattr(module, "set_requires_gradient_sync"):  # FSDP2: reduce-scatter only on the last micro-batch
        module.set_requires_gradient_sync(sync)
        yield
    elif sync or not hasattr(module, "no_sync"):
        yield
    else:
        with module.no_sync():
            yield


def full_state(objective: nn.Module, optimizer: torch.optim.Optimizer, strategy: str, context: Context):
    """``(model weights or None, optimizer state)`` to checkpoint; collective under FSDP (call on every rank).

    Without FSDP every process holds everything: ``None`` means "save the model as it is". Under FSDP the
    shards are gathered to full tensors on rank 0 (other ranks get empty dicts), keyed by parameter name.
    """
    if not (strategy == "fsdp" and context.distributed):
        return None, optimizer.state_dict()
    from torch.distributed.checkpoint.state_dict import (
        StateDictOptions,
        get_model_state_dict,
        get_optimizer_state_dict,
    )

    options = StateDictOptions(full_state_dict=True, cpu_offload=True)
    weights = get_model_state_dict(objective, options=options)
    model_state = {key.removeprefix("model."): value for key, value in weights.items()}
    return model_state, get_optimizer_state_dict(objective, optimizer, options=options)


def fsdp_optimizer_loader(objective: nn.Module, optimizer: torch.optim.Optimizer, strategy: str, context: Context):
    """Under FSDP, a function that shards a full (name-keyed) optimizer state into ``optimizer``; else None."""
    if not (strategy == "fsdp" and context.distributed):
        return None
    from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

    def load(state: dict) -> None:
        set_optimizer_state_dict(objective, optimizer, state, options=StateDictOptions(full_state_dict=True))

    return load


def unwrap(module: nn.Module) -> nn.Module:
    """The objective inside DDP / torch.compile wrappers."""
    while True:
        if hasattr(module, "_orig_mod"):
            module = module._orig_mod
        elif isinstance(getattr(module, "module", None), nn.Module):
            module = module.module
        else:
            return module
