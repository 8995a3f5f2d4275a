"""`glot500 run`: not available yet (issue 8)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command(name="run", help="Not available yet: lands with issue 8.", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def _not_yet() -> None:
        typer.echo("glot500 run: not available yet (issue 8).", err=True)
        raise typer.Exit(2)
