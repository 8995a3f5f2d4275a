"""PNG plots of a tokenizer report (matplotlib, headless): per-language fertility and head vs tail."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glot500.vocab.rows import LanguageRow

PANELS = (("fertility", "fertility (tokens/word; /char if spaceless)"), ("unk_share", "<unk> share"),
          ("split_share", "words split into >= 2 pieces"))  # fmt: skip
LINE_STYLES = ("-", "--", ":", "-.")


def plot_report(rows: list[LanguageRow], summary: dict, out_dir: Path) -> list[Path]:
    """Write ``fertility_by_language.png``, ``head_vs_tail.png`` and (2+ tokenizers) ``fertility_scatter.png``."""
    import matplotlib

    matplotlib.use("Agg")
    names = list(summary)
    paths = [_by_language(rows, names, out_dir / "fertility_by_language.png")]
    paths.append(_head_vs_tail(summary, names, out_dir / "head_vs_tail.png"))
    if len(names) >= 2:
        paths.append(_scatter(rows, names, out_dir / "fertility_scatter.png"))
    return paths


def _by_language(rows: list[LanguageRow], names: list[str], path: Path) -> Path:
    """Each metric per language, languages sorted by the first tokenizer's value (a curve per tokenizer)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(PANELS), 1, figsize=(12, 3.2 * len(PANELS)), sharex=True)
    first = {r.label: r for r in rows if r.tokenizer == names[0]}
    for ax, (metric, title) in zip(axes, PANELS, strict=True):
        order = sorted(first, key=lambda label: getattr(first[label], metric))
        for i, name in enumerate(names):  # dashed/dotted and translucent: near-identical curves stay visible
            values = {r.label: getattr(r, metric) for r in rows if r.tokenizer == name}
            style = LINE_STYLES[i % len(LINE_STYLES)]
            ax.plot(range(len(order)), [values[lb] for lb in order], style, label=name, linewidth=1, alpha=0.8)
        heads = [i for i, label in enumerate(order) if first[label].head]
        ax.scatter(heads, [getattr(first[order[i]], metric) for i in heads], s=8, c="k", zorder=3, label="head")
        ax.set_ylabel(title, fontsize=8)
    axes[0].legend(fontsize=8)
    axes[-1].set_xlabel(f"language-scripts ({len(first)}), sorted by {names[0]}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _head_vs_tail(summary: dict, names: list[str], path: Path) -> Path:
    """Grouped bars: mean of each metric over head and tail languages, per tokenizer."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(PANELS), figsize=(4.2 * len(PANELS), 3.6))
    groups = ["head", "tail"]
    width = 0.8 / max(len(names), 1)
    for ax, (metric, title) in zip(axes, PANELS, strict=True):
        for i, name in enumerate(names):
            values = [summary[name].get(group, {}).get(metric, 0.0) for group in groups]
            ax.bar([g + i * width for g in range(len(groups))], values, width, label=name)
        ax.set_xticks([g + width * (len(names) - 1) / 2 for g in range(len(groups))], groups)
        ax.set_title(title, fontsize=9)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _scatter(rows: list[LanguageRow], names: list[str], path: Path) -> Path:
    """Fertility of the first tokenizer (x) against each other one (y), head and tail coloured apart."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(names) - 1, figsize=(4.5 * (len(names) - 1), 4.2), squeeze=False)
    first = {r.label: r for r in rows if r.tokenizer == names[0]}
    for ax, name in zip(axes[0], names[1:], strict=True):
        other = {r.label: r for r in rows if r.tokenizer == name}
        for head, colour in ((False, "tab:orange"), (True, "tab:blue")):
            labels = [label for label in first if first[label].head == head and label in other]
            xs, ys = [first[lb].fertility for lb in labels], [other[lb].fertility for lb in labels]
            ax.scatter(xs, ys, s=6, c=colour, label="head" if head else "tail")
        top = max([r.fertility for r in rows] + [1.0])
        ax.plot([0, top], [0, top], "k--", linewidth=0.7)
        ax.set_xlabel(f"{names[0]} fertility")
        ax.set_ylabel(f"{name} fertility")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
