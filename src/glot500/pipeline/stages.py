"""Adapters from pipeline stages to each stage's Python API: build its typed config, call it, nothing more.

Every adapter merges what the pipeline supplies (input and output paths, languages, seed) into the stage's own
options from the YAML section and validates the result with the stage's own pydantic model, so config errors
carry the section's key. Each adapter calls its stage's API by a plain import; only the model extension is
imported when its stage runs (it loads torch, seconds that validating a config or a dry run should not pay).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from glot500.core.errors import InputError
from glot500.corpus.build import build_corpus
from glot500.evaluate.suite import evaluate
from glot500.pipeline.graph import Stage
from glot500.pipeline.runner import StageContext, StageKind
from glot500.report.build import build_report
from glot500.train import train
from glot500.vocab.merge import merge
from glot500.vocab.report import build_report as build_vocab_report
from glot500.vocab.train import train_vocab

logger = logging.getLogger(__name__)

PIPELINE_KEYS = ("languages", "seed")  # option keys the pipeline adds to a stage's own ones
_PLACEHOLDER = "/pipeline/placeholder"  # stands in for paths that exist only once upstream stages ran


def config_problems(model: type[BaseModel], data: dict[str, Any]) -> list[str]:
    """Every validation problem as ``"dotted.key: message"`` (empty when valid)."""
    try:
        model.model_validate(data)
    except ValidationError as error:
        return [
            f"{'.'.join(str(p) for p in problem['loc']) or '<root>'}: {problem['msg']}" for problem in error.errors()
        ]
    return []


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``override``'s keys set, recursing into nested mappings."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def own_options(stage: Stage) -> dict[str, Any]:
    return {key: value for key, value in stage.options.items() if key not in PIPELINE_KEYS}


def resolve_languages(spec: str | list[str], corpus: str | Path) -> list[str] | None:
    """``"all"`` -> ``None`` (every language of the corpus); ``"head"`` -> the corpus's head labels; a list as is."""
    if spec == "all":
        return None
    from glot500.corpus.reader import discover_languages
    from glot500.languages import is_head

    found = sorted(discover_languages(corpus))
    if spec == "head":
        chosen = [label for label in found if is_head(label)]
        if not chosen:
            raise InputError(f"{corpus}: no head language (XLM-R's) in the corpus to train a base on")
        return chosen
    missing = sorted(set(spec) - set(found))
    if missing:
        raise InputError(f"{corpus}: no data for {', '.join(missing)}")
    return list(spec)


# ---- udhr -------------------------------------------------------------------------------------------------
def run_udhr(ctx: StageContext) -> None:
    from glot500.pipeline.udhr import split_udhr

    options = ctx.stage.options
    split_udhr(
        ctx.inputs["udhr"] or None,
        ctx.out_dir,
        tuple(options["heldout_articles"]),
        options["reference"],
        options["ppl_sentences"],
        tuple(options["validation_articles"]) if options.get("validation_articles") else None,
    )


# ---- corpus -----------------------------------------------------------------------------------------------
def corpus_config(stage: Stage, inputs: list[str], out_dir: str) -> dict[str, Any]:
    from glot500.corpus.config import source_from_path

    sources = [source_from_path(str(path)).model_dump(exclude_none=True) for path in inputs]
    return {**own_options(stage), "sources": sources, "output": out_dir}


def validate_corpus(stage: Stage) -> list[str]:
    from glot500.corpus.config import CorpusConfig

    sources = [{"type": "text", "path": _PLACEHOLDER}]
    return config_problems(CorpusConfig, {**own_options(stage), "sources": sources, "output": _PLACEHOLDER})


def run_corpus(ctx: StageContext) -> None:
    from glot500.corpus.config import CorpusConfig

    config = CorpusConfig.model_validate(corpus_config(ctx.stage, ctx.inputs["input"], str(ctx.out_dir)))
    build_corpus(config)


# ---- vocabulary -------------------------------------------------------------------------------------------
def vocab_config(stage: Stage, corpus: str, out_dir: str) -> dict[str, Any]:
    """The vocab-train options plus corpus, output and languages (``head`` -> the vocab stage's head_only)."""
    options = own_options(stage)
    options.setdefault("seed", stage.options.get("seed", 0))
    languages = stage.options.get("languages", "all")
    if languages == "head":
        options["head_only"] = True
    elif languages != "all":
        options["languages"] = list(languages)
    return {**options, "corpus": corpus, "output": out_dir}


def validate_vocab_train(stage: Stage) -> list[str]:
    from glot500.vocab.config import VocabTrainConfig

    return config_problems(VocabTrainConfig, vocab_config(stage, _PLACEHOLDER, _PLACEHOLDER))


def run_vocab_train(ctx: StageContext) -> None:
    from glot500.vocab.config import VocabTrainConfig

    options = vocab_config(ctx.stage, str(ctx.inputs["corpus"]), str(ctx.out_dir))
    base = ctx.inputs.get("base")
    if isinstance(base, Path) and "family" not in options:
        # A local base tokenizer: train in its family. A hub name is merged as SentencePiece unigram (the
        # vocab_extend stage downloads its .model), which is what vocab train makes without ``like``.
        options["like"] = str(base)
    train_vocab(VocabTrainConfig.model_validate(options))


def validate_vocab_extend(stage: Stage) -> list[str]:
    unknown = sorted(set(own_options(stage)) - {"max_vocab_size", "model_max_length"})
    return [f"{key}: unknown option (known: max_vocab_size, model_max_length)" for key in unknown]


def run_vocab_extend(ctx: StageContext) -> None:
    # ``add`` is a vocab-train folder: merge reads its SentencePiece model or its tokenizer.json, by family.
    merge(str(ctx.inputs["base"]), ctx.inputs["add"], ctx.out_dir, **own_options(ctx.stage))


# ---- model extension --------------------------------------------------------------------------------------
MODEL_EXTEND_KEYS = ("init", "init_options")
CORPUS_INIT = "corpus-informed"  # the one init that reads the extension corpus (fastText over its pieces)


def init_strategies() -> tuple[str, ...]:
    """The model stage's init names (its own list, so a new strategy needs no change here)."""
    from glot500.model.init import INIT_STRATEGIES

    return tuple(INIT_STRATEGIES)


def validate_model_extend(stage: Stage) -> list[str]:
    options = own_options(stage)
    known = ", ".join(MODEL_EXTEND_KEYS)
    problems = [f"{key}: unknown option (known: {known})" for key in sorted(set(options) - set(MODEL_EXTEND_KEYS))]
    init = options.get("init", "mean")
    if init not in init_strategies():
        problems.append(f"init: {init!r} is not one of {', '.join(init_strategies())}")
    init_options = options.get("init_options")
    if init_options is None:
        return problems
    if init != CORPUS_INIT:
        problems.append(f"init_options: only init {CORPUS_INIT} takes options (init is {init!r})")
    elif not isinstance(init_options, dict):
        problems.append("init_options: expected a mapping of corpus-informed settings (e.g. {dim: 50})")
    else:
        from glot500.model.corpus_init import CorpusInitOptions

        problems.extend(f"init_options.{problem}" for problem in config_problems(CorpusInitOptions, init_options))
    return problems


def run_model_extend(ctx: StageContext) -> None:
    from glot500.model.extend import extend_model  # torch: imported when the stage runs

    options = own_options(ctx.stage)
    init = options.get("init", "mean")
    # Only corpus-informed reads the corpus (graph.py gives it the input then, so it is fingerprinted too).
    corpus = str(ctx.inputs["corpus"]) if init == CORPUS_INIT else None
    extend_model(
        str(ctx.inputs["base"]), str(ctx.inputs["tokenizer"]), init, ctx.out_dir, seed=ctx.stage.options["seed"],
        corpus=corpus, init_options=options.get("init_options"),
    )  # fmt: skip


# ---- training ---------------------------------------------------------------------------------------------
def train_config(stage: Stage, inputs: dict[str, Any], out_dir: str, languages: list[str] | None) -> dict[str, Any]:
    """The stage's train options plus what the pipeline owns: output, corpus, languages, start model."""
    options = own_options(stage)
    supplied: dict[str, Any] = {
        "output_dir": out_dir,
        "data": {"corpus": str(inputs["corpus"]), "languages": languages},
        "model": {},
    }
    if "model" in inputs:
        supplied["model"]["checkpoint"] = str(inputs["model"])
    if "tokenizer" in inputs:
        supplied["model"]["tokenizer"] = str(inputs["tokenizer"])
    options.setdefault("seed", stage.options.get("seed", 0))
    return deep_merge(options, supplied)


def validate_train(stage: Stage) -> list[str]:
    from glot500.train.config import TrainConfig

    placeholders = {role: _PLACEHOLDER for role in stage.inputs}
    return config_problems(TrainConfig, train_config(stage, placeholders, _PLACEHOLDER, None))


def run_train(ctx: StageContext) -> None:
    from glot500.train.config import train_config_from_dict

    languages = resolve_languages(ctx.stage.options.get("languages", "all"), ctx.inputs["corpus"])
    config = train_config_from_dict(train_config(ctx.stage, ctx.inputs, str(ctx.out_dir), languages))
    train(config)


# ---- evaluation and report --------------------------------------------------------------------------------
def model_inputs(inputs: dict[str, Any]) -> dict[str, str]:
    """``{model name: path or hub name}`` from the ``model:<name>`` inputs."""
    return {role.split(":", 1)[1]: str(value) for role, value in inputs.items() if role.startswith("model:")}


def validate_evaluate(stage: Stage) -> list[str]:
    from glot500.evaluate.config import EvalConfig

    return config_problems(EvalConfig, own_options(stage))


def task_specs(paths: list[Any], extras: bool) -> list[Any]:
    """Task specs of each path: a task folder itself, or a folder of task folders (like ``data/tasks``)."""
    from glot500.evaluate.data import detect_task_type
    from glot500.evaluate.suite import TaskSpec, discover_tasks

    specs: list[Any] = []
    for path in map(Path, paths):
        task_type = detect_task_type(path)
        if task_type is None:
            specs.extend(discover_tasks(path, extras=extras))
            continue
        specs.append(TaskSpec(task_type, path))
        if extras and task_type == "retrieval":
            specs.append(TaskSpec("pseudo_perplexity", path))
    return specs


class NamedEncoder:
    """An encoder whose rows carry the stage's name (base, glot, control) instead of its folder's path.

    Everything else is the wrapped encoder's: it still loads from its path (e.g. to fine-tune a copy).
    """

    def __init__(self, encoder: Any, name: str) -> None:
        self._encoder = encoder
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._encoder, attribute)


def run_evaluate(ctx: StageContext) -> None:
    from glot500.evaluate.config import EvalConfig

    config = EvalConfig.model_validate(own_options(ctx.stage))
    models = model_inputs(ctx.inputs)
    specs = task_specs(ctx.inputs["tasks"], config.suite_extras)

    def named_encoder(name: str, config: EvalConfig) -> Any:
        from glot500.evaluate.encoder import HFEncoder

        # progress=False: one bar per language folder (hundreds of one-batch bars) says less than the log.
        encoder = HFEncoder(
            models[name], device=config.device, batch_size=config.batch_size, max_length=config.max_length,
            progress=False,
        )  # fmt: skip
        return NamedEncoder(encoder, name)

    evaluate(list(models), specs, ctx.out_dir, config, encoder_factory=named_encoder)


def vocab_report_config(stage: Stage, inputs: dict[str, Any], out_dir: str) -> dict[str, Any]:
    tokenizers = {role.split(":", 1)[1]: str(path) for role, path in inputs.items() if role.startswith("tokenizer:")}
    heldout = {"heldout": str(inputs["heldout"])} if "heldout" in inputs else {}
    return {**own_options(stage), "tokenizers": tokenizers, "corpus": str(inputs["corpus"]), "output": out_dir,
            **heldout}  # fmt: skip


def validate_vocab_report(stage: Stage) -> list[str]:
    from glot500.vocab.config import VocabReportConfig

    placeholders = {role: _PLACEHOLDER for role in stage.inputs}
    return config_problems(VocabReportConfig, vocab_report_config(stage, placeholders, _PLACEHOLDER))


def run_vocab_report(ctx: StageContext) -> None:
    from glot500.vocab.config import VocabReportConfig

    build_vocab_report(VocabReportConfig.model_validate(vocab_report_config(ctx.stage, ctx.inputs, str(ctx.out_dir))))


def validate_report(stage: Stage) -> list[str]:
    from glot500.report.config import ReportConfig

    return config_problems(ReportConfig, own_options(stage))


def run_report(ctx: StageContext) -> None:
    from glot500.report.config import ReportConfig

    config = ReportConfig.model_validate(own_options(ctx.stage))
    corpus = ctx.inputs.get("corpus")
    stats = Path(corpus) / "stats.json" if corpus is not None else None
    build_report(
        Path(ctx.inputs["results"]) / "results.jsonl",
        stats if stats is not None and stats.is_file() else None,
        ctx.out_dir,
        vocab_report=ctx.inputs.get("vocab_report"),
        corpus=corpus,
        config=config,
    )


def default_registry() -> dict[str, StageKind]:
    """The adapter of every stage kind :func:`glot500.pipeline.graph.build_stages` produces."""
    return {
        "udhr_split": StageKind(run_udhr),
        "corpus": StageKind(run_corpus, validate_corpus),
        "vocab_train": StageKind(run_vocab_train, validate_vocab_train),
        "vocab_extend": StageKind(run_vocab_extend, validate_vocab_extend),
        "model_extend": StageKind(run_model_extend, validate_model_extend),
        "train": StageKind(run_train, validate_train),
        "vocab_report": StageKind(run_vocab_report, validate_vocab_report),
        "evaluate": StageKind(run_evaluate, validate_evaluate),
        "report": StageKind(run_report, validate_report),
    }
