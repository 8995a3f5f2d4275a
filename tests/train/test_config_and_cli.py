"""Config validation (every problem named with its key), the shipped YAML configs, and `glot500 train`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from train_fixtures import tiny_config_dict
from typer.testing import CliRunner

from glot500.core.errors import ConfigError
from glot500.train import load_train_config, train_config_from_dict

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_all_problems_are_reported_together(tmp_path):
    data = tiny_config_dict(tmp_path, tmp_path, tmp_path / "out")
    data["optim"]["lr"] = -1
    data["data"]["alpha"] = 2
    data["precision"] = "fp8"
    data["bogus"] = 1
    with pytest.raises(ConfigError) as error:
        train_config_from_dict(data)
    message = str(error.value)
    for key in ("optim.lr", "data.alpha", "precision", "bogus"):
        assert re.search(rf"^\s+{re.escape(key)}:", message, re.M), (key, message)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ({"checkpoint": "x", "scratch": {"size": "tiny"}, "tokenizer": "t"}, "exactly one of model.checkpoint"),
        ({}, "exactly one of model.checkpoint"),
        ({"scratch": {"size": "tiny"}}, "needs model.tokenizer"),
        ({"scratch": {"size": "huge"}, "tokenizer": "t"}, "model.scratch.size"),
    ],
)
def test_model_source_is_checked(tmp_path, model, expected):
    data = tiny_config_dict(tmp_path, tmp_path, tmp_path / "out")
    data["model"] = model
    with pytest.raises(ConfigError, match=re.escape(expected)):
        train_config_from_dict(data)


def test_global_batch_must_divide(tmp_path):
    data = tiny_config_dict(tmp_path, tmp_path, tmp_path / "out", micro_batch_size=3, global_batch_size=8)
    with pytest.raises(ConfigError, match="multiple of micro_batch_size"):
        train_config_from_dict(data)


@pytest.mark.parametrize("name", ["train-glot500-m.yaml", "train-tiny-cpu.yaml"])
def test_shipped_configs_validate_and_say_how_to_run(name):
    path = CONFIGS / name
    assert path.read_text(encoding="utf-8").startswith("# ")
    assert "glot500 train configs/" + name in path.read_text(encoding="utf-8").splitlines()[0]
    config = load_train_config(path)
    if name == "train-glot500-m.yaml":
        assert (config.global_batch_size, config.micro_batch_size, config.data.seq_len) == (384, 12, 512)
        assert (config.optim.lr, config.data.mask_prob, config.precision) == (5e-5, 0.15, "bf16")
        assert config.global_batch_size // (config.micro_batch_size * 8) == 4  # 8 GPUs x 12 x 4 accumulation


def test_cli_trains_then_continues_a_longer_run(corpus_dir, tokenizer_dir, tmp_path):
    from glot500.cli import app

    config = tiny_config_dict(corpus_dir, tokenizer_dir, tmp_path / "out", max_steps=3, checkpoint_every=3)
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["train", str(path)])
    assert first.exit_code == 0, first.output
    assert "trained 3 steps" in first.output
    assert (tmp_path / "out" / "final" / "model.safetensors").is_file()
    again = runner.invoke(app, ["train", str(path), "--max-steps", "4"])  # the same run, one step longer
    assert again.exit_code == 0, again.output
    assert "trained 4 steps" in again.output


def test_cli_reports_config_errors_and_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("output_dir: x\nmax_steps: 0\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "from glot500.cli import main; main()", "train", str(path)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert "max_steps" in done.stderr and "data: Field required" in done.stderr


def test_phases_add_up_to_max_steps(tmp_path):
    phases = [{"name": "rows", "steps": 3, "train": "new_rows", "lr": 1e-3}, {"steps": 5, "alpha": 0.5}]
    data = tiny_config_dict(tmp_path, tmp_path, tmp_path / "out", phases=phases)
    data.pop("max_steps")
    config = train_config_from_dict(data)
    assert config.max_steps == 8 and config.phases[1].lr is None  # None: optim.lr
    assert train_config_from_dict(config.model_dump(mode="json")) == config  # the resolved config reloads
    with pytest.raises(ConfigError, match=re.escape("max_steps (9) must equal the sum of phases[].steps (8)")):
        train_config_from_dict({**data, "max_steps": 9})
    with pytest.raises(ConfigError, match="max_steps: Field required"):
        train_config_from_dict({**data, "phases": []})


def test_phase_keys_are_checked(tmp_path):
    phases = [{"steps": 0, "train": "body", "head_floor": 1.0, "alpha": 0, "new_rows_lr_multiplier": -1, "x": 1}]
    data = tiny_config_dict(tmp_path, tmp_path, tmp_path / "out", phases=phases)
    data["data"]["head_floor"] = -0.1
    with pytest.raises(ConfigError) as error:
        train_config_from_dict(data)
    for key in ("steps", "train", "head_floor", "alpha", "new_rows_lr_multiplier", "x"):
        assert re.search(rf"^\s+phases\.0\.{key}:", str(error.value), re.M), (key, str(error.value))
    assert re.search(r"^\s+data\.head_floor:", str(error.value), re.M)


def test_cli_max_steps_must_match_the_phases(tmp_path):
    from glot500.cli import app

    config = tiny_config_dict(tmp_path, tmp_path, tmp_path / "out", phases=[{"steps": 2}, {"steps": 2}])
    config.pop("max_steps")
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(path), "--max-steps", "5"])  # main() turns it into exit 2
    assert isinstance(result.exception, ConfigError)
    assert "max_steps (5) must equal the sum of phases[].steps (4)" in str(result.exception)
