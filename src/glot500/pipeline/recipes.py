"""Each model's recipe in one line (init, phases, sampling), from the pipeline config, for the report.

The report states how every model it compares was made; the pipeline knows that from its config, so it
writes the lines here and passes them as the report's ``recipes`` option. Only what the config says is
stated (defaults of the stages are named as such, not guessed), so a recipe is as true as the config.
"""

from __future__ import annotations

from typing import Any

from glot500.pipeline.config import PipelineConfig
from glot500.train.config import TrainConfig


def control_train_options(options: dict[str, Any]) -> dict[str, Any]:
    """The control's train options: glot's, as one phase of the same total steps.

    A ``new_rows`` phase has nothing to train in the base (it has no new rows), and a phase's language mix
    (alpha, head floor) is moot on head languages only, so the control runs ``optim``'s schedule over the
    phases' total steps, without ``data.head_floor``.
    """
    control = {key: value for key, value in options.items() if key != "phases"}
    if isinstance(control.get("data"), dict) and "head_floor" in control["data"]:
        # A floor for head languages is a no-op on head languages only: left out, so tuning it keeps the control.
        control["data"] = {key: value for key, value in control["data"].items() if key != "head_floor"}
    phases = options.get("phases") or []
    if phases:
        control["max_steps"] = sum(int(phase.get("steps", 0)) for phase in phases)
    return control


def model_recipes(config: PipelineConfig) -> dict[str, str]:
    """``{model name: recipe}`` for base, glot and control (those the config builds)."""
    recipes: dict[str, str] = {}
    base = config.base
    if base.model is not None:
        recipes["base"] = f"existing checkpoint {base.model}"
    elif base.vocab is not None and base.train is not None:
        vocab = base.vocab.options()
        recipes["base"] = (
            f"from scratch on {_languages(base.languages)}: {_vocab(vocab)}; {_train(base.train.options())}"
        )
    extend = config.extend
    if extend is None:
        return recipes
    model = extend.model.options()
    init = model.get("init", "mean")
    glot_train = extend.train.options()
    recipes["glot"] = (
        f"base extended to {_languages(extend.languages)}: {_vocab(extend.vocab.options())} merged into the "
        f"base's; new rows init {init}; {_train(glot_train)}"
    )
    if config.control is not None and config.control.enabled:
        recipes["control"] = (
            f"base continued on {_languages(base.languages)}, same total steps as glot, base tokenizer; "
            f"{_train(control_train_options(glot_train))}"
        )
    return recipes


def _languages(spec: str | list[str]) -> str:
    if spec == "head":
        return "the head languages (XLM-R's)"
    if spec == "all":
        return "every language of the corpus"
    return f"{len(spec)} languages"


def _vocab(options: dict[str, Any]) -> str:
    size = options.get("vocab_size")
    alpha = options.get("alpha")
    pieces = f"{size:,}-piece" if isinstance(size, int) else "a"
    return f"{pieces} SentencePiece" + (f" (alpha {alpha})" if alpha is not None else "")


def _train(options: dict[str, Any]) -> str:
    """Steps, batch, learning rate and sampling of a train section, phase by phase when it has phases."""
    data, optim = options.get("data") or {}, options.get("optim") or {}
    default_batch = TrainConfig.model_fields["global_batch_size"].default
    batch = f"{options.get('global_batch_size', default_batch)} x {data.get('seq_len', '?')} tokens"
    sampling = _sampling(data.get("alpha"), data.get("head_floor"))
    phases = options.get("phases") or []
    settings = _settings(options)
    if not phases:
        return f"{options.get('max_steps', '?')} steps of {batch}{settings}, lr {_lr(optim.get('lr'))}, {sampling}"
    parts = []
    for index, phase in enumerate(phases, 1):
        what = "new rows only" if phase.get("train") == "new_rows" else "all parameters"
        multiplier = phase.get("new_rows_lr_multiplier")
        lr = _lr(phase.get("lr", optim.get("lr"))) + (f" (new rows x{multiplier:g})" if multiplier else "")
        mix = _sampling(phase.get("alpha", data.get("alpha")), phase.get("head_floor", data.get("head_floor")))
        parts.append(f"phase {index} {phase.get('name') or ''} {phase.get('steps', '?')} steps, {what}, lr {lr}, {mix}")
    count = f"{len(phases)} phase" + ("s" if len(phases) > 1 else "")
    return f"{count} of {batch}{settings}: " + "; ".join(" ".join(part.split()) for part in parts)


def _settings(options: dict[str, Any]) -> str:
    """The settings that change what a step learns, when the config departs from the defaults."""
    model = options.get("model") or {}
    parts = [f"dropout {model['dropout']:g}"] if isinstance(model.get("dropout"), int | float) else []
    if options.get("precision") not in (None, "auto"):
        parts.append(str(options["precision"]))
    return "".join(f", {part}" for part in parts)


def _sampling(alpha: Any, head_floor: Any) -> str:
    text = f"alpha {alpha}" if alpha is not None else "alpha 0.3 (default)"
    return text + (f", head floor {head_floor}" if head_floor else "")


def _lr(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "default"
