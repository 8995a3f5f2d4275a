"""Load and save language models of every supported family with their tokenizer: safetensors only, no remote code.

``load_model`` (and ``load_mlm``, for masked LMs only) accepts a local HF folder (ours, or a downloaded XLM-R) or, when online, a hub name such as
``xlm-roberta-base``. Folders holding only pickle weights (``pytorch_model.bin``) are refused: unpickling can
run arbitrary code, so we ask the user to convert them instead of loading them silently.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError

logger = logging.getLogger(__name__)

SAFETENSORS_NAMES = ("model.safetensors", "model.safetensors.index.json")
PICKLE_NAMES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


def _looks_like_path(name_or_path: str) -> bool:
    """A hub id is ``name`` or ``org/name``; anything else (``./x``, ``/a/b``, ``a/b/c``, ``~``) is a path."""
    return name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1 or "\\" in name_or_path


def _check_local_folder(folder: Path) -> None:
    """Raise a clear ``InputError`` for a missing folder or one without safetensors weights."""
    if not folder.exists():
        raise InputError(f"model folder {folder} does not exist: give a folder written by save_mlm or a hub name")
    if not folder.is_dir():
        raise InputError(f"{folder} is a file, not a model folder (expected config.json + model.safetensors)")
    if not (folder / "config.json").is_file():
        raise InputError(f"{folder} has no config.json: not a Hugging Face model folder")
    if any((folder / name).is_file() for name in SAFETENSORS_NAMES):
        return
    pickles = [name for name in PICKLE_NAMES if (folder / name).is_file()]
    if pickles:
        raise InputError(
            f"{folder} holds only pickle weights ({', '.join(pickles)}); glot500 loads safetensors only. Convert them "
            "once in a trusted environment: AutoModelForMaskedLM.from_pretrained(dir).save_pretrained(dir)"
        )
    raise InputError(f"{folder} has no model.safetensors weights")


def _resolve_dtype(dtype: Any) -> Any:
    """``None``/"auto" pass through; a name such as ``"bfloat16"`` becomes ``torch.bfloat16``."""
    if dtype is None or not isinstance(dtype, str) or dtype == "auto":
        return dtype
    import torch

    resolved = getattr(torch, dtype.removeprefix("torch."), None)
    if not isinstance(resolved, torch.dtype):
        raise InputError(f"unknown dtype {dtype!r}: use float32, bfloat16 or float16")
    return resolved


def load_model(name_or_path: str | Path, dtype: Any = None) -> tuple[Any, Any]:
    """Load ``(model, tokenizer)`` of any supported family (see :mod:`glot500.model.families`), safetensors only.

    The family is read from ``config.json`` before any weight is loaded: a masked LM comes back as
    ``AutoModelForMaskedLM``, a causal LM as ``AutoModelForCausalLM``.

    Args:
        name_or_path: local HF folder, or a hub id (needs network or the HF cache).
        dtype: ``None`` (float32 as saved by HF), a ``torch.dtype`` or its name (``"bfloat16"``).

    Raises:
        InputError: missing folder, no config, pickle-only or unreadable (e.g. truncated) weights, an
            unsupported architecture (``UnsupportedModelError``), or a hub name that cannot be fetched.
    """
    from transformers import AutoConfig, AutoTokenizer

    from glot500.model.families import family_of

    name = str(name_or_path)
    local = Path(name).expanduser()
    if local.exists() or isinstance(name_or_path, Path) or _looks_like_path(name):
        _check_local_folder(local)
        name = str(local)
    try:
        config = AutoConfig.from_pretrained(name, trust_remote_code=False)
    except (OSError, ValueError, KeyError) as err:  # hub miss, offline, a model_type transformers does not know
        raise InputError(f"cannot load model {name!r}: {err}".splitlines()[0]) from err
    family = family_of(config)
    kwargs: dict[str, Any] = {"use_safetensors": True, "trust_remote_code": False}
    if dtype is not None:
        kwargs["dtype"] = _resolve_dtype(dtype)
    try:
        model = family.auto_class().from_pretrained(name, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=False)
    except OSError as err:  # hub miss, offline mode, no safetensors on the hub
        raise InputError(f"cannot load {family.objective} LM {name!r}: {err}".splitlines()[0]) from err
    except Exception as err:  # safetensors' own error (truncated or corrupt file) is no OSError
        if "safetensor" not in type(err).__module__.lower() and "header" not in str(err).lower():
            raise
        raise InputError(f"{name}: the safetensors weights cannot be read ({err}); the file is truncated or "
                         "corrupt: copy or save it again".splitlines()[0]) from err  # fmt: skip
    logger.info("loaded %s (%s): vocab %d, %s", name, family.name, model.config.vocab_size, model.dtype)
    return model, tokenizer


def load_mlm(name_or_path: str | Path, dtype: Any = None) -> tuple[Any, Any]:
    """:func:`load_model` for masked LMs (XLM-R, BERT, ModernBERT): a causal LM is refused with an ``InputError``."""
    model, tokenizer = load_model(name_or_path, dtype)
    from glot500.model.families import family_of

    if family_of(model.config).is_causal:
        raise InputError(f"{name_or_path} is a causal LM ({model.config.model_type}): a masked LM is needed here")
    return model, tokenizer


def save_mlm(model: Any, tokenizer: Any, out_dir: str | Path) -> Path:
    """Save model (safetensors) and tokenizer into one HF folder that ``load_mlm`` reads back.

    The tokenizer's SentencePiece file (``sentencepiece.bpe.model``), which transformers 5 no longer writes, is
    copied too when the tokenizer was loaded with one: the folder can then be the base of another merge.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    spm_file = getattr(tokenizer, "vocab_file", None) or Path(str(tokenizer.name_or_path)) / "sentencepiece.bpe.model"
    if spm_file and str(spm_file).endswith(".model") and Path(spm_file).is_file():
        target = out_dir / Path(spm_file).name
        if not (target.exists() and target.samefile(spm_file)):
            shutil.copy(spm_file, target)
    return out_dir


save_model = save_mlm  # one writer for every family: safetensors + tokenizer (+ its SentencePiece file)
