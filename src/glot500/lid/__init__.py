"""fastText language identification with language-script labels; knows nothing of datatrove (docs/lid.md).

``LanguageIdentifier(path).predict(texts, k)`` loads the model lazily; ``train_lid(texts_by_label, output)``
trains one and reports precision/recall/F1 per label on held-out chunks (for a corpus folder:
``glot500.corpus.filters.train_lid_from_corpus``). ``script_detector()`` is a fast GlotScript-compatible
script detector. Names are imported on first use, so ``import glot500.lid`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "LanguageIdentifier": "glot500.lid.identifier",
    "LidTrainConfig": "glot500.lid.train",
    "ScriptDetector": "glot500.lid.script_detect",
    "detect_script_fast": "glot500.lid.script_detect",
    "script_detector": "glot500.lid.script_detect",
    "train_lid": "glot500.lid.train",
}
__all__ = [
    "LanguageIdentifier",
    "LidTrainConfig",
    "ScriptDetector",
    "detect_script_fast",
    "script_detector",
    "train_lid",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'glot500.lid' has no attribute {name!r}")
