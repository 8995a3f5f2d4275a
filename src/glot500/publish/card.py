"""The model card: ``huggingface_hub``'s ``ModelCardData`` for the metadata, Markdown sections for the body.

Metadata: ``language`` (ISO 639-1 where one exists, else 639-3), ``base_model``, ``datasets`` (hub ids of known
sources), ``license``, ``pipeline_tag`` (from the config's architectures), ``library_name``, ``tags`` and a
``model-index`` with the model's head and tail medians on every evaluated (dataset, metric). Body: languages
(the full ``lang_Script`` list), training data and licences, the recipe, the key findings, a per-language table,
limitations (languages at chance, languages worse than the base) and how to load the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glot500.core.results import ResultRow
from glot500.publish.evidence import Corpus, hub_language_codes
from glot500.report.compare import MUCH_WORSE, perplexity_like, worse_factor
from glot500.report.data import Block, ResultSet, collect_results
from glot500.report.findings import GROUPS, ModelFinding, key_findings
from glot500.report.tables import fmt, headline_blocks

PIPELINE_TAGS = {"ForMaskedLM": "fill-mask", "ForCausalLM": "text-generation"}
MAX_LISTED = 40  # languages named in a limitation sentence before "and N more"


@dataclass
class CardInputs:
    """What :func:`build_card` needs, gathered by :mod:`glot500.publish.build`."""

    name: str
    config: dict[str, Any]
    corpus: Corpus
    rows: list[ResultRow] = field(default_factory=list)
    model: str | None = None  # its name in the rows
    base: str | None = None  # the base's name in the rows
    base_model: str | None = None  # hub id
    base_note: str | None = None
    license: str | None = None
    recipe: str | None = None
    extra_datasets: list[str] = field(default_factory=list)
    repo_id: str | None = None  # where it will be pushed (for the usage snippet)


def pipeline_tag(config: dict[str, Any]) -> str | None:
    """``fill-mask`` for a masked LM, ``text-generation`` for a causal LM, from ``config.json``'s architectures."""
    for architecture in config.get("architectures") or []:
        for suffix, tag in PIPELINE_TAGS.items():
            if str(architecture).endswith(suffix):
                return tag
    return None


def build_card(inputs: CardInputs):
    """The ``huggingface_hub.ModelCard`` (metadata + body) for ``inputs``."""
    from huggingface_hub import ModelCard

    results = _results(inputs)
    findings = key_findings(results, {m: m for m in results.models}) if results else []
    findings = [f for f in findings if f.model == inputs.model]
    languages = inputs.corpus.languages or sorted({row.lang for row in inputs.rows if row.model == inputs.model})
    data = _card_data(inputs, results, languages)
    body = "\n".join(
        [
            f"# {inputs.name}",
            "",
            _summary(inputs, languages),
            "",
            *_languages_section(languages),
            *_data_section(inputs.corpus),
            *_recipe_section(inputs),
            *_evaluation_section(inputs, results, findings),
            *_limitations_section(inputs, results, findings),
            *_usage_section(inputs),
        ]
    )
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n{body}")


def _results(inputs: CardInputs) -> ResultSet | None:
    if not inputs.rows or inputs.model is None:
        return None
    wanted = {inputs.model, inputs.base}
    rows = [row for row in inputs.rows if row.model in wanted]
    base = inputs.base if any(row.model == inputs.base for row in rows) else None
    return collect_results(rows, base)


def _card_data(inputs: CardInputs, results: ResultSet | None, languages: list[str]):
    from huggingface_hub import ModelCardData

    datasets = list(dict.fromkeys([s.dataset for s in inputs.corpus.sources if s.dataset] + inputs.extra_datasets))
    return ModelCardData(
        language=hub_language_codes(languages) or None,
        license=inputs.license or "other",
        library_name="transformers",
        pipeline_tag=pipeline_tag(inputs.config),
        base_model=inputs.base_model,
        datasets=datasets or None,
        tags=["glot500", "multilingual", "low-resource-languages"],
        model_name=inputs.name,
        eval_results=_eval_results(inputs, results) or None,
    )


def _eval_results(inputs: CardInputs, results: ResultSet | None) -> list:
    """The model-index: the model's median over head and over tail languages on every headline (dataset, metric)."""
    from huggingface_hub import EvalResult

    if results is None:
        return []
    out = []
    for block in headline_blocks(results):
        langs = [lang for lang in block.langs if (cell := block.cell(inputs.model, lang)) and cell.ok]
        for group in GROUPS:
            members = [lang for lang in langs if block.head[lang] == (group == "head")]
            if not members:
                continue
            median = _median([block.cells[(inputs.model, lang)].value * block.scale for lang in members])
            out.append(
                EvalResult(
                    task_type=block.key.task,
                    dataset_type=block.key.dataset,
                    dataset_name=block.key.dataset,
                    dataset_config=group,
                    metric_type=block.key.metric,
                    metric_name=f"{block.key.metric} ({group} median over {len(members)} languages"
                    + (", %" if block.proportion else ", lower is better" if not block.higher_is_better else "")
                    + ")",
                    metric_value=round(median, 4),
                )
            )
    return out


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def _summary(inputs: CardInputs, languages: list[str]) -> str:
    kind = {"fill-mask": "masked language model", "text-generation": "causal language model"}.get(
        pipeline_tag(inputs.config) or "", "language model"
    )
    architecture = ", ".join(inputs.config.get("architectures") or []) or inputs.config.get("model_type", "?")
    base = f"[{inputs.base_model}](https://huggingface.co/{inputs.base_model})" if inputs.base_model else None
    origin = base or inputs.base_note
    return (
        f"A {kind} ({architecture}, vocabulary of {inputs.config.get('vocab_size', '?'):,} pieces) "
        + (f"extended from {origin} " if origin else "extended ")
        + f"to {len(languages):,} language-scripts with glot500 (the Glot500 recipe: vocabulary extension, "
        "embedding initialisation for the new pieces and continued pretraining)."
    )


def _languages_section(languages: list[str]) -> list[str]:
    if not languages:
        return ["## Languages", "", "Not recorded (no corpus card or results were given).", ""]
    return [
        f"## Languages ({len(languages):,} language-scripts)",
        "",
        "ISO 639-3 code and ISO 15924 script of every language-script the model was trained on (the `language:` "
        "metadata above lists ISO 639-1 codes where they exist):",
        "",
        "<details><summary>all language-scripts</summary>",
        "",
        ", ".join(f"`{label}`" for label in languages),
        "",
        "</details>",
        "",
    ]


def _data_section(corpus: Corpus) -> list[str]:
    lines = ["## Training data", ""]
    if not corpus.sources:
        return lines + ["Not recorded: no corpus card was given.", ""]
    if corpus.kept_chunks is not None:
        size = f", {corpus.kept_mb:,.2f} MB" if corpus.kept_mb is not None else ""
        lines += [f"A corpus built by `glot500 corpus build`: {corpus.kept_chunks:,} chunks kept{size}.", ""]
    lines += ["| source | type | licence | terms |", "|---|---|---|---|"]
    for source in corpus.sources:
        lines.append(f"| {source.name} (`{source.path}`) | {source.kind} | {source.license} | {source.terms} |")
    return lines + [""]


def _recipe_section(inputs: CardInputs) -> list[str]:
    recipe = inputs.recipe or "Not recorded (publish a run folder to include the pipeline's recipe)."
    return ["## Recipe", "", recipe, ""]


def _evaluation_section(inputs: CardInputs, results: ResultSet | None, findings: list[ModelFinding]) -> list[str]:
    lines = ["## Evaluation", ""]
    if results is None:
        return lines + ["No evaluation results were given.", ""]
    versus = f" against the base model (`{inputs.base}` in the results)" if results.base else ""
    lines += [
        f"Scored with `glot500 eval` on held-out text{versus}; medians over head languages (XLM-R's pretraining "
        "languages) and tail languages (the rest).",
        "",
    ]
    lines += [f"- {finding.sentence}" for finding in findings] + [""]
    for block in headline_blocks(results):
        lines += _language_table(block, inputs.model, results.base)
    return lines


def _language_table(block: Block, model: str, base: str | None) -> list[str]:
    """The per-language table of one (dataset, metric), folded (hundreds of rows)."""
    langs = [lang for lang in block.langs if (cell := block.cell(model, lang)) and cell.ok]
    if not langs:
        return []
    ratio = perplexity_like(block)
    header = "| lang | group | score |" + (" base | " + ("model / base |" if ratio else "Δ |") if base else "")
    lines = [
        f"<details><summary>{block.key.title} per language ({len(langs)})</summary>",
        "",
        header,
        "|---|---|--:|" + ("--:|--:|" if base else ""),
    ]
    for lang in langs:
        mine = block.cells[(model, lang)].value
        row = f"| {lang} | {'head' if block.head[lang] else 'tail'} | {fmt(mine, block)} |"
        theirs = block.cell(base, lang) if base else None
        if base and theirs and theirs.ok:
            change = (
                f"{mine / theirs.value:.2f}×" if ratio and theirs.value > 0 else fmt(mine - theirs.value, block, True)
            )
            row += f" {fmt(theirs.value, block)} | {change} |"
        elif base:
            row += " – | – |"
        lines.append(row)
    return lines + ["", "</details>", ""]


def _limitations_section(inputs: CardInputs, results: ResultSet | None, findings: list[ModelFinding]) -> list[str]:
    lines = ["## Limitations", ""]
    items = []
    if results is not None:
        for block in headline_blocks(results):
            items += _block_limitations(block, inputs.model, results.base)
    for finding in findings:
        if finding.much_worse:
            listed = ", ".join(f"{w.lang} ({w.factor:.1f}×)" for w in finding.much_worse[:MAX_LISTED])
            items.append(f"More than {MUCH_WORSE:g}× worse than the base on {finding.title}: {listed}.")
    items.append(
        "Languages with little training text get few new vocabulary pieces and few updates: expect weaker "
        "results on text unlike the training corpus (other domains, other orthographies)."
    )
    return lines + [f"- {item}" for item in items] + [""]


def _block_limitations(block: Block, model: str, base: str | None) -> list[str]:
    out = []
    at_chance = sorted(lang for lang in block.langs if (cell := block.cell(model, lang)) and cell.ok and cell.at_chance)
    if at_chance:
        out.append(
            f"At chance on {block.key.title} ({_count(at_chance)} scoring no better than guessing): {_listed(at_chance)}."
        )
    if base is not None:
        worse = []
        for lang in block.langs:
            mine, theirs = block.cell(model, lang), block.cell(base, lang)
            if mine and theirs and mine.ok and theirs.ok:
                factor = worse_factor(block, mine.value, theirs.value)
                if factor is not None and factor > 1:
                    worse.append(lang)
        if worse:
            out.append(f"Worse than the base on {block.key.title} ({_count(worse)}): {_listed(worse)}.")
    return out


def _count(langs: list[str]) -> str:
    return f"{len(langs)} language{'s' if len(langs) != 1 else ''}"


def _listed(langs: list[str]) -> str:
    more = len(langs) - MAX_LISTED
    return ", ".join(langs[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")


def _usage_section(inputs: CardInputs) -> list[str]:
    tag = pipeline_tag(inputs.config)
    auto = "AutoModelForCausalLM" if tag == "text-generation" else "AutoModelForMaskedLM"
    repo = inputs.repo_id or "REPO_ID"
    return [
        "## How to use",
        "",
        "```python",
        f"from transformers import AutoTokenizer, {auto}",
        "",
        f'tokenizer = AutoTokenizer.from_pretrained("{repo}")',
        f'model = {auto}.from_pretrained("{repo}")',
        "```",
        "",
        "Made with glot500 (`glot500 publish`).",
        "",
    ]
