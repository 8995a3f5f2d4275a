"""The extension's new options through the pipeline: corpus-informed init reads the corpus, phases and the head
floor reach glot's training (the control gets one phase of the same steps), each model's recipe reaches the
report, and bad options are listed with their keys before any work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from glot500.core.errors import ConfigError
from glot500.pipeline import load_pipeline
from glot500.pipeline.config import load_pipeline_config
from glot500.pipeline.graph import build_stages
from glot500.pipeline.stages import default_registry, run_model_extend, train_config

PHASES = [
    {"name": "rows", "steps": 6, "train": "new_rows", "lr": 5e-3, "alpha": 0.7, "head_floor": 0.5},
    {"name": "all", "steps": 10, "train": "all", "lr": 1e-3, "alpha": 0.3},
]


def config_data(root: Path, **extend_model: Any) -> dict[str, Any]:
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for label in ("eng_Latn", "quc_Latn"):
        (corpus / f"{label}.txt").write_text("a b c\n", encoding="utf-8")
    train: dict[str, Any] = {
        "model": {"scratch": {"size": "tiny", "hidden_size": 32, "num_layers": 1, "num_heads": 2}},
        "data": {"seq_len": 32, "alpha": 0.3}, "max_steps": 8, "device": "cpu",
    }  # fmt: skip
    return {
        "workdir": str(root / "work"),
        "corpus": {"input": [str(corpus)], "build": False},
        "base": {"languages": "head", "vocab": {"vocab_size": 100}, "train": train},
        "extend": {
            "vocab": {"vocab_size": 200, "alpha": 0.3},
            "model": {"init": "corpus-informed", **extend_model},
            "train": {
                **train,
                "model": {},
                "max_steps": None,
                "phases": PHASES,
                "data": {"seq_len": 32, "head_floor": 0.2},
            },
        },  # fmt: skip
        "control": {"enabled": True},
        "evaluate": {"tasks": [], "profile": "cpu-small"},
        "report": {"base": "base"},
    }


def write(root: Path, data: dict[str, Any]) -> Path:
    path = root / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def stages_of(root: Path, data: dict[str, Any]) -> dict[str, Any]:
    return {stage.name: stage for stage in build_stages(load_pipeline_config(write(root, data)))}


def test_corpus_informed_init_reads_the_pipelines_corpus_and_other_inits_do_not(tmp_path: Path) -> None:
    data = config_data(tmp_path, init_options={"dim": 8, "epoch": 1})
    stages = stages_of(tmp_path, data)
    corpus = str(tmp_path / "corpus")
    assert stages["model_extend"].inputs == {"base": "@base/final", "tokenizer": "@vocab_extend", "corpus": corpus}
    data["extend"]["model"] = {"init": "subword-mean"}
    assert "corpus" not in stages_of(tmp_path, data)["model_extend"].inputs

    seen: dict[str, Any] = {}

    def fake_extend(base: str, tokenizer: str, init: str, output: Path, **kwargs: Any) -> None:
        seen.update(base=base, init=init, **kwargs)

    from glot500.model import extend as extend_module
    from glot500.pipeline.runner import StageContext

    stage = stages["model_extend"]
    context = StageContext(stage, tmp_path / "out", {"base": "B", "tokenizer": "T", "corpus": Path(corpus)}, tmp_path)
    original = extend_module.extend_model
    extend_module.extend_model = fake_extend  # the adapter looks the API up at call time
    try:
        run_model_extend(context)
    finally:
        extend_module.extend_model = original
    assert seen == {"base": "B", "init": "corpus-informed", "seed": 0, "corpus": corpus,
                    "init_options": {"dim": 8, "epoch": 1}}  # fmt: skip


def test_phases_and_head_floor_reach_glot_and_the_control_gets_one_phase_of_the_same_steps(tmp_path: Path) -> None:
    from glot500.train.config import TrainConfig

    stages = stages_of(tmp_path, config_data(tmp_path))
    placeholders = {"model": "/m", "corpus": "/c"}
    glot = TrainConfig.model_validate(train_config(stages["glot"], placeholders, "/out", None))
    assert [(p.name, p.steps, p.train, p.head_floor) for p in glot.phases] == [
        ("rows", 6, "new_rows", 0.5), ("all", 10, "all", None)
    ]  # fmt: skip
    assert glot.max_steps == 16 and glot.data.head_floor == 0.2
    control = TrainConfig.model_validate(train_config(stages["control"], placeholders, "/out", None))
    assert control.phases == [] and control.max_steps == 16  # new_rows has nothing to train in the base
    assert control.data.head_floor == 0.0 and "head_floor" not in stages["control"].options["data"]
    assert stages["control"].options["languages"] == "head"


def test_each_models_recipe_reaches_the_report_and_the_config_may_override_one(tmp_path: Path) -> None:
    data = config_data(tmp_path)
    recipes = stages_of(tmp_path, data)["report"].options["recipes"]
    assert set(recipes) == {"base", "glot", "control"}
    assert "from scratch" in recipes["base"] and "8 steps" in recipes["base"]
    glot = recipes["glot"]
    for expected in ("init corpus-informed", "2 phases", "6 steps, new rows only, lr 0.005, alpha 0.7, head floor 0.5",
                     "10 steps, all parameters, lr 0.001, alpha 0.3, head floor 0.2"):  # fmt: skip
        assert expected in glot, glot
    assert "16 steps" in recipes["control"] and "phase" not in recipes["control"]
    data["extend"]["train"] |= {"phases": [PHASES[1]], "model": {"dropout": 0.0}, "precision": "bf16"}
    recipes = stages_of(tmp_path, data)["report"].options["recipes"]
    assert "1 phase of 8 x 32 tokens, dropout 0, bf16: phase 1 all 10 steps" in recipes["glot"], recipes["glot"]
    assert "10 steps of 8 x 32 tokens, dropout 0, bf16, lr" in recipes["control"], recipes["control"]  # like with like
    data["report"]["recipes"] = {"glot": "my own words"}
    recipes = stages_of(tmp_path, data)["report"].options["recipes"]
    assert recipes["glot"] == "my own words" and "from scratch" in recipes["base"]


def test_bad_extension_options_are_all_listed_with_their_keys(tmp_path: Path) -> None:
    data = config_data(tmp_path, init_options={"dimm": 8, "epoch": 0})
    data["extend"]["model"]["initt"] = "x"
    data["extend"]["train"]["phases"][0]["train"] = "rows"
    with pytest.raises(ConfigError) as error:
        load_pipeline(write(tmp_path, data), registry=default_registry())
    message = str(error.value)
    for expected in (
        "extend.model.initt: unknown option (known: init, init_options)",
        "extend.model.init_options.dimm: Extra inputs are not permitted",
        "extend.model.init_options.epoch: Input should be greater than or equal to 1",
        "extend.train.phases.0.train: Input should be 'all', 'new_rows' or 'lora'",
    ):
        assert expected in message, message

    data = config_data(tmp_path, init_options={"dim": 8})
    data["extend"]["model"]["init"] = "random"
    with pytest.raises(ConfigError, match=r"extend.model.init_options: only init corpus-informed takes options"):
        load_pipeline(write(tmp_path, data), registry=default_registry())
