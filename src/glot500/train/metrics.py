"""Training metrics: ``metrics.jsonl`` (one JSON object per logged step), optional TensorBoard.

Each line: ``step``, ``phase`` / ``phase_index`` (the training phase of that step; a line never spans two
phases), ``loss`` (mean over masked tokens since the last line), ``loss_head`` / ``loss_tail`` (the same,
restricted to head / tail languages; absent when a group had no tokens), ``lr`` (the base learning rate
the step used), ``grad_norm``,
``tokens`` (non-pad tokens seen so far, all processes), ``tokens_per_s``, ``nonfinite_steps``,
``elapsed_s`` (seconds since this process started the loop; restarts at 0 on resume).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

METRICS_FILE = "metrics.jsonl"


class MetricsWriter:
    """Appends to ``metrics.jsonl`` (and TensorBoard when asked and installed); rank 0 only."""

    def __init__(self, output_dir: Path, tensorboard: bool, resume_step: int) -> None:
        self.path = output_dir / METRICS_FILE
        truncate_after(self.path, resume_step)
        self.tensorboard = _summary_writer(output_dir / "tensorboard") if tensorboard else None

    def write(self, record: dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        if self.tensorboard is not None:
            for key, value in record.items():
                if key != "step" and isinstance(value, int | float):
                    self.tensorboard.add_scalar(f"train/{key}", value, record["step"])

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()


def truncate_after(path: Path, step: int) -> None:
    """Drop lines logged after ``step``: a resumed run re-does those steps and logs them again."""
    if not path.is_file():
        return
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if line and json.loads(line)["step"] <= step]
    path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def read_metrics(output_dir: Path) -> list[dict[str, Any]]:
    """All records of ``metrics.jsonl``."""
    path = Path(output_dir) / METRICS_FILE
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _summary_writer(folder: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        logger.warning("tensorboard: true but TensorBoard is not installed (pip install tensorboard); skipped")
        return None
    return SummaryWriter(log_dir=str(folder))
