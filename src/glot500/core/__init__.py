"""Shared plumbing: errors, config loading, manifests, text I/O, result schema."""

from glot500.core.errors import (
    ConfigError,
    Glot500Error,
    InputError,
    LanguageCodeError,
    MissingDependencyError,
)

__all__ = ["ConfigError", "Glot500Error", "InputError", "LanguageCodeError", "MissingDependencyError"]
