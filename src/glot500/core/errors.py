"""The error hierarchy. Messages say what went wrong *and* what to do; the CLI prints them in one line."""


class Glot500Error(Exception):
    """Base of every error glot500 raises on purpose (the CLI turns these into exit status 2)."""

    exit_code = 2


class LanguageCodeError(Glot500Error, ValueError):
    """A language code or label that cannot be normalised."""


class ConfigError(Glot500Error, ValueError):
    """An invalid configuration; the message lists every problem with its key."""


class InputError(Glot500Error):
    """A bad input file or folder: the message names it and the reason."""


class MissingDependencyError(Glot500Error, ImportError):
    """An optional dependency or external tool is missing; the message says what to install."""
