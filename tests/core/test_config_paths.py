"""Missing input paths in configs: one line naming the key and the path (not a hub client's traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from glot500.core.config import StrictModel, check_named_paths, check_paths, looks_local
from glot500.core.errors import ConfigError


class _Inner(StrictModel):
    corpus: Path
    extra: list[Path] = []


class _Config(StrictModel):
    data: _Inner
    model: str | None = None


def test_missing_paths_are_listed_one_line_each(tmp_path):
    config = _Config(data=_Inner(corpus=tmp_path / "nope", extra=[tmp_path, tmp_path / "gone"]), model="runs/x/tok")
    with pytest.raises(ConfigError) as raised:
        check_paths(config, ["data.corpus", "data.extra"], hub_keys=["model"])
    assert str(raised.value).splitlines() == [
        f"data.corpus: {tmp_path / 'nope'} does not exist",
        f"data.extra[1]: {tmp_path / 'gone'} does not exist",
        "model: runs/x/tok does not exist",
    ]


def test_existing_paths_and_hub_ids_pass(tmp_path):
    check_paths(_Config(data=_Inner(corpus=tmp_path), model="cis-lmu/glot500-base"), ["data.corpus"], ["model"])
    check_paths(_Config(data=_Inner(corpus=tmp_path), model=None), ["data.corpus"], ["model"])


@pytest.mark.parametrize(("value", "local"), [("xlm-roberta-base", False), ("cis-lmu/glot500-base", False),
                                              ("runs/tiny/tokenizer", True), ("./tok", True), ("/abs", True),
                                              ("../up", True)])  # fmt: skip
def test_looks_local(value, local):
    assert looks_local(value) is local


def test_glot500_train_without_the_tokenizer_prints_one_line(tmp_path):
    (tmp_path / "corpus").mkdir()
    config = tmp_path / "train.yaml"
    config.write_text(
        f"output_dir: {tmp_path / 'out'}\ndata: {{corpus: {tmp_path / 'corpus'}}}\n"
        f"model: {{tokenizer: {tmp_path / 'runs/tiny/tokenizer'}, scratch: {{size: tiny}}}}\nmax_steps: 1\n"
    )
    done = subprocess.run([sys.executable, "-c", "from glot500.cli import main; main()", "train", str(config)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: model.tokenizer: {tmp_path / 'runs/tiny/tokenizer'} does not exist"


def test_named_paths_skip_hub_ids_and_unset_ones(tmp_path):
    check_named_paths({"base": "xlm-roberta-base", "tokenizer": tmp_path, "corpus": None}, hub_keys=["base"])
    with pytest.raises(ConfigError, match=f"^corpus: {tmp_path / 'c'} does not exist$"):
        check_named_paths({"base": "xlm-roberta-base", "corpus": tmp_path / "c"}, hub_keys=["base"])


def test_glot500_model_extend_with_a_missing_tokenizer_prints_one_line_before_any_hub_lookup(tmp_path):
    missing = tmp_path / "runs/tokenizer"
    done = subprocess.run([sys.executable, "-c", "from glot500.cli import main; main()", "model", "extend",
                           "--base", "xlm-roberta-base", "--tokenizer", str(missing), "--output", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: tokenizer: {missing} does not exist"
