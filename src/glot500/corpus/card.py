"""The corpus card ``DIR/README.md``: totals, drop reasons, problems and the per-language table, with PNG plots
(``DIR/plots/``: size per language, head vs tail, scripts, drop reasons), drawn with matplotlib's Agg backend."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

PLOTS_DIR = "plots"


def write_card(out: Path, stats: dict[str, Any], config) -> Path:
    """Write ``out/README.md`` and ``out/plots/*.png`` from ``stats`` (deterministic for the same stats)."""
    plots = write_plots(out / PLOTS_DIR, stats)
    totals = stats["totals"]
    languages = stats["languages"]
    kept_langs = [label for label, entry in languages.items() if entry["kept"] and not entry["excluded"]]
    min_chunks = config.corpus_level.min_chunks
    small = sorted(label for label in kept_langs if languages[label]["kept"] < min_chunks)
    flagged = sorted(
        f"{label}/{source}"
        for label, entry in languages.items()
        for source, counts in entry["sources"].items()
        if counts["flagged"]
    )
    lines = [
        "# Corpus card",
        "",
        f"Built by `glot500 corpus build` from {len(config.sources)} source(s): "
        + ", ".join(f"`{s.display_name()}` ({s.type})" for s in config.sources)
        + ".",
        "",
        "| | chunks | MB |",
        "|---|---:|---:|",
        f"| input | {totals['chunks_in']:,} | {totals['bytes_in'] / 1e6:,.1f} |",
        f"| kept | {totals['kept']:,} | {totals['kept_bytes'] / 1e6:,.1f} |",
        f"| dropped | {sum(totals['dropped'].values()):,} | |",
        "",
        f"Language-scripts: {len(languages)} read, {len(kept_langs)} with kept data "
        f"({sum(languages[label]['head'] for label in kept_langs)} head, "
        f"{sum(not languages[label]['head'] for label in kept_langs)} tail); "
        f"excluded (under {min_chunks:,} chunks): {sum(e['excluded'] for e in languages.values())}; "
        f"kept but under {min_chunks:,} chunks: {len(small)}.",
        "",
        "Every input chunk is either in `data/<label>/*.parquet` or in `dropped/<step>/` with its reason: "
        "per language and source, kept + dropped = input (checked when the card was written).",
        "",
        "## Drop reasons",
        "",
        "| step:reason | chunks |",
        "|---|---:|",
        *[f"| `{reason}` | {count:,} |" for reason, count in sorted(totals["dropped"].items(), key=lambda x: -x[1])],
        "",
        "## Plots",
        "",
        *[f"![{name}]({PLOTS_DIR}/{name}.png)" for name in plots],
        "",
    ]
    if flagged:
        lines += [
            "## Sources flagged for script mismatch",
            "",
            "Most sampled chunks are not in the script of their label: " + ", ".join(flagged),
            "",
        ]
    if stats["errors"]:
        lines += [
            "## Input problems",
            "",
            "| file | reason |",
            "|---|---|",
            *[f"| `{e['file']}` | {e['reason'].replace('|', '/')} |" for e in stats["errors"][:200]],
            "",
        ]
        if len(stats["errors"]) > 200:
            lines.append(f"... and {len(stats['errors']) - 200} more (see stats.json)")
    lines += ["## Languages", "", language_table(languages), ""]
    path = out / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def language_table(languages: dict[str, Any]) -> str:
    from glot500.languages import info

    rows = [
        "| label | language | script | head | input | kept | kept MB | dropped | excluded |",
        "|---|---|---|:-:|---:|---:|---:|---:|:-:|",
    ]
    for label, entry in sorted(languages.items(), key=lambda item: (-item[1]["kept"], item[0])):
        try:
            name = info(label).language_name
        except Exception:  # noqa: BLE001 - the unknown-language bucket has no name
            name = "unknown"
        rows.append(
            f"| {label} | {name} | {entry['script']} | {'yes' if entry['head'] else ''} | "
            f"{entry['chunks_in']:,} | {entry['kept']:,} | {entry['kept_bytes'] / 1e6:.2f} | "
            f"{sum(entry['dropped'].values()):,} | {'yes' if entry['excluded'] else ''} |"
        )
    return "\n".join(rows)


def write_plots(folder: Path, stats: dict[str, Any]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    languages = {label: e for label, e in stats["languages"].items() if not e["excluded"]}
    plotters = {
        "size_per_language": _plot_sizes,
        "head_vs_tail": _plot_head_tail,
        "scripts": _plot_scripts,
        "drop_reasons": _plot_drops,
    }
    for name, plot in plotters.items():
        figure, axis = plt.subplots(figsize=(8, 4), dpi=100)
        labels = plot(axis, languages, stats) or []
        # fixed margins, the left one wide enough for the longest category label (tight_layout costs 0.1 s a plot)
        left = min(0.5, 0.1 + 0.0085 * max(map(len, labels), default=0))
        figure.subplots_adjust(left=left, right=0.97, bottom=0.13, top=0.91)
        figure.savefig(folder / f"{name}.png", metadata={"Software": None})
        plt.close(figure)
    return list(plotters)


def _plot_sizes(axis, languages, _stats) -> None:
    sizes = sorted((entry["kept"] for entry in languages.values()), reverse=True)
    # one filled step outline instead of a bar per language (hundreds of rectangles are slow to draw)
    axis.stairs(
        sizes, range(len(sizes) + 1), fill=True, color="tab:blue", baseline=0.5 if sizes and min(sizes) > 0 else 0
    )
    axis.set_yscale("log" if sizes and max(sizes) > 0 else "linear")
    axis.set_xlabel(f"language-scripts, largest first ({len(sizes)})")
    axis.set_ylabel("kept chunks")
    axis.set_title("Size per language-script", y=1.0)  # a fixed title position skips a costly layout pass


def _plot_head_tail(axis, languages, _stats) -> None:
    groups = {"head": [0, 0], "tail": [0, 0]}
    for entry in languages.values():
        group = groups["head" if entry["head"] else "tail"]
        group[0] += 1
        group[1] += entry["kept"]
    bars = axis.bar(list(groups), [groups[g][1] for g in groups], color=["tab:orange", "tab:green"])
    for bar, group in zip(bars, groups, strict=True):
        axis.annotate(
            f"{groups[group][0]} languages",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
        )
    axis.set_ylabel("kept chunks")
    axis.set_title("Head vs tail language-scripts", y=1.0)


def _plot_scripts(axis, languages, _stats) -> None:
    per_script: dict[str, int] = defaultdict(int)
    for entry in languages.values():
        per_script[entry["script"]] += entry["kept"]
    top = sorted(per_script.items(), key=lambda item: (-item[1], item[0]))[:25]
    axis.barh([s for s, _ in top][::-1], [n for _, n in top][::-1], color="tab:purple")
    axis.set_xscale("log" if top and top[0][1] > 0 else "linear")
    axis.set_xlabel("kept chunks (log scale)")
    axis.set_title(f"Scripts (top {len(top)} of {len(per_script)})", y=1.0)
    return [script for script, _ in top]


def _plot_drops(axis, _languages, stats) -> None:
    drops = sorted(stats["totals"]["dropped"].items(), key=lambda item: (-item[1], item[0]))[:20]
    axis.barh([r for r, _ in drops][::-1], [n for _, n in drops][::-1], color="tab:red")
    axis.set_xlabel("dropped chunks")
    axis.set_title("Drop reasons (step:reason)", y=1.0)
    return [reason for reason, _ in drops]


def format_summary(stats: dict[str, Any], top: int = 20) -> str:
    """A plain-text summary of ``stats.json`` for the terminal."""
    totals, languages = stats["totals"], stats["languages"]
    dropped = sum(totals["dropped"].values())
    kept_langs = sorted((e["kept"], label) for label, e in languages.items() if e["kept"] and not e["excluded"])
    lines = [
        f"language-scripts: {len(languages)} read, {len(kept_langs)} kept "
        f"({sum(languages[label]['head'] for _, label in kept_langs)} head), "
        f"{sum(e['excluded'] for e in languages.values())} excluded",
        f"chunks: {totals['chunks_in']:,} in, {totals['kept']:,} kept "
        f"({100 * totals['kept'] / max(totals['chunks_in'], 1):.1f}%), {dropped:,} dropped",
        f"bytes:  {totals['bytes_in'] / 1e6:,.1f} MB in, {totals['kept_bytes'] / 1e6:,.1f} MB kept",
        "drop reasons:",
        *[f"  {reason:<40} {count:>10,}" for reason, count in sorted(totals["dropped"].items(), key=lambda x: -x[1])],
    ]
    if kept_langs:
        lines.append(f"largest:  {', '.join(f'{label} {n:,}' for n, label in kept_langs[::-1][:top])}")
        lines.append(f"smallest: {', '.join(f'{label} {n:,}' for n, label in kept_langs[:top])}")
    flagged = [
        f"{label}/{source}" for label, e in languages.items() for source, c in e["sources"].items() if c["flagged"]
    ]
    if flagged:
        lines.append(f"flagged sources (script mismatch): {', '.join(sorted(flagged)[:top])}")
    if stats["errors"]:
        lines.append(f"input problems: {len(stats['errors'])}")
        lines += [f"  {e['file']}: {e['reason']}" for e in stats["errors"][:top]]
    return "\n".join(lines)
