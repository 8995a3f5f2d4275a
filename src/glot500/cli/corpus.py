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
    from glot500.corpus.config import CorpusConfig, source_from_path
    from glot500.corpus.pipeline import build_corpus
    from glot500.corpus.steps import DATATROVE_LOGS_ENV

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
    typer.echo(format_summary(read_corpus_stats(corpus), top=top))


@app.command()
def sample(
    corpus: Path = typer.Argument(..., help="A built corpus folder or a folder of <label>.txt files."),
    output: Path = typer.Option(..., "--output", "-o", help="Text file: one sampled chunk per line."),
    total: int = typer.Option(..., "--total", "-n", min=1, help="Chunks to draw in all."),
    alpha: float = typer.Option(0.3, "--alpha", help="Temperature exponent: p_i ∝ (n_i/N)^alpha."),
    seed: int = typer.Option(0, "--seed", help="Random seed (the sample is deterministic for it)."),
    head_weight: float = typer.Option(1.0, "--head-weight", help="Weight factor of head languages (1 = Glot500)."),
    languages: list[str] = typer.Option(None, "--lang", help="Only these labels (repeat)."),
) -> None:
    """Glot500 temperature sampling; writes OUTPUT and OUTPUT.langs (each line's label)."""
    from glot500.corpus.sampler import sample_corpus, write_sample

    drawn = sample_corpus(corpus, total, alpha=alpha, seed=seed, head_weight=head_weight, languages=languages or None)
    path = write_sample(drawn, output)
    counts = sorted(((label, len(chunks)) for label, chunks in drawn.items()), key=lambda item: -item[1])
    shown = ", ".join(f"{label} {count}" for label, count in counts[:8])
    typer.echo(
        f"{sum(c for _, c in counts)} chunks of {len(counts)} language-scripts -> {path} ({shown}"
        f"{', ...' if len(counts) > 8 else ''})"
    )
