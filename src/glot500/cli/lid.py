"""``glot500 lid``: train a fastText language-ID model on a corpus, predict with one (GlotLID's or ours)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from glot500.core.errors import InputError

app = typer.Typer(help="Language identification (fastText; labels are language-scripts).", no_args_is_help=True)


@app.command()
def train(
    corpus_dir: Path = typer.Argument(..., help="A built corpus (DIR/data/<label>/*.parquet) or <label>.txt files."),
    output: Path = typer.Option(..., "--output", "-o", help="Model file to write (fastText .bin)."),
    max_per_label: int | None = typer.Option(None, "--max-per-label", help="Read at most N chunks per label."),
    holdout: float | None = typer.Option(None, "--holdout", help="Held-out share of each label's chunks."),
    epoch: int | None = typer.Option(None, "--epoch"),
    lr: float | None = typer.Option(None, "--lr"),
    dim: int | None = typer.Option(None, "--dim"),
    minn: int | None = typer.Option(None, "--minn", help="Shortest character n-gram."),
    maxn: int | None = typer.Option(None, "--maxn", help="Longest character n-gram."),
    bucket: int | None = typer.Option(None, "--bucket", help="Character n-gram buckets."),
    min_count: int | None = typer.Option(None, "--min-count", help="Rarer words get no vector."),
    loss: str | None = typer.Option(None, "--loss", help="hs, softmax or ova."),
    threads: int | None = typer.Option(None, "--threads"),
    seed: int | None = typer.Option(None, "--seed"),
) -> None:
    """Train on CORPUS_DIR; write MODEL, MODEL.report.json and MODEL.report.tsv (per-label P/R/F1).

    Options left out take the defaults of glot500.lid.train.LidTrainConfig (docs/lid.md).
    """
    from glot500.core.config import validate_config
    from glot500.corpus.filters import train_lid_from_corpus
    from glot500.lid.train import LidTrainConfig

    options = {
        "max_per_label": max_per_label,
        "holdout": holdout,
        "epoch": epoch,
        "lr": lr,
        "dim": dim,
        "minn": minn,
        "maxn": maxn,
        "bucket": bucket,
        "min_count": min_count,
        "loss": loss,
        "threads": threads,
        "seed": seed,
    }
    given = {key: value for key, value in options.items() if value is not None}
    config = validate_config(LidTrainConfig, given, "lid train options")
    report = train_lid_from_corpus(corpus_dir, output, config)
    macro = report["macro"] or {}
    typer.echo(
        f"{report['labels']} labels, {report['train_chunks']} training and {report['heldout_chunks']} held-out "
        f"chunks; trained in {report['timings']['train_s']:.1f} s"
    )
    if macro:
        typer.echo(
            f"held out: accuracy {report['accuracy']:.4f}, macro precision {macro['precision']:.4f}, "
            f"recall {macro['recall']:.4f}, F1 {macro['f1']:.4f}"
        )
    typer.echo(f"model: {output}\nreport: {output}.report.json, {output}.report.tsv")


@app.command()
def predict(
    texts: list[str] | None = typer.Argument(None, help="Texts to identify (or use --input)."),
    model: Path = typer.Option(..., "--model", "-m", help="fastText model (GlotLID's model.bin or our own)."),
    input_file: Path | None = typer.Option(None, "--input", "-i", help="One text per line ('-' for stdin)."),
    k: int = typer.Option(1, "-k", min=1, help="Labels per text."),
    batch_size: int = typer.Option(4096, "--batch-size", min=1),
) -> None:
    """Print, per text, its K most likely labels with probabilities: label<TAB>prob[<TAB>label<TAB>prob...]."""
    from glot500.core.textio import batched
    from glot500.lid import LanguageIdentifier

    if bool(texts) == (input_file is not None):
        raise InputError("give texts as arguments or --input FILE (one of the two)")
    identifier = LanguageIdentifier(model)
    for batch in batched(texts or _read_lines(input_file), batch_size):
        for prediction in identifier.predict(batch, k=k):
            typer.echo("\t".join(f"{label}\t{prob:.4f}" for label, prob in prediction))


def _read_lines(path: Path | None) -> Iterator[str]:
    if path is None or str(path) == "-":
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    from glot500.core.textio import iter_lines

    if not path.is_file():
        raise InputError(f"input file not found: {path}")
    yield from iter_lines(path, errors="replace")


