"""Typed configuration: pydantic models with ``extra="forbid"``, loaded from YAML with every error at once."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from glot500.core.errors import ConfigError

ConfigT = TypeVar("ConfigT", bound="StrictModel")


class StrictModel(BaseModel):
    """Base for all configs: unknown keys are errors, so a typo never silently falls back to a default."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def format_validation_error(error: ValidationError, source: str) -> str:
    """One line per problem, each naming the dotted key, e.g. ``train.lr: Input should be a valid number``."""
    lines = [f"invalid config {source}:"]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "<root>"
        lines.append(f"  {key}: {problem['msg']}")
    return "\n".join(lines)


def validate_config(model: type[ConfigT], data: dict[str, Any], source: str = "") -> ConfigT:
    """Validate ``data`` against ``model``; raise :class:`ConfigError` listing all problems together."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(error, source or model.__name__)) from None


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping; a missing file or a non-mapping document is a :class:`ConfigError`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:  # one line: where, and yaml's own short reason
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"config file {where} is not valid YAML: {problem}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"config file {path} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must contain a mapping at the top level, not {type(data).__name__}")
    return data


def load_config(model: type[ConfigT], path: str | Path, overrides: dict[str, Any] | None = None) -> ConfigT:
    """Load a YAML file into ``model``; ``overrides`` (e.g. from CLI flags, ``None`` values ignored) win."""
    data = load_yaml(path)
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    return validate_config(model, data, str(path))


# A hub id is `name` or `owner/name` (letters, digits, `-`, `_`, `.`); anything else is a path.
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")


def looks_local(value: str | Path) -> bool:
    """True when ``value`` can only be a filesystem path, not a hub id (``xlm-roberta-base``, ``cis-lmu/glot500-base``).

    An existing path is local; so is anything with a leading ``/ . ~``, two or more ``/``, or a backslash.
    """
    text = str(value)
    return Path(text).expanduser().exists() or not _HUB_ID.fullmatch(text) or text.startswith(".")


def check_paths(config: BaseModel, keys: Iterable[str], hub_keys: Iterable[str] = ()) -> None:
    """Raise :class:`ConfigError` with one line ``<key>: <path> does not exist`` per missing input path.

    Args:
        config: a validated config; ``keys`` are dotted attribute paths into it (``data.corpus``), each a path,
            a list of paths, or ``None`` (not set: skipped).
        hub_keys: keys that also accept a hub id; they are checked only when the value :func:`looks_local`.
    """
    hub_keys = list(hub_keys)
    check_named_paths({key: _dotted(config, key) for key in [*keys, *hub_keys]}, hub_keys)


def check_named_paths(paths: dict[str, Any], hub_keys: Iterable[str] = ()) -> None:
    """:func:`check_paths` for plain arguments (a Python API's parameters): ``{name: path, list or None}``."""
    hub_keys = set(hub_keys)
    problems = []
    for key, value in paths.items():
        values = value if isinstance(value, list | tuple) else [value]
        for index, path in enumerate(values):
            if path is None or (key in hub_keys and not looks_local(path)):
                continue
            if not Path(str(path)).expanduser().exists():
                problems.append(f"{key}{f'[{index}]' if len(values) > 1 else ''}: {path} does not exist")
    if problems:
        raise ConfigError("\n".join(problems))


def _dotted(config: Any, key: str) -> Any:
    for part in key.split("."):
        config = getattr(config, part, None)
        if config is None:
            return None
    return config
