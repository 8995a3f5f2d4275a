"""``glot500 vocab``: train a SentencePiece vocabulary, merge it into a base tokenizer, report fertility."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Tokenizers: learn pieces on a sampled corpus, extend a base (unigram, BPE byte fallback, byte-level BPE), compare.",
    no_args_is_help=True,
)


@app.command()
def train(
    corpus: Path | None = typer.Option(None, "--corpus", help="Corpus folder (built or <label>.txt[.xz]) or file."),
    vocab_size: str | None = typer.Option(
        None, "--vocab-size", help="Pieces (default 32000), or 'auto': sized by held-out compression."
    ),
    output: Path | None = typer.Option(None, "--output", help="Output folder (HF tokenizer folder)."),
    config: Path | None = typer.Option(None, "--config", help="YAML config (configs/vocab-*.yaml); flags win."),
    alpha: float | None = typer.Option(None, "--alpha", help="Sampling temperature (default 0.3)."),
    sample_size: int | None = typer.Option(None, "--sample-size", help="Chunks to sample (default 1,000,000)."),
    seed: int | None = typer.Option(None, "--seed"),
    languages: list[str] | None = typer.Option(None, "--languages", help="Only these labels (repeatable)."),
    head_only: bool | None = typer.Option(None, "--head-only/--all-languages", help="Only head languages."),
    byte_fallback: bool | None = typer.Option(None, "--byte-fallback/--no-byte-fallback"),
    threads: int | None = typer.Option(None, "--threads", help="SentencePiece trainer threads (default 2)."),
    keep_sample: bool | None = typer.Option(None, "--keep-sample", help="Keep sample.txt in the output."),
    like: Path | None = typer.Option(None, "--like", help="Base tokenizer folder: train in its family and pipeline."),
    family: str | None = typer.Option(None, "--family", help="unigram, bpe-byte-fallback or byte-level-bpe (no base)."),
    min_frequency: int | None = typer.Option(None, "--min-frequency", help="BPE: fewer sightings never merge (2)."),
    min_character_count: int | None = typer.Option(
        None, "--min-character-count", help="Unigram: characters seen fewer times get no piece, stay <unk> (1)."
    ),
) -> None:
    """Learn new pieces on an alpha-sampled corpus: SentencePiece unigram (XLM-R ids), or BPE like --like BASE."""
    from glot500.core.config import load_yaml, validate_config
    from glot500.vocab.config import VocabTrainConfig
    from glot500.vocab.train import train_vocab

    flags = {
        "corpus": corpus, "vocab_size": int(vocab_size) if vocab_size and vocab_size.isdigit() else vocab_size,
        "output": output, "alpha": alpha, "sample_size": sample_size,
        "seed": seed, "languages": languages or None, "head_only": head_only, "byte_fallback": byte_fallback,
        "num_threads": threads, "keep_sample": keep_sample, "like": like, "family": family,
        "min_frequency": min_frequency, "min_character_count": min_character_count,
    }  # fmt: skip
    data = load_yaml(config) if config else {}
    data.update({key: value for key, value in flags.items() if value is not None})
    out = train_vocab(validate_config(VocabTrainConfig, data, str(config or "command line")))
    typer.echo(str(out))


@app.command()
def extend(
    base: str = typer.Option(..., "--base", help="Base tokenizer: HF folder, .model file, or hub name (online)."),
    add: Path = typer.Option(..., "--add", help="New pieces: a 'vocab train' folder (trained --like the base) or .model."),
    output: Path = typer.Option(..., "--output", help="Output HF tokenizer folder."),
    max_vocab_size: int | None = typer.Option(None, "--max-vocab-size", help="Refuse larger merged vocabularies."),
    max_new_tokens: int | None = typer.Option(None, "--max-new-tokens", help="Append at most N (most frequent first)."),
    pad_to_multiple_of: int | None = typer.Option(None, "--pad-to-multiple-of", help="Reserved tokens up to k*N."),
) -> None:
    """Append the pieces of --add missing from --base; base ids and special tokens unchanged.

    The base's family (unigram, BPE with byte fallback, byte-level BPE) is read from its folder. A unigram
    base with its sentencepiece.bpe.model is merged at the protobuf level (<mask> moves to the new end); any
    other base in tokenizer.json (new merges after the base's, unreachable tokens dropped and counted).
    """
    from glot500.vocab.merge import DEFAULT_MAX_VOCAB_SIZE, merge

    out = merge(base, add, output, max_vocab_size=max_vocab_size or DEFAULT_MAX_VOCAB_SIZE,
                max_new_tokens=max_new_tokens, pad_to_multiple_of=pad_to_multiple_of)  # fmt: skip
    typer.echo(str(out))


@app.command()
def report(
    tokenizer: list[str] = typer.Option(..., "--tokenizer", help="HF tokenizer folder, or NAME=PATH (repeatable)."),
    corpus: Path = typer.Option(..., "--corpus", help="Corpus folder (built or <label>.txt[.xz])."),
    output: Path = typer.Option(..., "--output", help="Output folder: report.tsv, report.json, plots."),
    max_sentences: int = typer.Option(1000, "--max-sentences", help="Sentences per language-script."),
    languages: list[str] | None = typer.Option(None, "--languages", help="Only these labels (repeatable)."),
    plots: bool = typer.Option(True, "--plots/--no-plots"),
    fidelity: bool = typer.Option(True, "--fidelity/--no-fidelity", help="AutoTokenizer vs SentencePiece ids."),
) -> None:
    """Fertility, <unk> share and split-word share per language-script for each tokenizer; head vs tail plots."""
    from glot500.core.config import validate_config
    from glot500.vocab.config import VocabReportConfig
    from glot500.vocab.report import build_report, parse_tokenizer_specs

    config = validate_config(
        VocabReportConfig,
        {"tokenizers": parse_tokenizer_specs(tokenizer), "corpus": corpus, "output": output,
         "max_sentences": max_sentences, "languages": languages or None, "plots": plots, "fidelity": fidelity},
        "command line",
    )  # fmt: skip
    typer.echo(str(build_report(config)))


@app.command()
def repair(
    folder: Path = typer.Argument(..., help="HF tokenizer (or model) folder written by an older glot500."),
    check: bool = typer.Option(True, "--check/--no-check", help="Probe AutoTokenizer vs SentencePiece after."),
) -> None:
    """Make a tokenizer folder lose no character: NFC before Precompiled, a class that keeps tokenizer.json.

    Idempotent: a folder already repaired is left untouched. Prints each change, then (with a
    sentencepiece.bpe.model in the folder) the agreement on combining-mark and all-script probe text.
    """
    from glot500.vocab.fidelity import repair_report

    typer.echo("\n".join(repair_report(folder, check=check)))
