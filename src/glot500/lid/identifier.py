"""fastText language identification with language-script labels (GlotLID's ``__label__deu_Latn``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError, MissingDependencyError

LABEL_PREFIX = "__label__"
Prediction = list[tuple[str, float]]


class LanguageIdentifier:
    """A fastText LID model, loaded on first use so that instances are cheap to pickle and ship to workers.

    Args:
        model_path: a fastText supervised ``.bin`` whose labels are language-scripts (GlotLID, or
            :func:`glot500.lid.train_lid`).
    """

    def __init__(self, model_path: str | Path) -> None:
        self.model_path = Path(model_path)
        self._model: Any = None
        self._labels: frozenset[str] | None = None

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = _load_fasttext(self.model_path)
        return self._model

    @property
    def labels(self) -> frozenset[str]:
        """The labels the model can predict, without fastText's ``__label__`` prefix."""
        if self._labels is None:
            self._labels = frozenset(_strip(label) for label in self.model.get_labels())
        return self._labels

    def predict(self, texts: Sequence[str], k: int = 1) -> list[Prediction]:
        """The ``k`` most likely labels of each text with their probabilities, most likely first."""
        if not texts:
            return []
        # fastText reads one line per prediction: a newline inside a text is an error there.
        lines = [text.replace("\n", " ").replace("\r", " ") for text in texts]
        labels, probabilities = self.model.predict(lines, k=k)
        return [
            [(_strip(label), min(float(prob), 1.0)) for label, prob in zip(row_labels, row_probs, strict=True)]
            for row_labels, row_probs in zip(labels, probabilities, strict=True)
        ]

    def __getstate__(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "_model": None, "_labels": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"LanguageIdentifier({str(self.model_path)!r})"


def _strip(label: str) -> str:
    return label[len(LABEL_PREFIX) :] if label.startswith(LABEL_PREFIX) else label


def _load_fasttext(path: Path) -> Any:
    try:
        import fasttext
    except ImportError as error:  # pragma: no cover - a hard dependency, kept for a clear message
        raise MissingDependencyError("fastText is missing: pip install fasttext-numpy2-wheel") from error
    if not path.is_file():
        raise InputError(f"LID model not found: {path} (give a fastText .bin, e.g. GlotLID's model.bin)")
    try:
        return fasttext.load_model(str(path))
    except ValueError as error:
        raise InputError(f"{path}: not a fastText model ({error})") from None
