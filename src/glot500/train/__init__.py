"""Continued MLM pretraining: cached token shards, a resumable language-mixed stream, masked-only loss, DDP.

Python API::

    from glot500.train import load_train_config, train
    result = train(load_train_config("configs/train-tiny-cpu.yaml"))
    result.final_model  # an HF folder AutoModelForMaskedLM loads

Heavy libraries (torch, transformers) load on first use, so importing this package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glot500.train.config import TrainConfig, load_train_config, train_config_from_dict

if TYPE_CHECKING:
    from glot500.train.loop import TrainResult

__all__ = ["TrainConfig", "TrainResult", "load_train_config", "train", "train_config_from_dict"]


def train(config: TrainConfig) -> TrainResult:
    """Train or resume as ``config`` says (see :func:`glot500.train.loop.train`)."""
    from glot500.train.loop import train as run

    return run(config)
