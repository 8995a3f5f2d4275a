"""`glot500 report` as a user runs it (a real subprocess): options, outputs, errors, and no torch import."""

from __future__ import annotations

import subprocess
import sys

import pytest
from report_fixtures import BASE, SMALL

from glot500.core.results import ResultRow, write_results
from glot500.report import parse_model_size

# atexit runs after typer's sys.exit: it reports whether anything pulled torch in (the report reads files only)
_RUN = (
    "import atexit, sys; atexit.register(lambda: print('torch loaded' if 'torch' in sys.modules else 'no torch', "
    "file=sys.stderr)); from glot500.cli import main; main()"
)


def glot500(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, timeout=300)


def test_report_command_without_optional_inputs(tmp_path):
    rows = [
        ResultRow(
            model=model,
            task="classification",
            dataset="sib200",
            lang=lang,
            metric="accuracy",
            value=value,
            n=50,
            head=lang == "deu_Latn",
        )
        for model, offset in ((BASE, 0.0), (SMALL, 0.1))
        for lang, value in (("deu_Latn", 0.8), ("yor_Latn", 0.3), ("quy_Latn", 0.25))
        for value in [value + offset]
    ]
    results = write_results(rows, tmp_path / "results.jsonl")
    sizes = ["--model-size", f"{BASE}=278M", "--model-size", f"{SMALL}=0.56B"]
    config = tmp_path / "report.yaml"
    config.write_text(
        "# glot500 report RESULTS --config report.yaml -o out\ntitle: Tiny\nresamples: 200\n", encoding="utf-8"
    )
    recipes = [
        "--recipe",
        f'{SMALL}="subword-mean init; 2 phases; alpha 0.7 -> 0.3"',
        "--recipe",
        "xlm-roberta-base=given",
    ]
    result = glot500(
        "report", str(results), "--output", str(tmp_path / "out"), "--config", str(config), *sizes, *recipes
    )
    assert result.returncode == 0, result.stderr
    assert "no torch" in result.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<title>Tiny</title>" in page and "sib200 · accuracy (%)" in page
    markdown = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    # one row per model: head, tail and all, each as mean and median
    assert (
        "| classification: sib200 · accuracy (%) | 1/2 | xlm-roberta-base | 80.0 | 80.0 | 27.5 | 27.5 | 45.0 | 30.0 |"
        in markdown
    )
    assert (
        "| classification: sib200 · accuracy (%) | 1/2 | glot500-small | 90.0 | 90.0 | 37.5 | 37.5 | 55.0 | 40.0 |"
        in markdown
    )
    assert markdown.index("## Key findings") < markdown.index("## Overview")
    assert "No base model given" in markdown
    assert f"- glot500-small ({SMALL}) — recipe: subword-mean init; 2 phases; alpha 0.7 -> 0.3" in markdown
    assert (
        "recipe: subword-mean init; 2 phases; alpha 0.7 -&gt; 0.3" in page
        and "xlm-roberta-base — recipe: given" in page
    )
    assert "Gains over" not in markdown  # no base model given: no deltas
    assert f"{SMALL} = 560,000,000" in markdown


def test_recipe_specs():
    from glot500.report.config import parse_recipe

    assert parse_recipe('glot="init=focus; 2 phases"') == ("glot", "init=focus; 2 phases")
    for bad in ("glot", "=text", "glot="):
        with pytest.raises(ValueError, match="--recipe"):
            parse_recipe(bad)


def test_model_size_specs():
    assert parse_model_size("runs/a=b=395M") == ("runs/a=b", 395e6)
    assert parse_model_size("x=1.1B") == ("x", 1.1e9) and parse_model_size("x=270000") == ("x", 270000.0)
    for bad in ("x=lots", "395M", "=5"):
        with pytest.raises(ValueError, match="--model-size"):
            parse_model_size(bad)


def test_report_command_errors_are_one_clear_line(tmp_path):
    from report_fixtures import make_rows

    results = write_results(make_rows(), tmp_path / "results.jsonl")
    unknown = glot500("report", str(results), "--base", "nope", "-o", str(tmp_path / "out"))
    assert unknown.returncode == 2 and "base model 'nope' is not in the results" in unknown.stderr
    missing = glot500("report", str(tmp_path / "absent.jsonl"), "-o", str(tmp_path / "out"))
    assert missing.returncode == 2 and "results file not found" in missing.stderr
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"model": "m"}\n', encoding="utf-8")
    malformed = glot500("report", str(broken), "-o", str(tmp_path / "out"))
    assert malformed.returncode == 2 and f"{broken}:1" in malformed.stderr


def test_config_file_keys_are_checked(tmp_path):
    from glot500.core.config import load_config
    from glot500.core.errors import ConfigError
    from glot500.report import ReportConfig

    config = tmp_path / "report.yaml"
    config.write_text("titel: typo\nresamples: 10\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(ReportConfig, config)
    assert "titel" in str(error.value) and "resamples" in str(error.value)  # every problem, together


def test_report_rebuild_keeps_other_files_in_its_images_folder(tmp_path):
    rows = [
        ResultRow(model=model, task="classification", dataset="sib200", lang=lang, metric="accuracy", value=v, n=50)
        for model in (BASE, SMALL)
        for lang, v in (("deu_Latn", 0.8), ("yor_Latn", 0.3))
    ]
    results = write_results(rows, tmp_path / "results.jsonl")
    images = tmp_path / "out" / "images"
    (images / "mine").mkdir(parents=True)
    (images / "notes.txt").write_text("keep me", encoding="utf-8")
    (images / "mine" / "photo.png").write_bytes(b"keep me too")
    (images / "stale_figure.png").write_bytes(b"an earlier build's figure")
    result = glot500("report", str(results), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (images / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (images / "mine" / "photo.png").read_bytes() == b"keep me too"
    assert not (images / "stale_figure.png").exists()
    assert any(images.glob("*.png"))  # the new build's figures
