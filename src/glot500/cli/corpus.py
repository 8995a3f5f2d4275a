"""``glot500 corpus``: build a cleaned, labelled, accounted-for corpus; print its stats; sample it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

app = typer.Typer(
    help="Glot500-c: build (datatrove), summarise and sample a multilingual corpus.", no_args_is_help=True
)


@app.command()
def build(
    inputs: list[str] = typer.Option(None, "--input", "-i", help="File, folder, 'udhr' or hub 'org/name' (repeat)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Output folder (or 'output:' in the config)."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config (see configs/corpus-*.yaml)."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1, help="Tasks run at the same time."),
    executor: str | None = typer.Option(None, "--executor", help="local (default), slurm or ray."),
    lang: str | None = typer.Option(None, "--lang", help="Language code of every --input chunk."),
    tasks: int | None = typer.Option(None, "--tasks", min=1, help="Input shards (default: min(units, 64))."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Delete the output folder first."),
) -> None:
    """Build (or resume) a corpus: DIR/data/<label>/*.parquet, dropped/, stats.json, README.md, manifest.json."""
    from glot500.core.config import load_yaml, validate_config
    from glot500.core.errors import ConfigError
    from glot500.core.paths import writing_to
    from glot500.corpus.build import build_corpus
    from glot500.corpus.config import CorpusConfig, source_from_path
    from glot500.corpus.process_settings import DATATROVE_LOGS_ENV

    data = load_yaml(config) if config else {}
    if inputs:
        data["sources"] = list(data.get("sources") or []) + [
            source_from_path(path, lang).model_dump(exclude_defaults=True) for path in inputs
        ]
    if not data.get("sources"):
        raise ConfigError("nothing to read: give --input PATH (repeatable) or a config with 'sources:'")
    if output is not None:
        data["output"] = str(output)
    settings = dict(data.get("executor") or {})
    for key, value in (("workers", workers), ("kind", executor), ("tasks", tasks)):
        if value is not None:
            settings[key] = value
    data["executor"] = settings
    corpus_config = validate_config(CorpusConfig, data, str(config or "command line"))
    if logging.getLogger().getEffectiveLevel() <= logging.DEBUG:  # -v: show datatrove's task logs too
        os.environ.setdefault(DATATROVE_LOGS_ENV, "1")
    with writing_to(corpus_config.output):
        stats = build_corpus(corpus_config, overwrite=overwrite)
    if stats:
        from glot500.corpus.card import format_summary

        typer.echo(format_summary(stats, top=10))
        typer.echo(f"corpus card: {Path(corpus_config.output) / 'README.md'}")


@app.command()
def stats(
    corpus: Path = typer.Argument(..., help="A built corpus folder."),
    top: int = typer.Option(20, "--top", help="Languages to list."),
) -> None:
    """Print a summary of DIR/stats.json: totals, drop reasons, largest and smallest languages, problems."""
    from glot500.core.errors import InputError
    from glot500.core.stats import read_corpus_stats
    from glot500.corpus.card import format_summary

    if not (corpus / "stats.json").is_file():
        raise InputError(f"{corpus}: no stats.json (not a built corpus, or the build has not finished)")
    try:
        stats = read_corpus_stats(corpus)
        summary = format_summary(stats, top=top)
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # JSONDecodeError is a ValueError
        raise InputError(
            f"{corpus / 'stats.json'}: not a readable corpus stats file ({type(error).__name__}: {error}); "
            "rebuild the corpus (glot500 corpus build) to write it again"
        ) from None
    typer.echo(summary)


@app.command()
def sample(
    corpus: Path = typer.Argument(..., help="A built corpus folder or a folder of <label>.txt files."),
    output: Path = typer.Option(..., "--output", "-o", help="Text file: one sampled chunk per line."),
    total: int = typer.Option(..., "--total", "-n", min=1, help="Chunks to draw in all."),
    alpha: float = typer.Option(0.3, "--alpha", help="Temperature exponent: p_i ∝ (n_i/N)^alpha."),
    seed: int = typer.Option(0, "--seed", help="Random seed (the sample is deterministic for it)."),
    head_weight: float = typer.Option(1.0, "--head-weight", help="Weight factor of head languages (1 = Glot500)."),
    head_floor: float = typer.Option(0.0, "--head-floor", help="Minimum total share of head languages (0 = Glot500)."),
    languages: list[str] = typer.Option(None, "--lang", help="Only these labels (repeat)."),
    top: int = typer.Option(10, "--top", help="Languages listed on stderr, most repeated first."),
) -> None:
    """Glot500 temperature sampling; writes OUTPUT and OUTPUT.langs; shares and epochs per language on stderr."""
    from glot500.corpus.sampler import draw_sample, write_sample
    from glot500.corpus.sampling_plan import describe_draw

    _check_head_floor(head_floor)
    drawn, available = draw_sample(
        corpus, total, alpha=alpha, seed=seed, head_weight=head_weight, languages=languages or None,
        head_floor=head_floor,
    )  # fmt: skip
    path = write_sample(drawn, output)
    plan = describe_draw(available, {label: len(chunks) for label, chunks in drawn.items()})
    plan.unit = "chunks"
    _print_plan(plan, top, err=True)
    typer.echo(f"{total} chunks of {len(drawn)} language-scripts -> {path}")


@app.command()
def plan(
    source: Path = typer.Argument(..., help="A size table (.tsv: label + size columns) or a corpus folder/stats.json."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="YAML recipe (keys of glot500.corpus.sampling_plan.SamplingPlanConfig)."
    ),
    alpha: float | None = typer.Option(None, "--alpha", help="Sampling exponent, one phase (default 0.3)."),
    head_floor: float | None = typer.Option(None, "--head-floor", help="Minimum total share of head languages."),
    head_weight: float | None = typer.Option(None, "--head-weight", help="Weight factor of head languages."),
    steps: int | None = typer.Option(None, "--steps", help="Optimizer steps, one phase."),
    phases: str | None = typer.Option(None, "--phases", help='"steps:alpha[:floor],..." e.g. "4000:0.7,4000:0.5:0.2".'),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Sequences per step (default 384)."),
    seq_len: int | None = typer.Option(None, "--seq-len", help="Tokens per sequence (default 512)."),
    tokens_per_sentence: float | None = typer.Option(
        None, "--tokens-per-sentence", help="Tokens per sentence/chunk of SOURCE (default 30, an assumption)."
    ),
    size_column: str | None = typer.Option(None, "--size-column", help="Size column of a table (sentences_cleaned)."),
    memorisation_epochs: float | None = typer.Option(None, "--memorise-epochs", help="Flag languages above (16)."),
    min_size: int | None = typer.Option(
        None, "--min-size", help="Leave out languages smaller than this (sizes' unit)."
    ),
    top: int = typer.Option(20, "--top", help="Languages in the printed table, most repeated first."),
    output: Path | None = typer.Option(None, "--output", "-o", help="TSV with every language."),
) -> None:
    """Plan a recipe: per-language share, tokens and epochs, and languages repeated enough to be memorised."""
    from glot500.core.config import load_yaml, validate_config
    from glot500.corpus.sampling_plan import (
        SamplingPlanConfig,
        parse_phases,
        plan_recipe,
        read_plan_sizes,
        size_notes,
        write_plan_tsv,
    )

    data = load_yaml(config) if config else {}
    flags = {
        "alpha": alpha, "head_floor": head_floor, "head_weight": head_weight, "batch_size": batch_size,
        "seq_len": seq_len, "tokens_per_sentence": tokens_per_sentence, "size_column": size_column,
        "memorisation_epochs": memorisation_epochs, "min_size": min_size,
    }  # fmt: skip
    data.update({key: value for key, value in flags.items() if value is not None})
    if phases is not None:  # a schedule on the command line replaces the config's
        data.pop("steps", None)
        data["phases"] = [vars(phase) for phase in parse_phases(phases)]
    elif steps is not None:
        data.pop("phases", None)
        data["steps"] = steps
    recipe = validate_config(SamplingPlanConfig, data, str(config or "command line"))
    sizes = read_plan_sizes(source, recipe.size_column)
    for problem in sizes.problems:  # one line each; the other rows are planned
        typer.echo(f"error: {problem}", err=True)
    result = plan_recipe(sizes.sizes, recipe, recipe.tokens_per_sentence)
    result.notes += size_notes(sizes, recipe.tokens_per_sentence)
    _print_plan(result, top)
    if output is not None:
        typer.echo(f"all {len(result.languages)} languages -> {write_plan_tsv(result, output)}")


def _check_head_floor(head_floor: float) -> None:
    if not 0 <= head_floor < 1:
        raise typer.BadParameter(f"must be in [0, 1), got {head_floor}", param_hint="--head-floor")


def _print_plan(result, top: int, err: bool = False) -> None:
    from rich.console import Console

    from glot500.corpus.sampling_plan import format_plan_summary, plan_table

    typer.echo(format_plan_summary(result), err=err)
    if top > 0:
        Console(stderr=err, width=120).print(plan_table(result, top))
