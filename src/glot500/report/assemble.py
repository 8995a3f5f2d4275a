"""Lay the report out: which tables, figures and sentences go in which section."""

from __future__ import annotations

from dataclasses import dataclass, field

from glot500.report.analysis import FactorAnalysis
from glot500.report.compare import MUCH_WORSE
from glot500.report.data import ResultSet
from glot500.report.factors import LanguageFactors
from glot500.report.findings import ModelFinding, base_at_chance, much_worse_table
from glot500.report.page import Bullets, Details, Heading, Image, Page, Section, TablePart, Text
from glot500.report.tables import (
    Table,
    TCell,
    chance_label,
    delta_table,
    errors_table,
    factor_overview,
    language_table,
    overall_table,
    regression_table,
)

OPEN_BELOW = 30  # per-language tables with fewer rows start unfolded


@dataclass
class Figures:
    """Relative paths of the figures, per block slug."""

    coverage: str | None = None
    head_tail: dict[str, str] = field(default_factory=dict)
    score_vs_size: dict[str, str] = field(default_factory=dict)
    gains: dict[str, str] = field(default_factory=dict)


@dataclass
class ReportContent:
    results: ResultSet
    names: dict[str, str]
    sizes: dict[str, int] | None
    factors: LanguageFactors
    analyses: list[FactorAnalysis]
    figures: Figures
    methods: list[str]
    title: str
    subtitle: str
    recipes: dict[str, str] = field(default_factory=dict)  # model -> how it was made (init, phases, sampling)
    findings: list[ModelFinding] = field(default_factory=list)


def build_page(content: ReportContent) -> Page:
    page = Page(content.title, content.subtitle)
    page.sections = [
        _key_findings(content),
        _overview(content),
        _head_tail(content),
        _per_task(content),
        _factors(content),
    ]
    errors = errors_table(content.results, content.names)
    if errors is not None:
        summary = _count(len(errors.rows), "error row")
        page.sections.append(
            Section("errors", "Errors", [Details(summary, [TablePart(errors)], open=len(errors.rows) <= 20)])
        )
    page.sections.append(Section("method", "Method", [Bullets(content.methods)]))
    return page


def _key_findings(content: ReportContent) -> Section:
    """The finding first: per model and dataset, the median changes, the share of languages better, the
    languages much worse than the base and what is at chance (numbers from :mod:`glot500.report.findings`)."""
    results = content.results
    parts: list = []
    if results.base is None:
        parts.append(Text("No base model given: pass --base to compare every model with it."))
    for model in results.models:  # the report's model order: base first, then as given
        sentences = [f.sentence for f in content.findings if f.model == content.names[model]]
        if sentences:
            base = content.names[results.base] if results.base else None
            parts += [
                Heading(f"{content.names[model]} vs {base}" if base else content.names[model]),
                Bullets(sentences),
            ]
    at_chance = base_at_chance(results, content.names)
    if at_chance:
        parts += [Heading(f"The base ({content.names[results.base]}) at chance"), Bullets(at_chance)]
    if not content.findings:
        parts.append(Text("No scores to summarise."))
    if results.base is not None and content.findings:
        table = much_worse_table(content.findings)
        heading = f"Languages more than {MUCH_WORSE:g}× worse than {content.names[results.base]}"
        if table is None:
            parts += [Heading(heading), Text("None, for every model and dataset.")]
        else:
            parts += [Heading(heading), TablePart(table)]
    return Section("findings", "Key findings", parts)


def _overview(content: ReportContent) -> Section:
    results = content.results
    models = [
        f"{content.names[m]}"
        + (f" ({m})" if content.names[m] != m else "")
        + (" — base" if m == results.base else "")
        + (f" — recipe: {content.recipes[m]}" if m in content.recipes else "")
        for m in results.models
    ]
    parts: list = [
        Text(
            f"{_count(len(results.models), 'model')}, {_count(len(results.blocks), 'dataset/metric pair')}, "
            f"{_count(len(results.languages()), 'language-script')}, {_count(len(results.error_rows()), 'error row')}."
        ),
        Bullets(models),
        Heading("Head / tail / all"),
        TablePart(overall_table(results, content.names)),
    ]
    deltas = delta_table(results, content.names)
    if deltas is not None:
        parts += [Heading(f"Gains over {content.names[results.base]}"), TablePart(deltas)]
    if content.figures.coverage:
        parts += [
            Heading("Coverage by script"),
            Image(content.figures.coverage, "number of languages per script in the corpus and each dataset"),
        ]
    return Section("overview", "Overview", parts)


def _head_tail(content: ReportContent) -> Section:
    images = [Image(src, f"head vs tail: {slug}") for slug, src in content.figures.head_tail.items()]
    return Section("head-tail", "Head vs tail", images or [Text("No scores to plot.")])


def _per_task(content: ReportContent) -> Section:
    parts: list = []
    for block in content.results.blocks.values():
        slug = block.key.slug
        n_head = sum(block.head[lang] for lang in block.langs)
        chance = chance_label(block)
        parts.append(Heading(f"{block.key.title} ({block.key.task})" + (f", chance {chance}" if chance else "")))
        parts += [
            Image(f[slug], alt)
            for f, alt in (
                (content.figures.score_vs_size, "score against corpus size"),
                (content.figures.gains, "largest gains and losses"),
            )
            if slug in f
        ]
        table = language_table(block, content.names, content.sizes, content.results.base)
        summary = f"per-language table: {_count(len(block.langs), 'language')} ({n_head} head, {len(block.langs) - n_head} tail)"
        parts.append(Details(summary, [TablePart(table)], open=len(block.langs) < OPEN_BELOW))
    return Section("tasks", "Per task and language", parts)


def _factors(content: ReportContent) -> Section:
    parts: list = [Bullets(content.factors.notes)]
    overview = factor_overview(content.analyses)
    if overview is None:
        parts.append(Text("Too few languages with scores and factors for any analysis (at least 5 are needed)."))
        return Section("factors", "What explains the scores", parts)
    parts += [Heading("Rank correlations at a glance"), TablePart(overview)]
    many = len(content.analyses) > 6
    for analysis in content.analyses:
        reg = analysis.regression
        summary = f"{analysis.title} — {analysis.model}, {analysis.response}" + (
            f": R² = {reg.r2:.2f}, n = {reg.n}" if reg else ""
        )
        inner: list = [Text(" ".join(analysis.sentences))]
        table = regression_table(analysis)
        if table is not None:
            inner.append(TablePart(table))
        parts.append(Details(summary, inner, open=not many))
    if content.factors.neighbours:  # only the evaluated languages: factors.json keeps the whole corpus
        evaluated = set(content.results.languages())
        neighbours = sorted((lang, found) for lang, found in content.factors.neighbours.items() if lang in evaluated)
        rows = [[TCell(lang), TCell(", ".join(found))] for lang, found in neighbours]
        table = Table(["lang", "nearest in the corpus"], rows, sortable=True)
        parts.append(Details("nearest languages by character 3-grams", [TablePart(table)]))
    return Section("factors", "What explains the scores", parts)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
