"""mkdocs hook: generate the CLI and configuration reference pages at build time (named in mkdocs.yml).

The command-line reference is read from the typer app (``typer.main.get_command``: click's own view of every
command, argument and option); the configuration reference from the pydantic models' ``model_fields``. Nothing
is hand-copied, so a new option or config key appears in the site the next time it is built, and
``mkdocs build --strict`` (run by the test suite) fails when a page links to something that is gone.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLI_PAGE = "reference/cli.md"
# Commands in pipeline order (commands added later follow, in the order the app lists them).
COMMAND_ORDER = ("lang", "corpus", "lid", "vocab", "model", "train", "eval", "report", "publish", "run", "demo")
CONFIG_PAGE = "reference/config.md"

# (title, "module:Class", what reads it): the YAML files users write, each a top-level pydantic model.
CONFIG_MODELS = (
    ("Pipeline (`glot500 run`, `glot500 demo`)", "glot500.pipeline.config:PipelineConfig", "glot500 run CONFIG"),
    ("Corpus (`glot500 corpus build --config`)", "glot500.corpus.config:CorpusConfig", "glot500 corpus build"),
    ("Sampling plan (`glot500 corpus plan --config`)", "glot500.corpus.sampling_plan:SamplingPlanConfig", "glot500 corpus plan"),
    ("Language ID training (`glot500 lid train`)", "glot500.lid.train:LidTrainConfig", "glot500 lid train"),
    ("Vocabulary (`glot500 vocab train --config`)", "glot500.vocab.config:VocabTrainConfig", "glot500 vocab train"),
    ("Vocabulary report (`glot500 vocab report`)", "glot500.vocab.config:VocabReportConfig", "glot500 vocab report"),
    (
        "Corpus-informed init (`glot500 model extend --init corpus-informed`)",
        "glot500.model.corpus_init:CorpusInitOptions",
        "glot500 model extend",
    ),
    ("Training (`glot500 train CONFIG`)", "glot500.train.config:TrainConfig", "glot500 train"),
    ("Evaluation (`glot500 eval ... --config`)", "glot500.evaluate.config:EvalConfig", "glot500 eval"),
    ("Report (`glot500 report --config`)", "glot500.report.config:ReportConfig", "glot500 report"),
)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated reference pages to the site's files (mkdocs event)."""
    from mkdocs.structure.files import File

    _use_this_checkout()
    for page, content in ((CLI_PAGE, cli_reference()), (CONFIG_PAGE, config_reference())):
        existing = files.get_file_from_path(page)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, page, content=content))
    return files


def _use_this_checkout() -> None:
    """Document the sources beside this file, not whatever glot500 is installed."""
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)


# ---------------------------------------------------------------- the command line


def cli_reference() -> str:
    import typer
    import typer.main

    from glot500.cli import app

    root = typer.main.get_command(app)
    lines = [
        "# Command-line reference",
        "",
        "Generated from the `glot500` command itself: each table holds what `glot500 COMMAND --help` prints.",
        "Global options (`-v`/`--verbose`, `-q`/`--quiet`, `--version`) go before the command:",
        "`glot500 -v corpus build ...`. Errors raised on purpose print one line, `error: ...`, and exit with status 2.",
        "",
    ]
    for path, command, ctx in _walk(root, ("glot500",), typer.Context(root, info_name="glot500")):
        lines += _command_section(path, command, ctx)
    return "\n".join(lines) + "\n"


def _walk(command: Any, path: tuple[str, ...], ctx: Any) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """Every leaf command below ``command``, in the order ``glot500 --help`` lists them, with its context."""
    import typer
    import typer.core

    if isinstance(command, typer.core.TyperGroup):
        names = command.list_commands(ctx)
        if len(path) == 1:
            names = sorted(names, key=lambda name: (COMMAND_ORDER + (name,)).index(name))
        for name in names:
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, (*path, name), typer.Context(sub, info_name=name, parent=ctx))
    elif len(path) > 1:
        yield path, command, ctx


def _command_section(path: tuple[str, ...], command: Any, ctx: Any) -> list[str]:
    usage = " ".join([*path, *command.collect_usage_pieces(ctx)])
    lines = [f"## `{' '.join(path)}`", "", "```", usage, "```", ""]
    if command.help:
        lines += [_escaped(_clean_help(command.help)), ""]
    rows = []
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        name, meaning = record if record else (param.name.upper(), "")
        meaning = _portable(meaning)
        rows.append(f"| `{name}` | {_cell(meaning)} |")
    if rows:
        lines += ["| argument / option | meaning |", "|---|---|", *rows, ""]
    return lines


def _portable(text: str) -> str:
    """Defaults that are paths of the machine building the site, written as the user will see them."""
    return text.replace(f"{ROOT / 'src'}/", "").replace(str(Path.home()), "~")


def _clean_help(text: str) -> str:
    text = inspect.cleandoc(text).replace("\b\n", "")
    return text.split("\f")[0].strip()


def _cell(text: str) -> str:
    """One table cell: on one line, with the characters Markdown would read as markup escaped."""
    return _escaped(" ".join(text.split()))


def _escaped(text: str) -> str:
    """Escape what Markdown would read as HTML, emphasis or a table border, except inside code spans."""
    parts = re.split(r"(`+[^`]*`+)", text)
    for index in range(0, len(parts), 2):  # the even parts are outside code spans
        for char, escaped in (("<", "&lt;"), (">", "&gt;"), ("*", "\\*"), ("_", "\\_")):
            parts[index] = parts[index].replace(char, escaped)
    return "".join(parts).replace("|", "\\|")


# ---------------------------------------------------------------- configuration keys


def config_reference() -> str:
    import importlib

    lines = [
        "# Configuration keys",
        "",
        "Generated from the pydantic models that validate each YAML file. Every model rejects unknown keys and",
        "lists all problems at once, each with its dotted key. Defaults live in the code and are shown here;",
        "`required` keys have none. In a `glot500 run` config each stage section takes the keys of that stage's",
        "model below, beside the few pipeline keys listed first.",
        "",
    ]
    for title, target, command in CONFIG_MODELS:
        module_name, class_name = target.split(":")
        model = getattr(importlib.import_module(module_name), class_name)
        lines += [f"## {title}", "", f"`{module_name}.{class_name}`, read by `{command}`.", ""]
        doc = inspect.cleandoc(model.__dict__.get("__doc__") or "")  # its own docstring, not StrictModel's
        if doc:
            lines += [_escaped(doc.split("\n\n")[0]), ""]
        lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
        lines += [_field_row(key, field) for key, field in _fields(model, "")]
        lines.append("")
    return "\n".join(lines) + "\n"


def _fields(model: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Every key of ``model`` as a dotted path, nested models expanded after their own row."""
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        yield key, field
        nested = _nested_model(field.annotation)
        if nested is not None:
            inner, is_list = nested
            yield from _fields(inner, f"{key}[]." if is_list else f"{key}.")


def _nested_model(annotation: Any) -> tuple[Any, bool] | None:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _nested_model(args[0])
    if origin is list and len(args) == 1:
        found = _nested_model(args[0])
        return (found[0], True) if found else None
    return None


def _field_row(key: str, field: Any) -> str:
    return f"| `{key}` | {_cell(_type_name(field.annotation) + _constraints(field))} | {_field_default(field)} | {_cell(field.description or '')} |"


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None):
        return "null"
    if origin is typing.Literal:
        return " | ".join(f"`{value}`" for value in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in args)
    if origin in (list, tuple, set, dict):
        inner = ", ".join("..." if arg is Ellipsis else _type_name(arg) for arg in args)
        return f"{origin.__name__}[{inner}]"
    if origin is not None:  # Annotated and friends
        return _type_name(args[0]) if args else str(annotation)
    if isinstance(annotation, type):
        return {"Path": "path", "str": "str", "int": "int", "float": "float", "bool": "bool"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation).replace("typing.", "")


def _constraints(field: Any) -> str:
    symbols = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    found = []
    for item in field.metadata:
        for attribute, symbol in symbols.items():
            value = getattr(item, attribute, None)
            if value is not None:
                found.append(f"{symbol} {value}")
    return f" ({', '.join(found)})" if found else ""


def _field_default(field: Any) -> str:
    from pydantic import BaseModel

    if field.is_required():
        return "required"
    if field.default_factory is not None:
        try:
            value = field.default_factory()
        except TypeError:  # a factory that takes the validated data
            return ""
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(section)"
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (list, tuple, dict)) and not value:
        return f"`{value!r}`".replace("()", "[]")
    return _portable(f"`{value}`").replace("|", "\\|")
