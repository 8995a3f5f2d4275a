"""The report's opening: a few numbers per model and dataset, computed from the scores, said in sentences.

For each model against the base, on every headline (dataset, metric), over the languages every model has a valid
score for (the same set as the tables):

* the tail and head median change: a ratio of the medians for perplexity-like scores (``0.49× base``), a
  difference of the medians otherwise (``+12.5 points``);
* the share of languages better than the base (a tie is not a win);
* the languages **much worse** than the base: more than :data:`MUCH_WORSE` times worse, with the factor (a
  regression guard beside the share of languages better): ``model / base`` for lower-is-better scores,
  ``base / model`` for higher-is-better ones;
* what is at chance: the groups where most languages score within noise of chance, and how many languages do.

The same numbers are written to ``findings.json`` for other tools; ``glot500 publish`` states them on a model card.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from glot500.report.compare import MUCH_WORSE, perplexity_like, worse_factor
from glot500.report.data import Block, ResultSet
from glot500.report.tables import Table, TCell, group_langs, headline_blocks

GROUPS = ("tail", "head")
FINDINGS_NAME = "findings.json"


@dataclass
class GroupChange:
    """One group (head or tail) of one model against the base."""

    group: str
    languages: int
    base_median: float | None
    model_median: float | None
    change: float | None  # ratio of the medians (perplexity-like) or difference in display units
    better: int
    better_share: float | None
    at_chance: int = 0  # languages where the model is within noise of chance
    mostly_at_chance: bool = False


@dataclass
class MuchWorse:
    lang: str
    head: bool
    factor: float
    model_value: float
    base_value: float


@dataclass
class ModelFinding:
    """A model against the base on one (dataset, metric)."""

    dataset: str
    metric: str
    title: str
    model: str  # display name
    base: str | None  # display name; None when the results have no base
    ratio: bool  # True: changes are ratios of medians; False: differences (points for percentages)
    unit: str
    groups: dict[str, GroupChange] = field(default_factory=dict)
    much_worse: list[MuchWorse] = field(default_factory=list)
    sentence: str = ""


def key_findings(results: ResultSet, names: dict[str, str]) -> list[ModelFinding]:
    """One finding per (headline block, model other than the base); without a base, medians and chance only."""
    findings = []
    for block in headline_blocks(results):
        langs = block.common_langs()
        scored = block.scored_models()
        if not langs:
            continue
        base = results.base if results.base in scored else None
        for model in scored:
            if model == base:
                continue
            finding = _finding(block, model, base, langs, names)
            finding.sentence = describe(finding)
            findings.append(finding)
    return findings


def _finding(block: Block, model: str, base: str | None, langs: list[str], names: dict[str, str]) -> ModelFinding:
    ratio = perplexity_like(block)
    unit = "" if ratio else " points" if block.proportion else ""
    finding = ModelFinding(
        block.key.dataset, block.key.metric, _title(block), names[model], names[base] if base else None, ratio, unit
    )
    members = group_langs(block, langs)
    for group in GROUPS:
        group_members = members[group]
        if not group_members:
            continue
        finding.groups[group] = _group_change(block, model, base, group, group_members, ratio)
    if base is not None:
        # a group mostly at chance is "not a result": its languages' differences are between guesses, not regressions
        guessing = {lang for group, change in finding.groups.items() if change.mostly_at_chance for lang in members[group]}
        finding.much_worse = much_worse(block, model, base, [lang for lang in langs if lang not in guessing])
    return finding


def _title(block: Block) -> str:
    """``udhr · top10``; ``(lower is better)`` is added where a difference of medians would otherwise mislead."""
    return block.key.title + ("" if block.higher_is_better or perplexity_like(block) else " (lower is better)")


def _group_change(block: Block, model: str, base: str | None, group: str, langs: list[str], ratio: bool) -> GroupChange:
    mine = [block.cells[(model, lang)].value for lang in langs]
    at_chance = sum(block.cells[(model, lang)].at_chance for lang in langs)
    change = GroupChange(group, len(langs), None, statistics.median(mine), None, 0, None, at_chance)
    change.mostly_at_chance = at_chance * 2 > len(langs)
    if base is None:
        return change
    theirs = [block.cells[(base, lang)].value for lang in langs]
    change.base_median = statistics.median(theirs)
    if ratio:
        change.change = change.model_median / change.base_median if change.base_median > 0 else None
    else:
        change.change = (change.model_median - change.base_median) * block.scale
    sign = 1.0 if block.higher_is_better else -1.0
    change.better = sum(sign * (m - b) > 0 for m, b in zip(mine, theirs, strict=True))
    change.better_share = change.better / len(langs)
    return change


def much_worse(block: Block, model: str, base: str, langs: list[str] | None = None) -> list[MuchWorse]:
    """Languages where ``model`` is more than :data:`MUCH_WORSE` times worse than ``base``, worst first."""
    out = []
    for lang in block.langs if langs is None else langs:
        mine, theirs = block.cell(model, lang), block.cell(base, lang)
        if not (mine and theirs and mine.ok and theirs.ok):
            continue
        factor = worse_factor(block, mine.value, theirs.value)
        if factor is not None and factor > MUCH_WORSE:
            out.append(MuchWorse(lang, block.head[lang], factor, mine.value, theirs.value))
    return sorted(out, key=lambda item: (-item.factor, item.lang))


def describe(finding: ModelFinding) -> str:
    """``udhr · ppl_per_char: tail median 0.49× the base's (460 languages; better in 98%, 451/460); head ...``;
    neither model is named (the report groups the sentences under "model vs base")."""
    parts = [_group_sentence(finding, finding.groups[group]) for group in GROUPS if group in finding.groups]
    sentence = f"{finding.title}: " + "; ".join(parts) + "."
    if finding.base is not None:
        sentence += " " + much_worse_sentence(finding)
    return sentence


def _group_sentence(finding: ModelFinding, change: GroupChange) -> str:
    count = f"{change.languages} language{'s' if change.languages != 1 else ''}"
    if change.change is None:
        text = f"{change.group} median {change.model_median:.3g} ({count}"
    elif finding.ratio:
        text = f"{change.group} median {change.change:.2f}× the base's ({count}"
    else:
        text = f"{change.group} median {change.change:+.1f}{finding.unit} ({count}"
    if change.better_share is not None:
        text += f"; better in {change.better_share:.0%}, {change.better}/{change.languages}"
    if change.mostly_at_chance:
        text += f"; at chance in {change.at_chance}/{change.languages}: not a result"
    elif change.at_chance:
        text += f"; {change.at_chance} at chance"
    return text + ")"


def much_worse_sentence(finding: ModelFinding, shown: int = 8) -> str:
    if not finding.much_worse:
        return f"No language more than {MUCH_WORSE:g}× worse."
    listed = ", ".join(f"{item.lang} {item.factor:.1f}×" for item in finding.much_worse[:shown])
    more = len(finding.much_worse) - shown
    count = len(finding.much_worse)
    return (
        f"{count} language{'s' if count != 1 else ''} more than {MUCH_WORSE:g}× worse: {listed}"
        + (f" and {more} more" if more > 0 else "")
        + "."
    )


def base_at_chance(results: ResultSet, names: dict[str, str]) -> list[str]:
    """One sentence per (dataset, metric) where the base is at chance in most head or most tail languages: gains
    over it there are gains over guessing."""
    base = results.base
    out = []
    for block in headline_blocks(results):
        langs = block.common_langs()
        if base is None or base not in block.scored_models() or not langs:
            continue
        groups = []
        for group, members in group_langs(block, langs).items():
            flags = sum(block.cells[(base, lang)].at_chance for lang in members) if group != "all" else 0
            if flags * 2 > len(members):
                groups.append(f"{flags} of {len(members)} {group}")
        if groups:
            out.append(
                f"{_title(block)}: at chance in {' and '.join(groups)} languages; a gain over it there is a gain over "
                "guessing."
            )
    return out


def findings_json(findings: list[ModelFinding]) -> list[dict[str, Any]]:
    return [asdict(finding) for finding in findings]


def much_worse_table(findings: list[ModelFinding]) -> Table | None:
    """Every language more than :data:`MUCH_WORSE` times worse than the base: model, dataset, language, factor."""
    rows = [
        [
            TCell(finding.model),
            TCell(finding.title),
            TCell(item.lang),
            TCell("head" if item.head else "tail"),
            TCell(f"{item.factor:.1f}×", item.factor, css="loss"),
            TCell(f"{item.model_value:.4g}", item.model_value),
            TCell(f"{item.base_value:.4g}", item.base_value),
        ]
        for finding in findings
        for item in finding.much_worse
    ]
    if not rows:
        return None
    base = findings[0].base
    columns = ["model", "dataset · metric", "lang", "group", "times worse", "model score", f"{base} score"]
    notes = ["times worse: model / base where lower is better (perplexities), base / model where higher is better."]
    return Table(columns, rows, notes=notes, sortable=True)
