"""Paths of a training config checked before anything loads: one line per problem, naming its key."""

from __future__ import annotations

import json
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
    for key, value in (("model.checkpoint", config.model.checkpoint), ("model.tokenizer", config.model.tokenizer)):
        if value is not None and Path(value).expanduser().is_dir():
            check_model_files(key, Path(value).expanduser())
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


def check_model_files(key: str, folder: Path) -> None:
    """Every JSON and safetensors file of an HF folder must be whole: a truncated ``tokenizer.json`` or
    ``model.safetensors`` is one line naming it, not a parser's traceback after the run has started."""
    from glot500.train.checkpoint import safetensors_problem

    for file in sorted(folder.iterdir()):
        problem = None
        if file.suffix == ".json" and file.is_file():
            try:
                json.loads(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as error:
                problem = f"not valid JSON ({error})"
        elif file.suffix == ".safetensors":
            problem = safetensors_problem(file)
        if problem is not None:
            raise ConfigError(f"{key}: {file} is damaged: {problem}")
