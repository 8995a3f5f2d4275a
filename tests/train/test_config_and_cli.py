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
