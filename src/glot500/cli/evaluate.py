"""`glot500 eval`: not available yet (issue 6)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Not available yet: lands with issue 6.", no_args_is_help=False, invoke_without_command=True)


@app.callback()
def _not_yet() -> None:
    typer.echo("glot500 eval: not available yet (issue 6).", err=True)
    raise typer.Exit(2)
