"""`glot500 train`: not available yet (issue 5)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command(name="train", help="Not available yet: lands with issue 5.", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def _not_yet() -> None:
        typer.echo("glot500 train: not available yet (issue 5).", err=True)
        raise typer.Exit(2)
