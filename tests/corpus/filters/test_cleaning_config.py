"""CleaningConfig validation and build_cleaning_filters: order, switches, exclusion writers, pickling."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import yaml
from datatrove.pipeline.filters.base_filter import BaseFilter

from glot500.core.config import load_config, validate_config
from glot500.core.errors import ConfigError
from glot500.corpus.filters import STEP_NAMES, CleaningConfig, build_cleaning_filters


def test_defaults_build_the_cheap_steps_in_order() -> None:
    filters = build_cleaning_filters(CleaningConfig())
    assert [f.name for f in filters] == [
        "script_consistency",
        "length",
        "special_characters",
        "character_repetition",
        "word_repetition",
    ]
    assert all(isinstance(f, BaseFilter) for f in filters)


def test_every_step_can_be_enabled_and_gets_its_exclusion_writer(tmp_path: Path) -> None:
    (tmp_path / "tasks" / "t" / "eng_Latn").mkdir(parents=True)
    config = CleaningConfig.model_validate(
        {
            "script": {"action": "relabel"},
            "lid": {"enabled": True, "model": str(tmp_path / "model.bin"), "threshold": 0.7},
            "decontamination": {"enabled": True, "task_dirs": [str(tmp_path / "tasks")], "ngram": 8},
        }
    )
    requested: list[str] = []
    writers = {}

    def factory(step: str):
        requested.append(step)
        writers[step] = object()
        return writers[step]

    filters = build_cleaning_filters(config, factory)
    assert [f.name for f in filters] == list(STEP_NAMES) == requested
    assert all(f.exclusion_writer is writers[f.name] for f in filters)
    lid, decontamination = filters[-2], filters[-1]
    assert lid.threshold == 0.7 and decontamination.ngram == 8 and filters[0].action == "relabel"


def test_steps_can_be_switched_off() -> None:
    config = CleaningConfig.model_validate({"length": {"enabled": False}, "script": {"enabled": False}})
    assert [f.name for f in build_cleaning_filters(config)] == [
        "special_characters",
        "character_repetition",
        "word_repetition",
    ]


def test_validation_lists_every_problem_with_its_key() -> None:
    data = {
        "lid": {"enabled": True},
        "decontamination": {"enabled": True},
        "special_characters": {"max_ratio": 1.5},
        "word_repetition": {"ngrams": 5},
        "script": {"action": "rename"},
    }
    with pytest.raises(ConfigError) as error:
        validate_config(CleaningConfig, data, "cleaning.yaml")
    message = str(error.value)
    for expected in (
        "lid: Value error, lid.enabled needs lid.model",
        "decontamination: Value error, decontamination.enabled needs decontamination.task_dirs",
        "special_characters.max_ratio",
        "word_repetition.ngrams: Extra inputs are not permitted",
        "script.action",
    ):
        assert expected in message


def test_yaml_round_trip_and_filters_pickle_for_workers(tmp_path: Path) -> None:
    path = tmp_path / "cleaning.yaml"
    path.write_text(yaml.safe_dump({"character_repetition": {"max_ratio": 0.2, "roots_exact": True}}))
    config = load_config(CleaningConfig, path)
    assert config.character_repetition.max_ratio == 0.2 and config.character_repetition.roots_exact
    assert CleaningConfig.model_validate(config.model_dump(mode="json")) == config
    clones = pickle.loads(pickle.dumps(build_cleaning_filters(config)))
    assert clones[3].max_ratio == 0.2
