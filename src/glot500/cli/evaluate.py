"""``glot500 eval``: score encoders on task folders (retrieval, classification, tagging, pseudo-perplexity,
round-trip alignment) and import the original datasets into the task-folder layout."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Evaluate encoders on hundreds of languages (Glot500's task suite).", no_args_is_help=True)

_MODELS = typer.Option(..., "--model", "-m", help="HF model folder or hub name; repeat to compare models.")
_OUTPUT = typer.Option(..., "--output", "-o", help="Output folder (results.jsonl, summary.md/.tsv, manifest.json).")
_CONFIG = typer.Option(None, "--config", "-c", help="YAML config (configs/eval-*.yaml); flags win over it.")
_PROFILE = typer.Option(None, "--profile", help="Fine-tuning profile: glot500 (default) or cpu-small.")
_LAYER = typer.Option(None, "--layer", help="Hidden layer for retrieval/alignment (default 8).")
_DEVICE = typer.Option(None, "--device", help="cuda, cpu, ... (default: cuda when available).")
_FAIL_FAST = typer.Option(False, "--fail-fast", help="Stop at the first bad language instead of an error row.")


def _config(config: Path | None, **overrides):
    from glot500.core.config import validate_config
    from glot500.evaluate.config import EvalConfig

    overrides = {k: v for k, v in overrides.items() if v is not None and v is not False}
    if config is not None:
        from glot500.core.config import load_config

        return load_config(EvalConfig, config, overrides)
    return validate_config(EvalConfig, overrides, "command-line options")


def _run(models: list[str], specs, output: Path, cfg) -> None:
    from glot500.cli.oserrors import file_errors_as_one_line
    from glot500.evaluate.suite import MODEL_LOAD_ERROR, evaluate

    with file_errors_as_one_line():
        rows = evaluate(models, specs, output, cfg)
    typer.echo((output / "summary.md").read_text(encoding="utf-8"))
    typer.echo(f"results: {output / 'results.jsonl'}")
    unloaded = {row.model: row.error for row in rows if row.error and row.error.startswith(MODEL_LOAD_ERROR)}
    for model, reason in unloaded.items():  # the summary shows them as error rows; say why once, on stderr
        typer.echo(f"warning: {model}: not scored, {reason}", err=True)


def _task_command(task_type: str, help_text: str) -> None:
    def command(
        model: list[str] = _MODELS,
        data: Path = typer.Option(..., "--data", "-d", help="Task folder: <lang_Script>/... per language."),
        output: Path = _OUTPUT,
        config: Path | None = _CONFIG,
        profile: str | None = _PROFILE,
        layer: int | None = _LAYER,
        device: str | None = _DEVICE,
        fail_fast: bool = _FAIL_FAST,
    ) -> None:
        from glot500.evaluate.suite import spec_for

        cfg = _config(config, profile=profile, layer=layer, device=device, fail_fast=fail_fast)
        _run(model, [spec_for(data, task_type)], output, cfg)

    command.__doc__ = help_text
    app.command(name=task_type.replace("_", "-"))(command)


_task_command("retrieval", "Sentence retrieval: top-1/top-10 accuracy, English queries over each language.")
_task_command("classification", "Text classification: fine-tune on English, zero-shot macro-F1 per language.")
_task_command("tagging", "POS/NER tagging: fine-tune on English, zero-shot accuracy/F1 per language.")
_task_command("pseudo_perplexity", "Pseudo-perplexity per character of each language's <lang>.txt.")
_task_command("roundtrip", "Round-trip word alignment around cycles of languages over parallel sentences.")


@app.command()
def suite(
    model: list[str] = _MODELS,
    tasks_dir: Path = typer.Option(..., "--tasks-dir", "-t", help="Folder of task folders (types detected)."),
    output: Path = _OUTPUT,
    config: Path | None = _CONFIG,
    profile: str | None = _PROFILE,
    layer: int | None = _LAYER,
    device: str | None = _DEVICE,
    fail_fast: bool = _FAIL_FAST,
    no_extras: bool = typer.Option(False, "--no-extras", help="Skip pseudo-perplexity/round trip on retrieval data."),
    as_type: list[str] = typer.Option([], "--as", help="Override a detected type: FOLDER=TASK (e.g. mydata=tagging)."),
) -> None:
    """Every task folder found under --tasks-dir, for every model; one results.jsonl and summary."""
    from glot500.core.errors import ConfigError
    from glot500.evaluate.suite import TaskSpec, discover_tasks

    cfg = _config(config, profile=profile, layer=layer, device=device, fail_fast=fail_fast)
    specs = discover_tasks(tasks_dir, extras=cfg.suite_extras and not no_extras)
    for override in as_type:
        name, sep, task_type = override.partition("=")
        if not sep:
            raise ConfigError(f"--as {override!r}: expected FOLDER=TASK")
        specs = [s for s in specs if s.folder.name != name] + [TaskSpec(task_type, tasks_dir / name)]
    _run(model, specs, output, cfg)


@app.command(name="import")
def import_(
    fmt: str = typer.Argument(..., help="tatoeba, sib200, taxi1500, conllu or masakhaner."),
    src: Path = typer.Argument(..., help="The original distribution's folder."),
    output: Path = typer.Option(..., "--output", "-o", help="Task folder to write."),
) -> None:
    """Convert an original dataset distribution into the task-folder layout."""
    from glot500.evaluate.importers import import_dataset

    labels = import_dataset(fmt, src, output)
    typer.echo(f"{len(labels)} languages written to {output}: {', '.join(labels)}")
