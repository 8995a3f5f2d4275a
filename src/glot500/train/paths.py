"""Input paths of a training config checked before anything loads: one line per missing path, naming its key."""

from __future__ import annotations

from glot500.core.config import check_paths
from glot500.train.config import TrainConfig


def check_train_paths(config: TrainConfig) -> None:
    """:class:`ConfigError` ``model.tokenizer: runs/tiny/tokenizer does not exist`` instead of a hub traceback.

    ``model.checkpoint`` and ``model.tokenizer`` may be hub ids: they are checked when they look like paths.
    """
    check_paths(config, ["data.corpus"], hub_keys=["model.checkpoint", "model.tokenizer"])
