"""The report's figures (matplotlib, Agg, object API: no global pyplot state). One PNG per block, never per language."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np

from glot500.report.analysis import gains, scores
from glot500.report.compare import MUCH_WORSE, perplexity_like, ratio_to_base
from glot500.report.data import Block, ResultSet

MAX_PANELS = 4  # models drawn side by side; more would be unreadable at page width
MAX_SCRIPTS = 9  # coloured scripts in a legend; the rest are "other"
DPI = 90


def _figure(width: float, height: float, layout: str | None = "constrained"):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout=layout)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _panel_models(block: Block, base: str | None) -> list[str]:
    models = block.scored_models()
    if base in models:  # keep the base and the models after it when there are too many
        models = [base] + [m for m in models if m != base]
    return models[:MAX_PANELS]


def _script_colours(langs: list[str]) -> dict[str, tuple]:
    from matplotlib import colormaps

    counts = Counter(_script(lang) for lang in langs)
    palette = colormaps["tab10"].colors
    return {script: palette[i] for i, (script, _) in enumerate(counts.most_common(MAX_SCRIPTS))}


def score_vs_size(
    block: Block, sizes: dict[str, int], names: dict[str, str], base: str | None, path: Path
) -> Path | None:
    """Score against log10 corpus size, one panel per model, points coloured by script."""
    models = _panel_models(block, base)
    if not models:
        return None
    colours = _script_colours(block.langs)
    fig = _figure(3.6 * len(models) + 1.6, 3.4)
    axes = fig.subplots(1, len(models), sharey=True, squeeze=False)[0]
    for ax, model in zip(axes, models, strict=True):
        points = scores(block, model)
        by_script: dict[str, list[str]] = {}
        for lang in points:
            script = _script(lang)
            by_script.setdefault(script if script in colours else "other", []).append(lang)
        for script in [*colours, "other"]:
            langs = by_script.get(script, [])
            if langs:
                x = [math.log10(1 + sizes.get(lang, 0)) for lang in langs]
                ax.scatter(
                    x,
                    [points[lang] for lang in langs],
                    s=14,
                    alpha=0.75,
                    color=colours.get(script, "0.6"),
                    label=script,
                )
        ax.set_title(names[model], fontsize=9)
        ax.set_xlabel("log10(kept chunks + 1)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(_axis_label(block))
    if perplexity_like(block):
        axes[0].set_yscale("log")  # shared y: one call sets every panel
        _plain_log_ticks(axes[0].yaxis)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right center", fontsize=8, title="script")
    fig.suptitle(f"{block.key.title}: score against corpus size", fontsize=10)
    return _save(fig, path)


def head_tail(block: Block, names: dict[str, str], path: Path) -> Path | None:
    """Box plots of per-language scores, head and tail side by side for each model (log axis for perplexities)."""
    fig = head_tail_figure(block, names)
    return None if fig is None else _save(fig, path)


def head_tail_figure(block: Block, names: dict[str, str]):
    """The figure of :func:`head_tail` (``None`` without scores)."""
    models = block.scored_models()
    if not models:
        return None
    fig = _figure(max(4.0, 1.3 * len(models) + 2), 3.2)
    ax = fig.subplots()
    for offset, (group, colour) in zip((-0.2, 0.2), (("head", "#4c78a8"), ("tail", "#f58518")), strict=True):
        data, positions = [], []
        for i, model in enumerate(models):
            values = [v for lang, v in scores(block, model).items() if block.head[lang] == (group == "head")]
            if values:
                data.append(values)
                positions.append(i + offset)
        if data:
            parts = ax.boxplot(
                data, positions=positions, widths=0.35, patch_artist=True, showfliers=False,
                medianprops={"color": "black", "linewidth": 1.5, "zorder": 4},
            )  # fmt: skip
            for box in parts["boxes"]:
                box.set_facecolor(colour)
                box.set_alpha(0.55)
            for values, position in zip(data, positions, strict=True):  # every language as a dot
                jitter = np.random.default_rng(len(values)).uniform(-0.1, 0.1, len(values))
                many = len(values) > 100
                ax.scatter(
                    position + jitter, values, s=5 if many else 12, alpha=0.5 if many else 0.9, color=colour,
                    edgecolor="0.2", linewidth=0.3, zorder=3,
                )  # fmt: skip
            ax.plot([], [], color=colour, linewidth=6, label=group)
    ax.set_xticks(
        range(len(models)), [_cap(names[m]) for m in models], fontsize=8, rotation=15 if len(models) > 3 else 0
    )
    ax.set_ylabel(_axis_label(block))
    if perplexity_like(block):
        ax.set_yscale("log")
        _plain_log_ticks(ax.yaxis)
    ax.set_title(f"{block.key.title}: head vs tail", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3, which="both" if perplexity_like(block) else "major")
    return fig


def _plain_log_ticks(axis) -> None:
    """Ticks at 1, 2 and 5 times the powers of ten, written as plain numbers (``0.5``, ``20``, not ``5×10⁻¹``)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _axis_label(block: Block) -> str:
    return block.key.metric + (" (%)" if block.proportion else " (log scale)" if perplexity_like(block) else "")


def gains_and_losses(block: Block, names: dict[str, str], base: str, top: int, path: Path) -> Path | None:
    """Horizontal bars: the ``top`` largest gains and losses over the base, one panel per model; for perplexities
    the bars are ``model / base`` on a log axis (halving and doubling are equally long)."""
    fig = gains_figure(block, names, base, top)
    return None if fig is None else _save(fig, path)


def gains_figure(block: Block, names: dict[str, str], base: str, top: int):
    """The figure of :func:`gains_and_losses` (``None`` when no model has a language scored beside the base)."""
    ratio = perplexity_like(block)
    models = [m for m in block.scored_models() if m != base][:MAX_PANELS]
    per_model = {m: _changes(block, m, base, ratio) for m in models}
    per_model = {m: g for m, g in per_model.items() if g}
    if not per_model:
        return None
    rows = max(min(len(g), 2 * top) for g in per_model.values())
    height = 1.1 + 0.2 * rows
    fig = _figure(4.2 * len(per_model), height, layout=None)  # fixed margins: a third cheaper than constrained
    fig.subplots_adjust(
        left=0.75 / (4.2 * len(per_model)), right=0.98, wspace=0.35, top=1 - 0.55 / height, bottom=0.5 / height
    )
    axes = fig.subplots(1, len(per_model), squeeze=False)[0]
    for ax, (model, changes) in zip(axes, per_model.items(), strict=True):
        # worst at the bottom, best at the top; for ratios the best is the smallest
        ordered = sorted(changes.items(), key=lambda kv: -kv[1] if ratio else kv[1])
        shown = ordered if len(ordered) <= 2 * top else ordered[:top] + ordered[-top:]
        labels = [lang for lang, _ in shown]
        values = np.array([v for _, v in shown])
        better = values < 1 if ratio else values >= 0
        colours = np.where(better, "#54a24b", "#e45756")
        if ratio:
            ax.barh(range(len(shown)), values - 1.0, left=1.0, color=colours)
            ax.set_xscale("log")
            _plain_log_ticks(ax.xaxis)
            ax.axvline(1.0, color="0.3", linewidth=0.8)
            if values.max() > MUCH_WORSE:
                ax.axvline(MUCH_WORSE, color="#b3261e", linewidth=0.8, linestyle="--")
            ax.set_xlabel(f"{_cap(names[model])} / {_cap(names[base])} (log scale), below 1 = better")
        else:
            ax.barh(range(len(shown)), values, color=colours)
            ax.axvline(0, color="0.3", linewidth=0.8)
            ax.set_xlabel("gain" + (" (points)" if block.proportion else "") + ", positive = better")
        ax.set_yticks(range(len(shown)), labels, fontsize=7)
        ax.set_title(f"{_cap(names[model])} vs {_cap(names[base])}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{block.key.title}: largest gains and losses", fontsize=10)
    return fig


def _changes(block: Block, model: str, base: str, ratio: bool) -> dict[str, float]:
    """Per language: ``model / base`` (perplexity-like) or the gain over the base."""
    if not ratio:
        return gains(block, model, base)
    return {lang: r for lang in block.langs if (r := ratio_to_base(block, model, base, lang)) is not None}


def script_coverage(results: ResultSet, sizes: dict[str, int] | None, path: Path, max_scripts: int = 25) -> Path | None:
    """Heat map: number of languages per script (rows) in the corpus and in each dataset (columns)."""
    columns: dict[str, set[str]] = {}
    if sizes:
        columns["corpus"] = {lang for lang, kept in sizes.items() if kept > 0}
    for block in results.blocks.values():
        columns.setdefault(block.key.dataset, set()).update(
            lang for lang in block.langs if any(block.cell(m, lang) and block.cell(m, lang).ok for m in block.models)
        )
    counts: dict[str, Counter] = {name: Counter(_script(lang) for lang in langs) for name, langs in columns.items()}
    totals = Counter()
    for counter in counts.values():
        totals.update(counter)
    if not totals:
        return None
    scripts = [s for s, _ in totals.most_common(max_scripts)]
    if len(totals) > max_scripts:
        scripts.append("other")
    matrix = np.array(
        [
            [counter[s] if s != "other" else sum(v for k, v in counter.items() if k not in scripts) for s in scripts]
            for counter in counts.values()
        ]
    ).T
    fig = _figure(1.0 + 0.75 * len(columns), 1.0 + 0.28 * len(scripts))
    ax = fig.subplots()
    ax.imshow(np.log1p(matrix), aspect="auto", cmap="Blues")
    ax.set_xticks(range(len(columns)), [_cap(c, 18) for c in columns], rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(scripts)), scripts, fontsize=8)
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > matrix.max() / 3 else "black",
            )
    ax.set_title("languages per script", fontsize=10)
    return _save(fig, path)


def _cap(text: str, width: int = 22) -> str:
    """Cap a label's length so long model paths do not swallow the plot."""
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _script(label: str) -> str:
    """The script part of a normalised label (``deu_Latn`` -> ``Latn``); cheap, unlike a registry lookup."""
    return label.rsplit("_", 1)[-1] if "_" in label else "?"
