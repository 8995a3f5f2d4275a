"""Paths of a training config checked before anything loads: one line per problem, naming its key."""

from __future__ import annotations

import os
from pathlib import Path

from glot500.core.config import check_paths
from glot500.core.errors import ConfigError
from glot500.train.config import TrainConfig


def check_train_paths(config: TrainConfig) -> None:
    """:class:`ConfigError` ``model.tokenizer: runs/tiny/tokenizer does not exist`` instead of a hub traceback,
    and ``output_dir: cannot write to ...`` before any tokenizing rather than after it.

    ``model.checkpoint`` and ``model.tokenizer`` may be hub ids: they are checked when they look like paths.
    """
    check_paths(config, ["data.corpus"], hub_keys=["model.checkpoint", "model.tokenizer"])
    check_writable("output_dir", config.output_dir)
    if config.data.cache_dir is not None:
        check_writable("data.cache_dir", config.data.cache_dir)


def check_writable(key: str, folder: Path) -> None:
    """Create ``folder`` (and its parents) and a file in it, or raise :class:`ConfigError` naming ``key``."""
    probe = Path(folder) / f".glot500-write-test.{os.getpid()}"
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"{key}: cannot write to {folder} ({reason}); give a folder you can write to") from None
