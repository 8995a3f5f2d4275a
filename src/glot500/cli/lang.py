"""``glot500 lang``: language-script labels."""

from __future__ import annotations

import json

import typer

SCOPE_TEXT = {"collective": "collective code: a group of languages (ISO 639-5)", "macrolanguage": "macrolanguage",
              "special": "special code", "individual": "individual language"}  # fmt: skip

app = typer.Typer(help="Language-script labels: normalise codes, show what is known of a label.", no_args_is_help=True)


@app.command()
def normalize(
    codes: list[str] = typer.Argument(..., help="Codes: de, ger, deu, sr-Cyrl-RS, zh-Hant-TW, deu_Latn ..."),
    text: str | None = typer.Option(None, "--text", help="Sample text: the script is detected from it."),
) -> None:
    """Print one label (deu_Latn) per code, one per line."""
    from glot500.languages import normalize as normalize_code

    labels = [normalize_code(code, text=text) for code in codes]  # all or nothing: errors before output
    typer.echo("\n".join(labels))


@app.command()
def info(
    label: str = typer.Argument(..., help="A label or any code 'lang normalize' accepts."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Language name, script name, head or tail, and family of a label."""
    from glot500.languages import info as language_info
    from glot500.languages import normalize as normalize_code

    details = language_info(normalize_code(label))
    if as_json:
        typer.echo(json.dumps(details.as_dict(), ensure_ascii=False, indent=2))
        return
    family = f"{details.family_name} ({details.family})" if details.family else "unknown"
    genus = f"{details.genus_name} ({details.genus})" if details.genus else "unknown"
    lines = [
        f"label:     {details.label}",
        f"language:  {details.language_name} ({details.language}, {SCOPE_TEXT.get(details.scope, details.scope)})"
        + (f", part of macrolanguage {details.macrolanguage}" if details.macrolanguage else ""),
        f"script:    {details.script_name} ({details.script})",
        f"group:     {_group(details)}",
        f"family:    {family}",
        f"genus:     {genus}",
    ]
    typer.echo("\n".join(lines))


def _group(details) -> str:
    if details.note:
        return f"none: {details.note}"
    return f"{'head' if details.head else 'tail'} ({'in' if details.head else 'not in'} XLM-R's pretraining languages)"


@app.command()
def detect(text: str = typer.Argument(..., help="Text to inspect.")) -> None:
    """Print the main script of a text (ISO 15924) and each script's share."""
    from glot500.languages import detect_script, script_shares

    shares = ", ".join(
        f"{script} {share:.2f}" for script, share in sorted(script_shares(text).items(), key=lambda kv: -kv[1])
    )
    typer.echo(f"{detect_script(text)}\t{shares}")
