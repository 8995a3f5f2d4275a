"""Language-ID verification: drop chunks a fastText model confidently assigns to another language-script.

Also :func:`train_lid_from_corpus`, which trains such a model on a corpus folder (``lid`` cannot read
corpora itself: it sits below ``corpus`` in the import layers).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from glot500.corpus.filters.base import ChunkFilter, FilterResult, label_of
from glot500.corpus.filters.measures import char_profile
from glot500.languages import macrolanguage, scripts_match
from glot500.lid import LanguageIdentifier
from glot500.lid.train import LidTrainConfig, train_lid


class LanguageIdFilter(ChunkFilter):
    """Drops a chunk when the model predicts a different label with probability >= ``threshold``.

    Policy:
        * a low-confidence disagreement keeps the chunk (close relatives share vocabulary; weak evidence
          against a source's label is not enough);
        * the same language in a matching script agrees (``cmn_Hans`` predicted ``cmn_Hani``);
        * with ``macrolanguage_match`` a prediction of the label's macrolanguage, or of another member of it,
          in a matching script, agrees (``arb_Arab`` text predicted ``ara_Arab`` is kept);
        * a chunk without letters (digits, signs) is kept unverified, counted as ``kept_no_letters``: fastText
          gives empty input a confident label;
        * a chunk whose label the model does not know cannot be verified: it is kept and counted in the
          step's stats as ``kept_unknown_label`` (``unknown_labels="drop"`` drops it as ``lid_unknown_label``).
    """

    name = "lid"

    def __init__(
        self,
        model_path: str | Path,
        threshold: float = 0.9,
        unknown_labels: Literal["keep", "drop"] = "keep",
        macrolanguage_match: bool = True,
        max_chars: int | None = 1000,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 512,
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.identifier = LanguageIdentifier(model_path)
        self.threshold = threshold
        self.unknown_labels = unknown_labels
        self.macrolanguage_match = macrolanguage_match
        self.max_chars = max_chars
        self._known_labels: dict[str, bool] = {}
        self._by_language: dict[str, list[str]] | None = None

    def filter(self, doc: Document) -> FilterResult:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[FilterResult]:
        results: list[FilterResult] = [True] * len(batch)
        to_check: list[int] = []
        profile = char_profile([doc.text for doc in batch])
        letters = (profile.lengths - profile.special).tolist()
        for index, doc in enumerate(batch):
            if letters[index] == 0:  # fastText answers confidently on empty input: nothing to verify here
                self.notes["kept_no_letters"] += 1
            elif self._known(label_of(doc)):
                to_check.append(index)
            elif self.unknown_labels == "drop":
                results[index] = (False, "lid_unknown_label")
            else:
                self.notes["kept_unknown_label"] += 1
        texts = [batch[index].text[: self.max_chars] for index in to_check]
        predictions = self.identifier.predict(texts, k=1)
        for index, prediction in zip(to_check, predictions, strict=True):
            results[index] = self._judge(batch[index], *prediction[0])
        return results

    def _known(self, label: str) -> bool:
        """Whether the model can confirm ``label``: it has that language in a matching script."""
        known = self._known_labels.get(label)
        if known is None:
            known = self._known_labels[label] = any(
                same_label(label, model_label) for model_label in self._labels_by_language().get(_lang(label), ())
            )
        return known

    def _labels_by_language(self) -> dict[str, list[str]]:
        if self._by_language is None:
            self._by_language = {}
            for model_label in self.identifier.labels:
                self._by_language.setdefault(_lang(model_label), []).append(model_label)
        return self._by_language

    def _judge(self, doc: Document, predicted: str, probability: float) -> FilterResult:
        label = label_of(doc)
        if probability < self.threshold or same_label(label, predicted):
            return True
        if self.macrolanguage_match and same_macrolanguage(label, predicted):
            return True
        doc.metadata["lid_prediction"] = predicted
        doc.metadata["lid_probability"] = round(probability, 4)
        return False, "lid_mismatch"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_known_labels"], state["_by_language"] = {}, None  # rebuilt from the model in the worker
        return state


def _lang(label: str) -> str:
    return label.partition("_")[0]


@lru_cache(maxsize=65536)
def same_label(label: str, predicted: str) -> bool:
    """Same language, scripts that match (``cmn_Hans`` and ``cmn_Hani``; ``jpn_Jpan`` and ``jpn_Hira``)."""
    lang, _, script = label.partition("_")
    other, _, other_script = predicted.partition("_")
    return lang == other and _scripts_agree(script, other_script)


@lru_cache(maxsize=65536)
def same_macrolanguage(label: str, predicted: str) -> bool:
    """Matching scripts, and one language is the other's macrolanguage or both belong to the same one."""
    lang, _, script = label.partition("_")
    other, _, other_script = predicted.partition("_")
    if not _scripts_agree(script, other_script):
        return False
    lang_macro, other_macro = macrolanguage(lang), macrolanguage(other)
    return lang_macro == other or other_macro == lang or (lang_macro is not None and lang_macro == other_macro)


def _scripts_agree(script: str, other: str) -> bool:
    return script == other or scripts_match(script, other) or scripts_match(other, script)


def train_lid_from_corpus(corpus_dir: str | Path, output: str | Path, config: LidTrainConfig | None = None) -> dict:
    """Train a language-ID model on a corpus folder (``DIR/data/<label>/*.parquet`` or ``<label>.txt`` files).

    Labels are the corpus's language-scripts; texts are read lazily, at most ``config.max_per_label`` each.
    Returns the report of :func:`glot500.lid.train.train_lid`.
    """
    from glot500.corpus.reader import discover_languages, iter_texts

    config = config or LidTrainConfig()
    languages = discover_languages(corpus_dir)
    texts = {label: iter_texts(files, limit=config.max_per_label) for label, files in languages.items()}
    return train_lid(texts, output, config, source=str(corpus_dir))
