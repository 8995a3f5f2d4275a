"""``glot500 model``: grow a model's vocabulary to an extended tokenizer; merge a LoRA adapter."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Models: extend a model's embeddings to a new tokenizer; merge LoRA.", no_args_is_help=True)

CORPUS_INIT = "corpus-informed settings (default in glot500.model.corpus_init.CorpusInitOptions)"


@app.command()
def extend(
    base: str = typer.Option(..., "--base", help="Model: HF folder (safetensors) or hub name (online)."),
    tokenizer: Path = typer.Option(..., "--tokenizer", help="Extended HF tokenizer folder (glot500 vocab extend)."),
    output: Path = typer.Option(..., "--output", help="Output model folder."),
    init: str = typer.Option(
        "random", "--init", help="New rows: random, mean, subword-mean, script-mean or corpus-informed."
    ),
    seed: int = typer.Option(0, "--seed"),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="Extension corpus (built folder or <label>.txt[.xz] files): corpus-informed only."
    ),
    max_lines: int | None = typer.Option(None, "--max-lines", help=f"Lines sampled in all; {CORPUS_INIT}."),
    max_lines_per_language: int | None = typer.Option(None, "--max-lines-per-language", help="Read cap per language."),
    alpha: float | None = typer.Option(None, "--alpha", help="Sampling exponent over languages."),
    neighbours: int | None = typer.Option(None, "--neighbours", help="Nearest shared pieces per new piece."),
    weighting: str | None = typer.Option(None, "--weighting", help="sparsemax (FOCUS) or softmax."),
    temperature: float | None = typer.Option(None, "--temperature", help="Similarities are divided by it."),
    dim: int | None = typer.Option(None, "--dim", help="fastText vector size."),
    epoch: int | None = typer.Option(None, "--epoch", help="fastText epochs."),
    allow_drop: bool = typer.Option(
        False, "--allow-drop", help="Accept a tokenizer lacking some of the model's tokens (their rows are dropped)."
    ),
) -> None:
    """Resize the embeddings (rows copied by token string; head tied; LM-head bias remapped) and save."""
    from glot500.model.extend import extend_model

    given = {
        "max_lines": max_lines, "max_lines_per_language": max_lines_per_language, "alpha": alpha,
        "neighbours": neighbours, "weighting": weighting, "temperature": temperature, "dim": dim, "epoch": epoch,
    }  # fmt: skip
    options = {key: value for key, value in given.items() if value is not None}  # extend_model checks them
    out = extend_model(
        base, tokenizer, init, output, seed=seed, corpus=corpus, init_options=options or None, allow_drop=allow_drop
    )
    typer.echo(str(out))


@app.command()
def merge(
    base: Path = typer.Option(..., "--base", help="Base HF folder, e.g. <run>/checkpoints/step-N/model."),
    adapter: Path = typer.Option(..., "--adapter", help="peft adapter folder, e.g. <run>/checkpoints/step-N/adapter."),
    output: Path = typer.Option(..., "--output", help="Output folder: a plain HF model with the adapter merged."),
) -> None:
    """Merge a LoRA adapter (and its new token rows) into its base: a plain HF folder any Auto class loads."""
    from glot500.train.lora import merge_adapter

    typer.echo(str(merge_adapter(base, adapter, output)))
