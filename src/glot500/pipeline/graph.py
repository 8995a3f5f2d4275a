"""The pipeline as a list of stages in run order, derived from a :class:`PipelineConfig`.

Stage names are folder names under the workdir and model names in the results (``base``, ``glot``,
``control``). Inputs are either references to another stage's output folder (``@stage`` or
``@stage/sub/path``) or external paths / hub names; only references make a stage depend on another.

    udhr -> corpus -> base_vocab -> base                    (or base.model: an existing checkpoint)
    corpus -> vocab;  base + vocab -> vocab_extend;  base + vocab_extend (+ corpus) -> model_extend -> glot
    base -> control (glot's training as one phase of the same steps)
    base, glot, control -> evaluate -> report (+ corpus stats, + vocab_report; + each model's recipe)
    base_vocab + vocab_extend + corpus -> vocab_report (fertility and <unk> share per language)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glot500.pipeline.config import PipelineConfig
from glot500.pipeline.recipes import control_train_options, model_recipes

InputValue = str | list[str]
TRAINED_MODEL = "final"  # the HF folder a train stage leaves in its output (glot500.train's layout)


@dataclass(frozen=True)
class Stage:
    """One step: a ``kind`` (the adapter that runs it), its own options, and its inputs by role."""

    name: str
    kind: str
    section: str  # the config key its options come from, so errors name it
    options: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, InputValue] = field(default_factory=dict)

    def upstream(self) -> list[str]:
        """Names of the stages whose outputs this stage reads."""
        names: list[str] = []
        for value in self.inputs.values():
            for item in [value] if isinstance(value, str) else value:
                if is_reference(item) and (name := reference_stage(item)) not in names:
                    names.append(name)
        return names


def is_reference(value: str) -> bool:
    return value.startswith("@")


def reference_stage(value: str) -> str:
    """``@stage/sub/path`` -> ``stage``."""
    return value[1:].split("/", 1)[0]


def build_stages(config: PipelineConfig) -> list[Stage]:
    """All stages the config asks for, in an order where every input comes before its reader."""
    stages: list[Stage] = []
    if config.udhr is not None:
        stages.append(Stage("udhr", "udhr_split", "udhr", config.udhr.model_dump(), {"udhr": config.udhr.dir or ""}))
    corpus_inputs: list[str] = list(config.corpus.input) or ["@udhr/text"]
    if config.corpus.build:
        stages.append(Stage("corpus", "corpus", "corpus", config.corpus.options(), {"input": corpus_inputs}))
        corpus_ref = "@corpus"
    else:
        corpus_ref = corpus_inputs[0]
    base_ref, base_tokenizer_ref = _add_base(stages, config, corpus_ref)
    if config.extend is not None:
        _add_extension(stages, config, corpus_ref, base_ref, base_tokenizer_ref)
    if config.evaluate is not None:
        stages.append(_evaluate_stage(config, stages, base_ref))
    if config.vocab_report is not None:
        tokenizers: dict[str, InputValue] = {"tokenizer:base": base_tokenizer_ref, "tokenizer:glot": "@vocab_extend"}
        if config.udhr is not None and config.udhr.validation_articles is not None:
            tokenizers["heldout"] = "@udhr/validation/retrieval_udhr"  # fertility on text the vocabulary never saw
        stages.append(
            Stage("vocab_report", "vocab_report", "vocab_report", config.vocab_report.options(),
                  {**tokenizers, "corpus": corpus_ref})
        )  # fmt: skip
    if config.report is not None:
        inputs: dict[str, InputValue] = {"results": "@evaluate", "corpus": corpus_ref}
        if config.vocab_report is not None:
            inputs["vocab_report"] = "@vocab_report"
        # Each model's recipe (init, phases, sampling) from this config; the section's own recipes win.
        options = config.report.options()
        options["recipes"] = {**model_recipes(config), **(options.get("recipes") or {})}
        stages.append(Stage("report", "report", "report", options, inputs))
    return stages


def _add_base(stages: list[Stage], config: PipelineConfig, corpus_ref: str) -> tuple[str, str]:
    """The base model's stages (when trained here); returns references (or names) of its model and tokenizer."""
    base = config.base
    if base.model is not None:
        return base.model, base.model
    assert base.vocab is not None and base.train is not None  # guaranteed by BaseSection's validator
    languages = {"languages": base.languages}
    stages.append(
        Stage(
            "base_vocab",
            "vocab_train",
            "base.vocab",
            {"seed": config.seed, **base.vocab.options(), **languages},
            {"corpus": corpus_ref},
        )
    )
    # From scratch: the train stage sizes a random model to the tokenizer (train options: model.scratch).
    stages.append(
        Stage(
            "base",
            "train",
            "base.train",
            {"seed": config.seed, **base.train.options(), **languages},
            {"tokenizer": "@base_vocab", "corpus": corpus_ref},
        )
    )
    return f"@base/{TRAINED_MODEL}", "@base_vocab"


def _add_extension(
    stages: list[Stage], config: PipelineConfig, corpus_ref: str, base_ref: str, base_tokenizer_ref: str
) -> None:
    extend = config.extend
    assert extend is not None
    languages = {"languages": extend.languages}
    stages.append(
        Stage(
            "vocab",
            "vocab_train",
            "extend.vocab",
            {"seed": config.seed, **extend.vocab.options(), **languages},
            # the new pieces are trained in the base tokenizer's family (unigram, BPE, byte-level BPE)
            {"corpus": corpus_ref, "base": base_tokenizer_ref},
        )
    )
    stages.append(
        Stage(
            "vocab_extend",
            "vocab_extend",
            "extend.tokenizer",
            extend.tokenizer.options(),
            {"base": base_tokenizer_ref, "add": "@vocab"},
        )
    )
    model_inputs: dict[str, InputValue] = {"base": base_ref, "tokenizer": "@vocab_extend"}
    if extend.model.options().get("init") == "corpus-informed":
        model_inputs["corpus"] = corpus_ref  # its piece vectors are trained on the extension corpus
    stages.append(
        Stage("model_extend", "model_extend", "extend.model", {"seed": config.seed, **extend.model.options()},
              model_inputs)
    )  # fmt: skip
    stages.append(
        Stage(
            "glot",
            "train",
            "extend.train",
            {"seed": config.seed, **extend.train.options(), **languages},
            {"model": "@model_extend", "corpus": corpus_ref},
        )
    )
    if config.control is not None and config.control.enabled:
        # Same training settings and steps as glot, but the base's own tokenizer, model and languages.
        control_languages = {"languages": config.base.languages}
        stages.append(
            Stage(
                "control",
                "train",
                "extend.train",
                {"seed": config.seed, **control_train_options(extend.train.options()), **control_languages},
                {"model": base_ref, "corpus": corpus_ref},
            )
        )


def _evaluate_stage(config: PipelineConfig, stages: list[Stage], base_ref: str) -> Stage:
    evaluate = config.evaluate
    assert evaluate is not None
    names = {stage.name for stage in stages}
    models: dict[str, str] = {"base": base_ref}
    for name in ("glot", "control"):
        if name in names:
            models[name] = f"@{name}/{TRAINED_MODEL}"
    udhr_tasks = "@udhr/tasks" if evaluate.split == "test" else "@udhr/validation"
    tasks = list(evaluate.tasks) + ([udhr_tasks] if "udhr" in names else [])
    inputs: dict[str, InputValue] = {f"model:{name}": ref for name, ref in models.items()}
    inputs.update({f"model:{ref}": ref for ref in evaluate.models})
    inputs["tasks"] = tasks
    return Stage("evaluate", "evaluate", "evaluate", evaluate.options(), inputs)
