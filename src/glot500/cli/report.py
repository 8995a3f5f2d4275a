"""`glot500 report`: not available yet (issue 7)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command(name="report", help="Not available yet: lands with issue 7.", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def _not_yet() -> None:
        typer.echo("glot500 report: not available yet (issue 7).", err=True)
        raise typer.Exit(2)
