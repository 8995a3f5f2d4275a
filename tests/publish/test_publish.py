"""``glot500 publish``: a Hub-ready folder that transformers loads and whose card huggingface_hub parses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from publish_fixtures import BASE_HUB_ID, HEAD, RECIPE, TAIL

import glot500
from glot500.publish import publish


def _card(folder: Path):
    from huggingface_hub import ModelCard

    return ModelCard.load(folder / "README.md")


def test_a_published_run_loads_and_its_card_parses(run_dir, tmp_path):
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    out = tmp_path / "hub"
    published = publish(run_dir, out, license="mit")
    names = {p.name for p in out.iterdir()}
    assert {"README.md", "config.json", "model.safetensors", "tokenizer.json"} <= names
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in names) and "README.md" in published.files
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForMaskedLM.from_pretrained(out)
    encoded = tokenizer("river stone", return_tensors="pt")
    assert model(**encoded).logits.shape[-1] == model.config.vocab_size

    card = _card(out)
    data = card.data
    assert data.language == ["bo", "de", "en", "mhr", "quy", "yo"]  # ISO 639-1 where one exists, else 639-3
    assert data.base_model == BASE_HUB_ID and data.license == "mit" and data.pipeline_tag == "fill-mask"
    assert data.library_name == "transformers"
    results = {(r.dataset_type, r.dataset_config, r.metric_type): r.metric_value for r in data.eval_results}
    assert results[("ppl_udhr", "tail", "ppl_per_char")] == pytest.approx(5.5)  # median of 4, 5, 6, 20
    assert results[("ppl_udhr", "head", "ppl_per_char")] == pytest.approx(3.2)
    assert results[("udhr", "tail", "top10")] == pytest.approx(45.0)  # percent
    text = card.text
    assert all(f"`{lang}`" in text for lang in HEAD + TAIL) and "zzz_Latn" not in text  # the full lang_Script list
    assert RECIPE in text and "UDHR in Unicode" in text and "| other |" in text  # recipe, source and its licence
    assert "tail median 0.58× the base's (4 languages; better in 75%, 3/4)" in text  # 5.5 / 9.5: the report's findings
    limitations = text.split("## Limitations")[1]
    assert (
        "bod_Tibt (2.5×)" in limitations
        and "At chance on udhr · top10 (1 language scoring no better than guessing): yor_Latn" in limitations
    )


def test_a_model_folder_with_results_and_base_given(tiny_model, run_dir, tmp_path):
    out = tmp_path / "hub"
    publish(tiny_model, out, base_model="org/base-model", results=run_dir / "evaluate", results_model="glot",
            results_base="base", corpus=run_dir / "corpus", name="tiny-glot")  # fmt: skip
    card = _card(out)
    assert card.data.base_model == "org/base-model" and card.data.license == "other"
    assert card.data.model_name == "tiny-glot" and "\n# tiny-glot\n" in card.text
    assert len(card.data.eval_results) == 4


def test_without_results_the_card_still_parses(tiny_model, tmp_path):
    publish(tiny_model, tmp_path / "hub", license="apache-2.0")
    card = _card(tmp_path / "hub")
    assert card.data.license == "apache-2.0" and card.data.base_model is None and not card.data.eval_results
    assert "No evaluation results were given." in card.text


# as a user runs it (a real subprocess); atexit runs after sys.exit and says whether anything pulled torch in
_RUN = (
    "import atexit, sys; atexit.register(lambda: print('torch loaded' if 'torch' in sys.modules else 'no torch', "
    "file=sys.stderr)); from glot500.cli import main; main()"
)


class _Done:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.exit_code = done.returncode
        lines = done.stderr.strip().splitlines()
        self.torch = lines[-1] if lines else ""
        self.output = "\n".join(lines[:-1])


def _cli(*args: str) -> _Done:
    env = {**os.environ, "PYTHONPATH": str(Path(glot500.__file__).parents[1]), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-c", _RUN, "publish", *args]
    return _Done(subprocess.run(command, capture_output=True, text=True, env=env, timeout=300))


def _one_error_line(done: _Done, reason: str) -> bool:
    return (
        done.exit_code == 2 and done.output.startswith("error: ") and "\n" not in done.output and reason in done.output
    )


def test_bad_inputs_are_one_line_and_exit_2(run_dir, tmp_path):
    missing = _cli(str(tmp_path / "nowhere"), "--output", str(tmp_path / "o1"))
    assert _one_error_line(missing, "nowhere: not found")

    weights = run_dir / "glot" / "final" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])  # truncated
    corrupt = _cli(str(run_dir), "--output", str(tmp_path / "o2"))
    assert _one_error_line(corrupt, "model.safetensors: not a readable safetensors file")
    assert not (tmp_path / "o2").exists()  # nothing written before the inputs are checked

    weights.unlink()
    (run_dir / "glot" / "final" / "pytorch_model.bin").write_bytes(b"pickle")
    pickled = _cli(str(run_dir), "--output", str(tmp_path / "o3"))
    assert _one_error_line(pickled, "no *.safetensors weights") and "pytorch_model.bin" in pickled.output


def test_corrupt_results_and_a_full_output_folder(run_dir, tmp_path):
    results = run_dir / "evaluate" / "results.jsonl"
    results.write_text(results.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    bad = _cli(str(run_dir), "--output", str(tmp_path / "o1"))
    assert _one_error_line(bad, "results.jsonl:25: not a valid result row")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine", encoding="utf-8")
    full = _cli(str(run_dir), "--output", str(tmp_path / "full"), "--results", str(tmp_path / "none.jsonl"))
    assert _one_error_line(full, "full: not empty")
    assert (tmp_path / "full" / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_the_command_publishes_without_importing_torch(run_dir, tmp_path):
    done = _cli(str(run_dir), "--output", str(tmp_path / "hub"), "--license", "mit")
    assert done.exit_code == 0, done.output
    assert done.torch == "no torch"  # publishing copies files: torch is not needed
    assert (tmp_path / "hub" / "README.md").is_file() and (tmp_path / "hub" / "model.safetensors").is_file()


def test_a_run_that_trained_its_own_base_has_no_base_model(run_dir, tmp_path):
    import json

    record = run_dir / "model_extend" / ".glot500-stage.json"
    record.write_text(json.dumps({"inputs": {"base": "@base/final"}}), encoding="utf-8")
    publish(run_dir, tmp_path / "hub", license="mit")
    card = _card(tmp_path / "hub")
    assert card.data.base_model is None
    assert "extended from a base model trained from scratch in the same run (stage 'base')" in card.text
