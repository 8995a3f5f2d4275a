"""Copy a model folder's weights (safetensors only) and tokenizer files into the folder to publish.

Pickled weights (``pytorch_model.bin``, ``*.pt``, ``*.ckpt``) can run code when loaded, so they are never
published: a model folder without ``*.safetensors`` is refused with what to do. Every safetensors file is opened
(its header read, no tensor loaded) so a truncated or corrupt file is caught here, not by the people who download it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from glot500.core.errors import InputError
from glot500.publish.source import read_json

WEIGHT_SUFFIX = ".safetensors"
# model and tokenizer files a Hugging Face folder may hold (anything else, e.g. optimizer state, stays behind)
COPIED_NAMES = (
    "config.json",
    "generation_config.json",
    "model.safetensors.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "sentencepiece.bpe.model",
    "spiece.model",
    "tokenizer.model",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "chat_template.jinja",
)
PICKLED = ("pytorch_model.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl", "*.bin")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def check_model_dir(model_dir: Path) -> dict:
    """The model's ``config.json`` after checking that the folder can be published.

    Raises:
        InputError: no or a corrupt ``config.json``, no safetensors weights, a corrupt weights file, no tokenizer.
    """
    config = read_json(model_dir / "config.json", "the model's config.json")
    weights = sorted(model_dir.glob(f"*{WEIGHT_SUFFIX}"))
    if not weights:
        pickled = sorted({p.name for pattern in PICKLED for p in model_dir.glob(pattern)})
        hint = (
            f" (found pickled weights {', '.join(pickled)}: load the model and save it again with "
            "save_pretrained(..., safe_serialization=True))"
            if pickled
            else ""
        )
        raise InputError(f"{model_dir}: no *.safetensors weights to publish{hint}")
    for path in weights:
        check_safetensors(path)
    if not any((model_dir / name).is_file() for name in TOKENIZER_FILES):
        raise InputError(f"{model_dir}: no tokenizer (tokenizer.json or tokenizer_config.json) beside the weights")
    return config


def check_safetensors(path: Path) -> None:
    """Open the file's header (no tensor is loaded): a truncated or corrupt file raises :class:`InputError`."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as handle:
            if not list(handle.keys()):
                raise InputError(f"{path}: holds no tensors")
    except InputError:
        raise
    except Exception as error:  # safetensors raises its own error types for every kind of damage
        raise InputError(f"{path}: not a readable safetensors file: {error}") from None


def copy_model_files(model_dir: Path, out_dir: Path) -> list[str]:
    """Copy weights and tokenizer files into ``out_dir``; returns the names copied."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [p.name for p in sorted(model_dir.glob(f"*{WEIGHT_SUFFIX}"))]
    names += [name for name in COPIED_NAMES if (model_dir / name).is_file()]
    for name in names:
        shutil.copy2(model_dir / name, out_dir / name)
    return names
