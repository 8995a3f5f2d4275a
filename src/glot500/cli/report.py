"""`glot500 report RESULTS.jsonl...`: a static HTML page, a Markdown twin, figures and a factor analysis."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command(name="report")
    def report_command(
        results: list[Path] = typer.Argument(..., help="results.jsonl files (or folders holding one) to compare."),
        output: Path = typer.Option(..., "--output", "-o", help="Report folder: index.html, README.md, images/ ..."),
        corpus_stats: Path | None = typer.Option(
            None, "--corpus-stats", help="The corpus's stats.json (or its folder)."
        ),
        vocab_report: Path | None = typer.Option(
            None,
            "--vocab-report",
            help="Vocabulary report: a TSV/CSV/JSON file or folder with tokenizer, lang, unk_share.",
        ),
        corpus: Path | None = typer.Option(
            None, "--corpus", help="Corpus folder, for nearest languages by character n-grams (needs --corpus-stats)."
        ),
        base: str | None = typer.Option(
            None, "--base", help="Model the others are compared with (name as in the results)."
        ),
        model_size: list[str] = typer.Option(
            [], "--model-size", help="NAME=PARAMS (e.g. glot500-base=395M); repeatable."
        ),
        recipe: list[str] = typer.Option(
            [], "--recipe", help='NAME="how it was made" (init, phases, sampling), shown with the model; repeatable.'
        ),
        base_tokenizer: str | None = typer.Option(
            None, "--base-tokenizer", help="The base model's tokenizer in the vocab report."
        ),
        unseen_unk_share: float | None = typer.Option(
            None,
            "--unseen-unk-share",
            help="A script is unseen when the base tokenizer's <unk> share is above this (0.1).",
        ),
        config: Path | None = typer.Option(
            None, "--config", help="YAML file with report options (keys of ReportConfig)."
        ),
        title: str | None = typer.Option(None, "--title", help="Page title."),
        workers: int = typer.Option(
            0, "--workers", help="Processes drawing figures (0: up to 8 with 4+ cores, else 1)."
        ),
    ) -> None:
        """Build a report from evaluation results: head/tail/all tables, per-language tables, plots, factor analysis."""
        from glot500.core.config import load_config, validate_config
        from glot500.core.errors import ConfigError
        from glot500.report import ReportConfig, build_report, parse_model_size
        from glot500.report.config import existing_path, parse_recipe

        try:
            sizes = dict(parse_model_size(spec) for spec in model_size)
            recipes = dict(parse_recipe(spec) for spec in recipe)
        except ValueError as error:
            raise ConfigError(str(error)) from None
        overrides = {
            "base": base,
            "base_tokenizer": base_tokenizer,
            "unseen_unk_share": unseen_unk_share,
            "title": title,
            "workers": workers,
            "model_sizes": sizes or None,
            "recipes": recipes or None,
        }
        if config is not None:
            settings = load_config(ReportConfig, config, overrides)
        else:
            settings = validate_config(
                ReportConfig, {k: v for k, v in overrides.items() if v is not None}, "report options"
            )
        for path, what in ((corpus_stats, "corpus stats"), (vocab_report, "vocabulary report"), (corpus, "corpus")):
            if path is not None:
                existing_path(path, what)
        from glot500.cli.oserrors import file_errors_as_one_line

        with file_errors_as_one_line():
            page = build_report(
                [existing_path(path, "results file") for path in results],
                corpus_stats,
                output,
                vocab_report=vocab_report,
                corpus=corpus,
                config=settings,
            )
        typer.echo(f"report: {page}")
