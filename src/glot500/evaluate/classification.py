"""Text classification (Taxi1500, SIB-200): fine-tune on English train, select on English dev, zero-shot test.

Macro-F1 is computed over a language's WHOLE test set with scikit-learn (Glot500's script averaged it per
batch, which is not macro-F1); accuracy rows carry per-sentence hits for bootstrapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glot500.core.results import ResultRow
from glot500.evaluate.base import RowMaker, TaskData, load_languages, load_training_splits, score_each_language
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import read_labels, read_tsv
from glot500.evaluate.encoder import Encoder
from glot500.evaluate.finetune import Feature, fine_tune, predict_logits


@dataclass
class LabelledTexts:
    texts: list[str]
    labels: list[str]


def classification_scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Macro-F1 (scikit-learn, over the labels present in gold or predictions) and accuracy."""
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "macro_f1": float(f1_score(gold, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(gold, predicted)),
    }


def chance_scores(gold: list[str], n_classes: int) -> dict[str, float]:
    """What guessing scores on ``gold``: the better of a uniform guess over ``n_classes`` (expected accuracy
    ``1/C``; expected F1 of class c ``2 p_c / (C p_c + 1)``, ``p_c`` its share in gold) and always predicting the
    majority class (accuracy ``p_max``; macro-F1 ``2 p_max / (1 + p_max)`` averaged over the gold classes)."""
    if not gold or n_classes < 1:
        return {"macro_f1": 0.0, "accuracy": 0.0}
    shares = [gold.count(label) / len(gold) for label in sorted(set(gold))]
    majority = max(shares)
    uniform_f1 = sum(2 * p / (n_classes * p + 1) for p in shares) / max(n_classes, len(shares))
    majority_f1 = 2 * majority / (1 + majority) / len(shares)
    return {"macro_f1": max(uniform_f1, majority_f1), "accuracy": max(1 / n_classes, majority)}


class ClassificationTask:
    task_type = "classification"
    metrics = ("macro_f1", "accuracy")
    higher_is_better = True

    def __init__(self, config: EvalConfig | None = None) -> None:
        self.config = config or EvalConfig()

    def load(self, folder: Path) -> TaskData:
        folder = Path(folder)
        labels = read_labels(folder)

        def read_split(path: Path) -> LabelledTexts:
            return LabelledTexts(*read_tsv(path, labels))

        data = load_languages(folder, lambda lang_dir, lang: read_split(lang_dir / "test.tsv"))
        if load_training_splits(data, self.config.train_lang, read_split, ".tsv"):
            data.extra["labels"] = labels or sorted(set(data.extra["train"].labels))
        return data

    def score(self, encoder: Encoder, data: TaskData) -> list[ResultRow]:
        rows = RowMaker(self, encoder.name, data)
        if data.extra.get("task_error"):
            return score_each_language(self, encoder, data, self.config, lambda lang, _: [])
        cfg = self.config.finetune("classification")
        labels: list[str] = data.extra["labels"]
        model, tokenizer = encoder.finetunable("sequence", len(labels))
        device = str(next(model.parameters()).device)
        label_id = {label: i for i, label in enumerate(labels)}

        def encode(texts: LabelledTexts, limit: int | None) -> list[Feature]:
            ids = tokenizer(texts.texts[:limit], truncation=True, max_length=cfg.max_length)["input_ids"]
            return [Feature(i, label_id[y]) for i, y in zip(ids, texts.labels[:limit], strict=False)]

        def predict(texts: LabelledTexts) -> list[str]:
            logits = predict_logits(model, encode(texts, None), tokenizer.pad_token_id, device, cfg.eval_batch_size)
            return [labels[int(np.argmax(row))] for row in logits]

        dev = LabelledTexts(
            data.extra["dev"].texts[: cfg.max_dev_examples], data.extra["dev"].labels[: cfg.max_dev_examples]
        )
        fine_tune(
            model,
            encode(data.extra["train"], cfg.max_train_examples),
            lambda _: classification_scores(dev.labels, predict(dev))["macro_f1"],
            cfg,
            tokenizer.pad_token_id,
            device,
        )

        def score_one(lang: str, test: LabelledTexts) -> list[ResultRow]:
            predicted = predict(test)
            scores = classification_scores(test.labels, predicted)
            hits = [float(p == g) for p, g in zip(predicted, test.labels, strict=True)]
            chance = chance_scores(test.labels, len(labels))
            return [
                rows.value(lang, "macro_f1", scores["macro_f1"], len(hits), chance=chance["macro_f1"]),
                rows.value(lang, "accuracy", scores["accuracy"], len(hits), items=hits, chance=chance["accuracy"]),
            ]

        return score_each_language(self, encoder, data, self.config, score_one)
