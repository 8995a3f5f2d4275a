"""``glot500 run CONFIG``: every stage from one YAML config, skipping unchanged ones, resuming interrupted ones."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command(name="run")
    def run(
        config: Path = typer.Argument(..., help="Pipeline YAML (e.g. configs/demo.yaml, configs/mini-glot500.yaml)."),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Print each stage's action (run/skip) and why; do nothing."
        ),
        force: list[str] = typer.Option([], "--force", help="Re-run this stage from scratch (repeatable; 'all')."),
        overrides: list[str] = typer.Option(
            [], "--set", help="Override a config key: --set corpus.input=DIR --set extend.train.max_steps=50."
        ),
        workdir: Path | None = typer.Option(None, "--workdir", help="Override the config's workdir."),
    ) -> None:
        """Run corpus -> vocabulary -> model extension -> training -> evaluation -> report from one config."""
        from glot500.pipeline import load_pipeline, parse_overrides

        values = parse_overrides(overrides)
        if workdir is not None:
            values["workdir"] = str(workdir)
        pipeline = load_pipeline(config, values)
        if dry_run:
            print_plan(pipeline.plan(set(force)))
            return
        run_and_report(pipeline, set(force))


def print_plan(items) -> None:
    typer.echo(f"{'stage':<14} {'kind':<13} {'action':<6} reason")
    for item in items:
        typer.echo(f"{item.stage.name:<14} {item.stage.kind:<13} {item.action:<6} {item.reason}")


def run_and_report(pipeline, force: set[str]) -> None:
    """Run with one line per stage event; print where the outputs are."""
    import logging

    logging.getLogger("faiss").setLevel(logging.WARNING)  # its import logs four lines about CPU features

    def on_event(event: str, item, seconds: float) -> None:
        if event == "skip":
            typer.echo(f"[skip] {item.stage.name}: {item.reason}")
        elif event == "start":
            typer.echo(f"[run ] {item.stage.name} ({item.stage.kind}): {item.reason}")
        else:
            typer.echo(f"[done] {item.stage.name} in {seconds:.1f} s")

    pipeline.run(force, on_event=on_event)
    typer.echo(f"outputs under {pipeline.workdir}")
