"""The ``glot500`` command: one typer group per pipeline stage, each in its own module here.

Every command parses and validates its arguments and calls one function of the stage's Python API.
Errors raised on purpose (:class:`glot500.core.errors.Glot500Error`) print one line and exit with status 2.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from glot500 import __version__
from glot500.cli import corpus, demo, evaluate, lang, lid, model, publish, report, run, train, vocab
from glot500.core.errors import Glot500Error

app = typer.Typer(
    name="glot500",
    help="Scale a multilingual masked language model to hundreds of language-scripts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(lang.app, name="lang")
app.add_typer(corpus.app, name="corpus")
app.add_typer(lid.app, name="lid")
app.add_typer(vocab.app, name="vocab")
app.add_typer(model.app, name="model")
train.register(app)
app.add_typer(evaluate.app, name="eval")
report.register(app)
run.register(app)
demo.register(app)
publish.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"glot500 {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Warnings and errors only."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Scale a multilingual masked language model to hundreds of language-scripts."""
    setup_logging(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def setup_logging(level: int = logging.INFO) -> None:
    """Rich, coloured lines on a terminal; plain timestamped lines (no wrapping, no colour codes) in a log file."""
    from glot500.core.progress import stderr_is_terminal

    if stderr_is_terminal():
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(show_path=False, rich_tracebacks=False, console=_stderr_console())
    else:
        # the libraries' own bars (transformers' "Writing model shards", hub downloads) redraw with \r too; their
        # public switch is read when they are first imported, which the commands do after this point
        for switch in ("HF_HUB_DISABLE_PROGRESS_BARS", "HF_DATASETS_DISABLE_PROGRESS_BARS"):
            os.environ.setdefault(switch, "1")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    for noisy in ("datatrove", "urllib3", "filelock", "httpx", "fsspec"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def main() -> None:
    """Entry point: run the app and turn glot500's own errors into one line and exit status 2."""
    try:
        app()
    except Glot500Error as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
