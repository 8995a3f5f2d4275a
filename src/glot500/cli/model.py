"""``glot500 model``: grow a masked LM's vocabulary to an extended tokenizer."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Models: extend a masked LM's embeddings to a new tokenizer.", no_args_is_help=True)


@app.command()
def extend(
    base: str = typer.Option(..., "--base", help="Model: HF folder (safetensors) or hub name (online)."),
    tokenizer: Path = typer.Option(..., "--tokenizer", help="Extended HF tokenizer folder (glot500 vocab extend)."),
    output: Path = typer.Option(..., "--output", help="Output model folder."),
    init: str = typer.Option("random", "--init", help="New rows: random, mean, subword-mean or script-mean."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Resize the embeddings (rows copied by token string; head tied; LM-head bias remapped) and save."""
    from glot500.core.errors import InputError
    from glot500.model.extend import extend_model
    from glot500.model.init import INIT_STRATEGIES

    if init not in INIT_STRATEGIES:
        raise InputError(f"--init {init!r}: choose one of {', '.join(INIT_STRATEGIES)}")
    typer.echo(str(extend_model(base, tokenizer, init, output, seed=seed)))
