"""File names and small readers shared by the vocabulary modules (the bottom layer of ``glot500.vocab``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError

SPM_FILE_NAME = "sentencepiece.bpe.model"  # XLM-R's name, although the model is unigram
TOKENIZER_JSON = "tokenizer.json"
TOKENIZER_CONFIG = "tokenizer_config.json"


def read_json_file(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; a one-line ``InputError`` naming the file if it is missing or not JSON."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(payload, dict):
        raise InputError(f"{path}: expected a JSON object, found {type(payload).__name__}")
    return payload
