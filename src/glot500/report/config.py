"""Options of ``glot500 report`` (a pydantic model: the CLI and the Python API validate the same way)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from glot500.core.config import StrictModel


class ReportConfig(StrictModel):
    """Everything ``build_report`` can be told besides its inputs.

    Attributes:
        base: the model the others are compared with (gains, deltas, factor analysis of the gain).
        title: heading of the page.
        model_sizes: parameters per model name (``{"glot500-base": 395e6}``); enables the capacity factor.
        recipes: how each model was made, per model name (as in the results, or its short display name): init,
            training phases, sampling (``{"glot": "extended from base, subword-mean init; 2 phases; alpha 0.3"}``);
            shown beside the model in the page and the Markdown.
        base_tokenizer: which tokenizer of the vocabulary report is the base model's (default: one whose name
            equals ``base``, else the first one listed).
        unseen_unk_share: a script counts as unseen by the base tokenizer when the base tokenizer's mean
            ``<unk>`` share over the script's languages is above this.
        resamples: bootstrap resamples per score; ``confidence``: the two-sided confidence level.
        neighbours: how many nearest languages (character n-grams) count as "related" when a corpus is given.
        sample_chars: characters read per language to build its n-gram profile.
        top_changes: languages shown in the largest gains / losses plot, each side.
        seed: seed of the bootstrap.
        workers: processes drawing figures; 0 = automatic (up to 8 on machines with 4 or more cores, else 1). The
            default is 1 for the Python API because spawned workers re-import the caller's ``__main__`` (guard
            scripts with ``if __name__ == "__main__":`` before raising it); ``glot500 report`` uses 0.
    """

    base: str | None = None
    title: str = "glot500 evaluation report"
    model_sizes: dict[str, float] = Field(default_factory=dict)
    recipes: dict[str, str] = Field(default_factory=dict)
    base_tokenizer: str | None = None
    unseen_unk_share: float = Field(0.1, ge=0.0, le=1.0)
    resamples: int = Field(1000, ge=50, le=100_000)
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    neighbours: int = Field(3, ge=1, le=50)
    sample_chars: int = Field(20_000, ge=1000)
    top_changes: int = Field(15, ge=1, le=100)
    seed: int = 0
    workers: int = Field(1, ge=0, le=64)

    @field_validator("model_sizes")
    @classmethod
    def _positive_sizes(cls, sizes: dict[str, float]) -> dict[str, float]:
        bad = [name for name, params in sizes.items() if params <= 0]
        if bad:
            raise ValueError(f"model sizes must be positive parameter counts: {', '.join(bad)}")
        return sizes


def parse_model_size(spec: str) -> tuple[str, float]:
    """``"glot500-base=395M"`` -> ``("glot500-base", 395e6)``; suffixes K, M, B (or G) are understood.

    The name may itself contain ``=``-free slashes; the last ``=`` separates the count.
    """
    name, sep, count = spec.rpartition("=")
    if not sep or not name:
        raise ValueError(f"--model-size {spec!r}: expected NAME=PARAMS, e.g. glot500-base=395M")
    multipliers = {"K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9}
    count = count.strip().upper()
    factor = multipliers.get(count[-1:], 1.0)
    digits = count[:-1] if count[-1:] in multipliers else count
    try:
        return name, float(digits) * factor
    except ValueError:
        raise ValueError(f"--model-size {spec!r}: {count!r} is not a number (e.g. 395M, 1.1B, 270000000)") from None


def parse_recipe(spec: str) -> tuple[str, str]:
    """``'glot="subword-mean init; 2 phases"'`` -> ``("glot", "subword-mean init; 2 phases")`` (the first ``=``
    separates the name: recipes contain ``=`` more often than model names do)."""
    name, sep, text = spec.partition("=")
    if not sep or not name.strip() or not text.strip():
        raise ValueError(f'--recipe {spec!r}: expected NAME=TEXT, e.g. glot="subword-mean init; alpha 0.3"')
    return name.strip(), text.strip().strip('"').strip("'").strip()


def existing_path(path: str | Path, what: str) -> Path:
    """``path`` as a Path, or an :class:`InputError` saying which input is missing."""
    from glot500.core.errors import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} not found: {path}")
    return path
