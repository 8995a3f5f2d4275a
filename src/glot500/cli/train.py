"""`glot500 train CONFIG`: continued MLM pretraining (alone, or every process of a torchrun job)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command(name="train")
    def train_command(
        config: Path = typer.Argument(..., help="YAML training config (see configs/train-*.yaml)."),
        output_dir: Path | None = typer.Option(None, "--output-dir", "-o", help="Override output_dir."),
        max_steps: int | None = typer.Option(None, "--max-steps", help="Override max_steps."),
    ) -> None:
        """Train a masked LM; rerun the same command to resume from the last checkpoint.

        Many GPUs: torchrun --nproc_per_node 8 --no-python glot500 train CONFIG
        """
        from glot500.cli.oserrors import file_errors_as_one_line
        from glot500.train import load_train_config, train

        settings = load_train_config(config, {"output_dir": output_dir, "max_steps": max_steps})
        # a full disk mid-run: the last finished checkpoint is intact (checkpoints are written aside, then renamed)
        with file_errors_as_one_line("; rerun the same command to resume from the last checkpoint"):
            result = train(settings)
        typer.echo(f"trained {result.steps} steps ({result.tokens:,} tokens): {result.final_model}")
