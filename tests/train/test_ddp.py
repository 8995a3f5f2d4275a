"""Two CPU processes (gloo, launched by torchrun: DDP, and FSDP2) against one process, same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from train_fixtures import tiny_config_dict

from glot500.train import train, train_config_from_dict
from glot500.train.metrics import read_metrics

# dropout draws differ per process; the data and the maths must not
COMMON = {"max_steps": 6, "micro_batch_size": 4, "global_batch_size": 16, "checkpoint_every": 3}


@pytest.fixture(scope="module")
def single_process(corpus_dir, tokenizer_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("single")
    config = tiny_config_dict(corpus_dir, tokenizer_dir, out, model={"dropout": 0.0}, **COMMON)
    return train(train_config_from_dict(config))


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["ddp", "fsdp"])
def test_two_processes_match_one(corpus_dir, tokenizer_dir, tmp_path, single_process, strategy):
    config = tiny_config_dict(
        corpus_dir, tokenizer_dir, tmp_path / "two", model={"dropout": 0.0}, distributed=strategy, **COMMON
    )
    config_path = tmp_path / "two.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    glot500 = Path(sys.executable).parent / "glot500"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "--no-python", str(glot500), "train", str(config_path)]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert done.returncode == 0, done.stderr[-3000:]

    records = read_metrics(tmp_path / "two")
    assert [r["step"] for r in records] == list(range(1, 7))
    for record in records:
        assert record["loss"] == pytest.approx(single_process.losses[record["step"]], rel=1e-5)
    manifest = json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert (manifest["world_size"], manifest["accumulation_steps"]) == (2, 2)

    from transformers import AutoModelForMaskedLM

    loaded = AutoModelForMaskedLM.from_pretrained(tmp_path / "two" / "final", use_safetensors=True)
    reference = single_process.model.state_dict()
    for name, tensor in loaded.state_dict().items():
        assert (tensor - reference[name]).abs().max() < 1e-5, name
