"""`glot500 publish RUN_OR_MODEL_DIR --output DIR [--push REPO_ID]`: a Hub-ready folder with a model card."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command(name="publish")
    def publish_command(
        source: Path = typer.Argument(..., help="A run folder (e.g. runs/demo: its extended model) or a model folder."),
        output: Path = typer.Option(..., "--output", "-o", help="Folder to write: weights, tokenizer, README.md card."),
        push: str | None = typer.Option(
            None, "--push", help="Upload to this Hub repository (user/name); without it nothing leaves the machine."
        ),
        private: bool = typer.Option(False, "--private", help="Create the Hub repository as private (with --push)."),
        license: str | None = typer.Option(
            None, "--license", help="The model's licence id for the card (default 'other'), e.g. mit, apache-2.0."
        ),
        base_model: str | None = typer.Option(
            None, "--base-model", help="Hub id of the model it was extended from (default: from the run's records)."
        ),
        name: str | None = typer.Option(None, "--name", help="Title of the card (default: the repository or folder)."),
        results: Path | None = typer.Option(
            None, "--results", help="results.jsonl (or its folder) to score the card with (a run folder has one)."
        ),
        results_model: str | None = typer.Option(
            None, "--results-model", help="This model's name in the results (run folders: glot)."
        ),
        results_base: str | None = typer.Option(
            None, "--results-base", help="The base model's name in the results (run folders: base)."
        ),
        corpus: Path | None = typer.Option(
            None, "--corpus", help="Corpus folder (README.md card, stats.json): languages, sources, licences."
        ),
        recipe: str | None = typer.Option(None, "--recipe", help="How the model was made, in a sentence."),
        dataset: list[str] = typer.Option([], "--dataset", help="A Hub dataset id for the card; repeatable."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Write into a non-empty output folder."),
    ) -> None:
        """Write a folder ready for the Hugging Face Hub (safetensors weights, tokenizer, model card); --push uploads."""
        from glot500.publish import publish

        published = publish(
            source, output, push=push, private=private, license=license, base_model=base_model, name=name,
            results=results, results_model=results_model, results_base=results_base, corpus=corpus, recipe=recipe,
            datasets=dataset, overwrite=overwrite,
        )  # fmt: skip
        typer.echo(f"{published.folder}: {', '.join(published.files)}")
        if published.url:
            typer.echo(f"uploaded to {published.url}")
