"""Sampling plans: what a recipe gives each language — share, units drawn, epochs of its data — before training.

A recipe is one or more **phases** ``(steps, alpha, head_floor)``; each phase draws ``steps * units_per_step``
units (tokens: ``batch_size * seq_len`` per step) with the probabilities of :func:`sampling_probabilities`
(alpha sampling, ``head_weight``, head floor; see :mod:`glot500.corpus.sampler`). Language ``i`` with ``n_i``
units available is drawn ``d_i = sum_phases units_phase * p_i(phase)`` units in all, a share
``d_i / sum_j d_j`` of the run, and sees its data ``e_i = d_i / n_i`` times (**epochs**).

**Memorisation flag.** A language is flagged when ``e_i`` exceeds ``memorisation_epochs`` (default 16).
Muennighoff et al. (2023, "Scaling Data-Constrained Language Models") find up to ~4 epochs of repeated data
almost as good as fresh data; their fitted decay constant for repeated tokens is R*_D ≈ 15: after ~16
epochs a further epoch is worth less than 1/e of a fresh one (returns vanish), and at ~40+ epochs loss gets
worse. 16 is where repetition stops buying anything and starts buying memorisation; languages beyond 4
epochs are counted separately (diminishing returns). Their models are monolingual causal LMs: masked LM
sees different masks on each repeat and a low-resource language borrows from related ones, so treat the
flag as a warning to check, not a verdict.

Sizes come from a size table (:func:`read_size_table`, e.g. Glot500-c's published ``language_sizes.tsv``) or
a built corpus's ``stats.json`` (:func:`read_stats_sizes`, kept chunks); sentences or chunks are converted to
tokens with an assumed ``tokens_per_sentence`` (:data:`DEFAULT_TOKENS_PER_SENTENCE`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from glot500.core.config import StrictModel
from glot500.core.errors import ConfigError, Glot500Error, InputError
from glot500.corpus.sampler import sampling_probabilities

DEFAULT_MEMORISATION_EPOCHS = 16.0
DIMINISHING_EPOCHS = 4.0
# An assumption, not a measurement (no Glot500 tokenizer ships here): a web sentence of ~20 words at ~1.5
# XLM-R-style SentencePiece pieces per word. The eBible verses in ../shared have a median of 26.5 words
# (over 725 spaced scripts), i.e. ~40 tokens: longer than Glot500-c's mostly web sentences.
DEFAULT_TOKENS_PER_SENTENCE = 30.0


@dataclass(frozen=True)
class Phase:
    """``steps`` optimizer steps sampled with ``alpha`` and ``head_floor``."""

    steps: int
    alpha: float
    head_floor: float = 0.0


@dataclass(frozen=True)
class LanguagePlan:
    """One language's part of a plan (``size`` and ``drawn`` in the plan's unit)."""

    label: str
    head: bool
    size: float
    drawn: float
    share: float
    epochs: float
    memorised: bool


@dataclass
class SamplingPlan:
    """Per-language shares and epochs of a recipe, most-repeated language first."""

    languages: list[LanguagePlan]
    phases: list[Phase]
    units_per_step: float
    memorisation_epochs: float
    unit: str = "tokens"
    notes: list[str] = field(default_factory=list)
    by_steps: bool = False  # phases count optimizer steps (else one phase of ``units_per_step`` units)
    phase_head_shares: list[float] = field(default_factory=list)

    @property
    def total_drawn(self) -> float:
        return sum(lang.drawn for lang in self.languages)

    @property
    def total_size(self) -> float:
        return sum(lang.size for lang in self.languages)

    @property
    def head_share(self) -> float:
        return sum(lang.share for lang in self.languages if lang.head)

    @property
    def memorised(self) -> list[LanguagePlan]:
        return [lang for lang in self.languages if lang.memorised]

    @property
    def under_one_epoch(self) -> list[LanguagePlan]:
        return [lang for lang in self.languages if lang.epochs < 1]

    @property
    def coverage(self) -> float:
        """Share of the available data seen at least once (each language sees ``min(epochs, 1)`` of its data)."""
        return sum(min(lang.drawn, lang.size) for lang in self.languages) / self.total_size


def plan_sampling(
    sizes: Mapping[str, float],
    alpha: float = 0.3,
    head_floor: float = 0.0,
    head_weight: float = 1.0,
    total_units: float | None = None,
    phases: Sequence[Phase | tuple] | None = None,
    units_per_step: float = 1.0,
    memorisation_epochs: float = DEFAULT_MEMORISATION_EPOCHS,
) -> SamplingPlan:
    """The plan of drawing ``total_units`` (one phase) or ``phases`` (``steps * units_per_step`` each).

    ``sizes`` and ``total_units`` are in the same unit (e.g. tokens); languages of size 0 are left out.
    """
    if (total_units is None) == (phases is None):
        raise ValueError("give either total_units (one phase) or phases, not both or neither")
    if units_per_step <= 0:
        raise ValueError(f"units_per_step must be > 0, got {units_per_step}")
    by_steps = phases is not None
    if phases is None:  # one "step" of all the units
        phases = [Phase(steps=1, alpha=alpha, head_floor=head_floor)]
        units_per_step = float(total_units)  # type: ignore[arg-type]
    phases = [phase if isinstance(phase, Phase) else Phase(*phase) for phase in phases]
    if not phases or any(phase.steps < 0 for phase in phases):
        raise ValueError("phases must be a non-empty list of (steps >= 0, alpha, head_floor)")
    sizes = {label: float(size) for label, size in sizes.items() if size > 0}
    drawn = dict.fromkeys(sizes, 0.0)
    head_shares = []
    for phase in phases:
        probabilities = sampling_probabilities(sizes, phase.alpha, head_weight, phase.head_floor)
        for label, p in probabilities.items():
            drawn[label] += phase.steps * units_per_step * p
        head_shares.append(sum(p for label, p in probabilities.items() if _is_head(label)))
    plan = describe_draw(sizes, drawn, memorisation_epochs)
    plan.phases, plan.units_per_step, plan.by_steps = phases, units_per_step, by_steps
    plan.phase_head_shares = head_shares
    return plan


def _is_head(label: str) -> bool:
    from glot500.languages import is_head

    return is_head(label)


def describe_draw(
    sizes: Mapping[str, float], drawn: Mapping[str, float], memorisation_epochs: float = DEFAULT_MEMORISATION_EPOCHS
) -> SamplingPlan:
    """The plan of an actual draw (``drawn[label]`` units of ``sizes[label]``), e.g. ``glot500 corpus sample``'s."""
    from glot500.languages import is_head

    if memorisation_epochs <= 0:
        raise ValueError(f"memorisation_epochs must be > 0, got {memorisation_epochs}")
    total = sum(drawn.values())
    rows = []
    for label, size in sizes.items():
        if size <= 0:
            continue
        units = float(drawn.get(label, 0.0))
        epochs = units / size
        share = units / total if total > 0 else 0.0
        rows.append(
            LanguagePlan(label, is_head(label), float(size), units, share, epochs, epochs > memorisation_epochs)
        )
    rows.sort(key=lambda row: (-row.epochs, row.label))
    return SamplingPlan(rows, [], 1.0, memorisation_epochs)


def parse_phases(text: str) -> list[Phase]:
    """``"steps:alpha[:floor],..."`` (e.g. ``"4000:0.7,4000:0.5:0.3,4000:0.3:0.3"``) -> phases."""
    phases = []
    for item in (part.strip() for part in text.split(",")):
        fields = item.split(":")
        try:
            if len(fields) not in (2, 3):
                raise ValueError("expected steps:alpha or steps:alpha:floor")
            steps, alpha = int(fields[0]), float(fields[1])
            floor = float(fields[2]) if len(fields) == 3 else 0.0
        except ValueError as error:
            raise ConfigError(f"--phases {item!r}: {error}") from None
        phases.append(Phase(steps, alpha, floor))
    return phases


# --- sizes --------------------------------------------------------------------------------------------------


@dataclass
class SizeTable:
    """Sizes read from a table: ``sizes`` by label, ``problems`` one line per bad row (``file:line: reason``)."""

    sizes: dict[str, int]
    problems: list[str] = field(default_factory=list)
    head_disagreements: list[str] = field(default_factory=list)  # labels whose in_xlmr differs from is_head
    source: str = ""
    unit: str = "sentences"  # what a size counts (the column name, or "chunks" for stats.json)


def read_size_table(path: str | Path, size_column: str = "sentences_cleaned", label_column: str = "label") -> SizeTable:
    """Read a TSV with a label column and a size column; bad rows are reported, the rest are kept.

    Labels are normalised with :func:`glot500.languages.normalize` (duplicates after normalisation are
    bad rows). An ``in_xlmr`` column, if present, is only compared with ``is_head`` (which the sampler uses).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: size table not found")
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        columns = reader.fieldnames or []
        for needed in (label_column, size_column):
            if needed not in columns:
                raise InputError(f"{path}: no column {needed!r} (columns: {', '.join(columns) or 'none'})")
        table = SizeTable({}, source=str(path), unit=size_column)
        for row in reader:
            try:
                _add_row(table, row, label_column, size_column)
            except (Glot500Error, ValueError) as error:
                table.problems.append(f"{path}:{reader.line_num}: {error}")
    return table


def _add_row(table: SizeTable, row: dict[str, Any], label_column: str, size_column: str) -> None:
    from glot500.languages import is_head, normalize

    if None in row or row.get(size_column) is None:
        raise ValueError("wrong number of fields")
    label = normalize(row[label_column] or "")
    value = (row[size_column] or "").strip()
    try:
        size = int(value)
    except ValueError:
        raise ValueError(f"{label}: {size_column} {value!r} is not a whole number") from None
    if size < 0:
        raise ValueError(f"{label}: {size_column} {size} is negative")
    if label in table.sizes:
        raise ValueError(f"{label} appears twice (after normalising {row[label_column]!r})")
    table.sizes[label] = size
    declared = (row.get("in_xlmr") or "").strip().lower()
    if declared in ("true", "false") and (declared == "true") != is_head(label):
        table.head_disagreements.append(label)


def read_stats_sizes(corpus: str | Path) -> dict[str, int]:
    """Kept chunks per (not excluded) language of a built corpus (``DIR/stats.json`` or the file)."""
    from glot500.core.stats import kept_chunks_per_language, read_corpus_stats

    path = Path(corpus)
    if not (path / "stats.json" if path.is_dir() else path).is_file():
        raise InputError(f"{corpus}: no stats.json (not a built corpus, or the build has not finished)")
    try:
        return kept_chunks_per_language(read_corpus_stats(path))
    except ValueError as error:  # also json.JSONDecodeError
        raise InputError(f"{corpus}: unreadable stats.json: {error}") from None


def read_plan_sizes(source: str | Path, size_column: str = "sentences_cleaned") -> SizeTable:
    """Sizes from a size table (a file not named ``*.json``) or a corpus folder / its ``stats.json``."""
    path = Path(source)
    if path.is_dir() or path.suffix == ".json":
        table = SizeTable(read_stats_sizes(path), source=str(path), unit="chunks")
    else:
        table = read_size_table(path, size_column)
    if not table.sizes:
        raise InputError(f"{source}: no language with a usable size ({len(table.problems)} bad rows)")
    return table


def size_notes(table: SizeTable, tokens_per_sentence: float) -> list[str]:
    """Summary lines on where the sizes came from: unit conversion, bad rows, head disagreements."""
    notes = [f"sizes: {table.source}, {sum(table.sizes.values()):,} {table.unit} x {tokens_per_sentence:g} tokens each"]
    if table.problems:
        notes.append(f"bad rows left out: {len(table.problems)} (listed above)")
    if table.head_disagreements:
        shown = ", ".join(table.head_disagreements[:5])
        notes.append(
            f"head = glot500.languages.is_head, as in training; the table's in_xlmr differs for "
            f"{len(table.head_disagreements)} labels ({shown}{', ...' if len(table.head_disagreements) > 5 else ''})"
        )
    return notes


# --- recipe config ------------------------------------------------------------------------------------------


class PhaseConfig(StrictModel):
    steps: int = Field(ge=0, description="optimizer steps of this phase")
    alpha: float = Field(gt=0, le=1, description="sampling exponent of this phase")
    head_floor: float = Field(0.0, ge=0, lt=1, description="minimum total share of head languages")


class SamplingPlanConfig(StrictModel):
    """A recipe for ``glot500 corpus plan --config``: one phase (``steps``, ``alpha``) or ``phases``."""

    alpha: float = Field(0.3, gt=0, le=1, description="sampling exponent (one phase)")
    head_floor: float = Field(0.0, ge=0, lt=1, description="minimum total share of head languages (one phase)")
    head_weight: float = Field(1.0, ge=0, description="multiplies the sampling weight of head languages")
    steps: int | None = Field(None, ge=0, description="optimizer steps (one phase)")
    phases: list[PhaseConfig] | None = Field(None, description="[{steps, alpha, head_floor}, ...] run in order")
    batch_size: int = Field(384, ge=1, description="sequences per optimizer step (Glot500: 384)")
    seq_len: int = Field(512, ge=1, description="tokens per sequence (Glot500: 512)")
    tokens_per_sentence: float = Field(DEFAULT_TOKENS_PER_SENTENCE, gt=0, description="sentence/chunk -> tokens")
    memorisation_epochs: float = Field(DEFAULT_MEMORISATION_EPOCHS, gt=0, description="flag languages above this")
    size_column: str = Field("sentences_cleaned", description="size column of a size table")
    min_size: int = Field(0, ge=0, description="leave out languages with fewer units (Glot500: 30,000 sentences)")

    @model_validator(mode="after")
    def _one_schedule(self) -> SamplingPlanConfig:
        if self.phases is not None and self.steps is not None:
            raise ValueError("give either steps (with alpha, head_floor) or phases, not both")
        if self.phases is None and self.steps is None:
            raise ValueError("give steps (--steps) or phases (--phases)")
        return self

    def schedule(self) -> list[Phase]:
        if self.phases is not None:
            return [Phase(p.steps, p.alpha, p.head_floor) for p in self.phases]
        return [Phase(self.steps or 0, self.alpha, self.head_floor)]


def plan_recipe(sizes: Mapping[str, float], config: SamplingPlanConfig, unit_tokens: float = 1.0) -> SamplingPlan:
    """:func:`plan_sampling` in tokens for a recipe; ``unit_tokens`` converts ``sizes`` (e.g. sentences).

    Languages under ``config.min_size`` (in the unit of ``sizes``) are left out, as the corpus would leave them.
    """
    tokens = {label: size * unit_tokens for label, size in sizes.items() if size >= config.min_size}
    if not tokens:
        raise ConfigError(f"invalid recipe: no language has min_size={config.min_size} or more")
    try:
        plan = plan_sampling(
            tokens,
            head_weight=config.head_weight,
            phases=config.schedule(),
            units_per_step=config.batch_size * config.seq_len,
            memorisation_epochs=config.memorisation_epochs,
        )
    except ValueError as error:  # e.g. head_floor > 0 with head_weight = 0
        raise ConfigError(f"invalid recipe: {error}") from None
    left_out = sum(1 for size in sizes.values() if 0 < size < config.min_size)
    if left_out:
        plan.notes.append(f"left out under min_size {config.min_size:,}: {left_out} languages")
    return plan


# --- output -------------------------------------------------------------------------------------------------


def _human(value: float) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale * 0.9995:  # 999,999.9 is 1M, not 1e+03K
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def _examples(rows: list[LanguagePlan], count: int = 5) -> str:
    shown = ", ".join(f"{row.label} {row.epochs:.3g}" for row in rows[:count])
    return f" ({shown}{', ...' if len(rows) > count else ''})" if rows else ""


def format_plan_summary(plan: SamplingPlan) -> str:
    """A few lines: budget, head/tail share, epochs, memorised languages, languages under one epoch."""
    langs = plan.languages
    heads = [row for row in langs if row.head]
    epochs = sorted(row.epochs for row in langs)
    median = epochs[len(epochs) // 2] if epochs else math.nan
    schedule = ", ".join(
        (f"{_human(p.steps)} steps x {_human(plan.units_per_step)} " if plan.by_steps else "")
        + f"alpha {p.alpha:g} floor {p.head_floor:g}"
        + (f" (head {plan.phase_head_shares[i]:.1%})" if i < len(plan.phase_head_shares) else "")
        for i, p in enumerate(plan.phases)
    )
    diminishing = [row for row in langs if DIMINISHING_EPOCHS < row.epochs <= plan.memorisation_epochs]
    lines = [
        f"recipe: {schedule}" if plan.phases else "",
        f"{_human(plan.total_drawn)} {plan.unit} drawn from {_human(plan.total_size)} available in {len(langs)} "
        f"language-scripts ({plan.total_drawn / plan.total_size:.3g} epochs on average; "
        f"{plan.coverage:.1%} of the data seen at least once)",
        f"head: {len(heads)} languages, {plan.head_share:.1%} of the draws (natural share "
        f"{sum(row.size for row in heads) / plan.total_size:.1%}); tail: {len(langs) - len(heads)} languages, "
        f"{1 - plan.head_share:.1%}",
        f"epochs per language: median {median:.3g}, max {epochs[-1] if epochs else math.nan:.3g}",
        f"memorised (> {plan.memorisation_epochs:g} epochs): {len(plan.memorised)} languages"
        f"{_examples(plan.memorised)}",
        f"diminishing returns ({DIMINISHING_EPOCHS:g}-{plan.memorisation_epochs:g} epochs): {len(diminishing)}",
        f"under 1 epoch: {len(plan.under_one_epoch)} languages"
        f"{_examples(sorted(plan.under_one_epoch, key=lambda row: row.epochs))}",
        *plan.notes,
    ]
    return "\n".join(line for line in lines if line)


def plan_table(plan: SamplingPlan, top: int | None = 20):
    """A :class:`rich.table.Table` of the ``top`` most-repeated languages (all with ``None``)."""
    from rich.table import Table

    table = Table(title=f"per language, most repeated first ({plan.unit})")
    for name in ("label", "head", "size", "share", "drawn", "epochs", "memorised"):
        table.add_column(name, justify="left" if name in ("label", "head") else "right")
    for row in plan.languages[:top] if top is not None else plan.languages:
        table.add_row(
            row.label, "head" if row.head else "tail", _human(row.size), f"{row.share:.3%}", _human(row.drawn),
            f"{row.epochs:.3g}", "yes" if row.memorised else "",
        )  # fmt: skip
    return table


def write_plan_tsv(plan: SamplingPlan, path: str | Path) -> Path:
    """Every language: label, head, size, drawn, share, epochs, memorised (exact values)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["label", "head", f"size_{plan.unit}", f"drawn_{plan.unit}", "share", "epochs", "memorised"])
        for row in plan.languages:
            writer.writerow([
                row.label, str(row.head).lower(), f"{row.size:.0f}", f"{row.drawn:.0f}", f"{row.share:.6g}",
                f"{row.epochs:.6g}", str(row.memorised).lower(),
            ])  # fmt: skip
    return path
