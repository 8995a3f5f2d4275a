"""``build_report``: results.jsonl (+ stats.json, a vocabulary report, a corpus) -> HTML, Markdown, PNG, TSV, JSON.

Output layout (``out_dir``)::

    index.html         self-contained page (inline CSS/JS, images by relative path, no network)
    README.md          the same content as Markdown
    images/*.png       one figure per (dataset, metric) and kind, plus coverage_by_script.png
    per_language.tsv   every cell: model, dataset, metric, lang, value, n, CI, gain over the base, error
    factors.json       per-language factors and every correlation / regression
    findings.json      the key findings: per model and dataset, median changes, share better, languages much worse
    manifest.json      inputs (with hashes), resolved config, counts
"""

from __future__ import annotations

import csv
import json
import logging
import math
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glot500.core.config import validate_config
from glot500.core.errors import InputError
from glot500.core.io import write_json_atomic
from glot500.core.manifest import hash_file, write_manifest
from glot500.core.results import ResultRow
from glot500.report.analysis import FactorAnalysis, analyse_capacity, analyse_model, gains
from glot500.report.assemble import ReportContent, build_page
from glot500.report.bootstrap import add_intervals
from glot500.report.compare import MUCH_WORSE
from glot500.report.config import ReportConfig
from glot500.report.data import ResultSet, collect_results, short_names
from glot500.report.factors import FACTOR_NAMES, LanguageFactors, language_factors, ngram_neighbours
from glot500.report.figures import render_figures
from glot500.report.findings import FINDINGS_NAME, findings_json, key_findings
from glot500.report.inputs import (
    ReadCounts,
    corpus_samples,
    corpus_sizes,
    model_sizes_from_manifests,
    read_all_results,
    read_vocab_report,
)
from glot500.report.render import to_html, to_markdown

logger = logging.getLogger(__name__)
REPORT_SCHEMA_VERSION = 1


def build_report(
    results: str | Path | Iterable[str | Path] | Iterable[ResultRow],
    stats: str | Path | None = None,
    out_dir: str | Path = "report",
    *,
    vocab_report: str | Path | None = None,
    corpus: str | Path | None = None,
    config: ReportConfig | None = None,
    **options: Any,
) -> Path:
    """Build the report and return the path of ``index.html``.

    Args:
        results: one or more ``results.jsonl`` paths (or folders holding one), or ``ResultRow`` objects.
        stats: the corpus's ``stats.json`` (or its folder); enables corpus-size plots and factors.
        out_dir: the report folder (created; its ``images/`` is replaced).
        vocab_report: a vocabulary report file or folder with ``tokenizer, lang, unk_share`` (see ``inputs``).
        corpus: a corpus folder, for nearest languages by character n-grams.
        config: options; or pass them as keywords (``base="xlm-roberta-base"``, ``model_sizes={...}``).

    Raises:
        InputError: a missing or malformed input, an unknown base model, no rows at all.
        ConfigError: invalid options.
    """
    config = config or validate_config(ReportConfig, options, "report options")
    out_dir = Path(out_dir)
    try:  # before reading anything: an output that cannot be written is one line, not a late traceback
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"report output {out_dir}: cannot create it ({error.strerror or error})") from None
    read_counts = ReadCounts()
    result_paths, rows = _result_rows(results, read_counts)
    try:
        result_set = collect_results(rows, config.base)
    except ValueError as error:
        raise InputError(str(error)) from None
    if not result_set.blocks:
        raise InputError(f"no result rows in {', '.join(map(str, result_paths)) or 'the given rows'}")
    stats_path = Path(stats) if stats is not None else None
    sizes = corpus_sizes(stats_path)
    model_sizes = {**model_sizes_from_manifests(result_paths, result_set.models), **config.model_sizes}
    vocab = read_vocab_report(Path(vocab_report) if vocab_report is not None else None)
    base_tokenizer = vocab.tokenizer_for(config.base, config.base_tokenizer) if vocab else None
    for block in result_set.blocks.values():
        add_intervals(block, config.resamples, config.confidence, config.seed)
        block.items.clear()  # per-item scores are only needed for the intervals; free them
    neighbours = None
    if corpus is not None:
        if sizes is None:
            logger.warning("--corpus without --corpus-stats: n-gram neighbours need corpus sizes; skipped")
        else:
            neighbours = ngram_neighbours(corpus_samples(Path(corpus), config.sample_chars), config.neighbours)
    factors = language_factors(
        result_set.languages(), sizes, vocab, base_tokenizer, config.unseen_unk_share, neighbours
    )
    names = short_names(result_set.models)
    analyses = _analyses(result_set, factors, model_sizes, names)
    figures = render_figures(result_set, sizes, names, config.top_changes, out_dir, config.workers)
    content = ReportContent(
        result_set,
        names,
        sizes,
        factors,
        analyses,
        figures,
        _methods(config, vocab, model_sizes),
        config.title,
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from "
        + (", ".join(str(p) for p in result_paths) if result_paths else "in-memory results")
        + (f"; base model {config.base}" if config.base else ""),
    )
    content.recipes = _recipes(config.recipes, result_set.models, names)
    content.findings = key_findings(result_set, names)
    page = build_page(content)
    (out_dir / "index.html").write_text(to_html(page), encoding="utf-8")
    (out_dir / "README.md").write_text(to_markdown(page), encoding="utf-8")
    _write_tsv(result_set, sizes, out_dir / "per_language.tsv")
    _write_factors(factors, analyses, out_dir / "factors.json")
    write_json_atomic(
        out_dir / FINDINGS_NAME,
        _json_safe(
            {
                "base": names.get(result_set.base or "", None),
                "much_worse_factor": MUCH_WORSE,
                "findings": findings_json(content.findings),
            }
        ),
        indent=1,
    )
    inputs = {str(p): hash_file(p) for p in result_paths if p.is_file()}
    if stats_path is not None:
        inputs[str(stats_path)] = hash_file(stats_path) if stats_path.is_file() else "folder"
    inputs.update({path: "vocabulary report" for path in (vocab.files if vocab else [])})
    write_manifest(
        out_dir, "report", REPORT_SCHEMA_VERSION, config.model_dump(), inputs,
        {"rows": result_set.rows_read, "duplicates": result_set.duplicates, "models": len(result_set.models),
         "blocks": len(result_set.blocks), "languages": len(result_set.languages()), "errors": len(result_set.error_rows()),
         "torn_lines": read_counts.torn_lines, "bad_values": read_counts.bad_values},
    )  # fmt: skip
    logger.info("report written to %s", out_dir / "index.html")
    return out_dir / "index.html"


def _recipes(recipes: dict[str, str], models: list[str], names: dict[str, str]) -> dict[str, str]:
    """Recipes keyed by model (given under its full or its short name); unknown names are reported and ignored."""
    by_name = {**{names[m]: m for m in models}, **{m: m for m in models}}
    unknown = [name for name in recipes if name not in by_name]
    if unknown:
        logger.warning("recipes for models not in the results ignored: %s", ", ".join(unknown))
    return {by_name[name]: text for name, text in recipes.items() if name in by_name}


def _result_rows(results: Any, counts: ReadCounts) -> tuple[list[Path], Iterable[ResultRow]]:
    if isinstance(results, str | Path):
        results = [results]
    results = list(results)
    if results and all(isinstance(r, ResultRow) for r in results):
        return [], results
    paths = [Path(r) for r in results]
    return paths, read_all_results(paths, counts)


def _analyses(
    result_set: ResultSet, factors: LanguageFactors, model_sizes: dict[str, float], names: dict[str, str]
) -> list[FactorAnalysis]:
    """Each model's gain over the base (its score without a base) per block, plus the pooled capacity analysis."""
    out = []
    for block in result_set.blocks.values():
        unit = "points" if block.proportion else block.key.metric
        base = result_set.base if result_set.base in block.models else None
        models = [m for m in block.scored_models() if m != base]
        out += [a for m in models if (a := analyse_model(block, m, base, factors, unit, names))]
        if capacity := analyse_capacity(block, model_sizes, factors, unit):
            out.append(capacity)
    return out


def _write_tsv(result_set: ResultSet, sizes: dict[str, int] | None, path: Path) -> None:
    columns = [
        "task",
        "dataset",
        "metric",
        "model",
        "lang",
        "head",
        "value",
        "n",
        "ci_low",
        "ci_high",
        "ci_method",
        "gain_vs_base",
        "error",
        "corpus_kept",
    ]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(columns)
        for block in result_set.blocks.values():
            base_gains = {m: gains(block, m, result_set.base) for m in block.models if result_set.base in block.models}
            for (model, lang), cell in sorted(block.cells.items()):
                gain = base_gains.get(model, {}).get(lang) if model != result_set.base else None
                writer.writerow(
                    [block.key.task, block.key.dataset, block.key.metric, model, lang, block.head[lang], _blank(cell.value), cell.n,
                     _blank(cell.low), _blank(cell.high), cell.ci_method or "", "" if gain is None else gain / block.scale,
                     cell.error or "", "" if sizes is None else sizes.get(lang, 0)]
                )  # fmt: skip


def _blank(value: float | None) -> Any:
    return "" if value is None else value


def _write_factors(factors: LanguageFactors, analyses: list[FactorAnalysis], path: Path) -> None:
    data = {
        "factors": {FACTOR_NAMES[name]: values for name, values in factors.values.items()},
        "unseen_scripts": factors.unseen_scripts,
        "neighbours": factors.neighbours,
        "notes": factors.notes,
        "analyses": [asdict(a) for a in analyses],
    }
    path.write_text(
        json.dumps(_json_safe(data), indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )


def _json_safe(value: Any) -> Any:
    """NaN and infinities (an unknown factor, an undefined p-value) become ``null``: JSON has no NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _methods(config: ReportConfig, vocab: Any, model_sizes: dict[str, float]) -> list[str]:
    level = f"{config.confidence:.0%}"
    items = [
        "Averages (head / tail / all) are means and medians over the languages every model with scores on that "
        "dataset has a valid score for, so columns compare like with like; languages left out are counted under the "
        "table. Gains (with a base model): difference of the means, difference of the medians, and the share of languages "
        "where a model beats the base.",
        "Chance: rows that state the score of guessing (top-k retrieval: k / candidates; classification: the better "
        "of a uniform guess and the majority class) show it; a score whose confidence interval reaches it reads "
        "'at chance', and a group where most languages are at chance is marked so instead of being read as a result.",
        "Head languages are XLM-R's pretraining languages (the head flag of each result row); the rest are tail.",
        f"Confidence intervals: {level} percentile bootstrap with {config.resamples} resamples (seed {config.seed}). "
        "With per-item scores in the results, items are resampled; otherwise, for proportion-type metrics (values in "
        "[0, 1]: accuracy, top-k, F1) the score is treated as a proportion of n trials and resampled as Binomial(n, "
        "value)/n (marked †; approximate for F1); other metrics without items get no interval.",
        "Proportion-type scores are shown as percentages; gains are in percentage points and positive means better "
        "(for metrics where lower is better, the gain is base minus model).",
        "Factor analysis: Pearson and Spearman correlations (scipy) and an OLS regression with an intercept and "
        "classical standard errors (numpy, t-test p-values) of each model's per-language gain over the base model "
        "(its score when there is no base). With models of several known sizes, a pooled regression of scores over "
        "(model, language) pairs adds log10(parameters).",
    ]
    if model_sizes:
        items.append(
            "Model sizes: " + ", ".join(f"{name} = {params:,.0f}" for name, params in model_sizes.items()) + "."
        )
    if vocab is not None:
        items.append("Vocabulary report read from: " + ", ".join(vocab.files) + ".")
    return items
