"""Sequence tagging (NER, POS): fine-tune on English, zero-shot on every language; label on the first subword.

Tag sets with ``B-``/``I-`` prefixes are scored as NER with seqeval's entity-level F1; other tag sets as
POS: token accuracy and scikit-learn's macro-F1 over tags. Words past the length limit get the fallback tag
(``O``, else the first label) and still count, so truncation never inflates a score.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glot500.core.results import ResultRow
from glot500.evaluate.base import RowMaker, TaskData, load_languages, load_training_splits, score_each_language
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import TaggedSentence, read_conll, read_labels
from glot500.evaluate.encoder import Encoder
from glot500.evaluate.finetune import IGNORE, Feature, fine_tune, predict_logits

NER_METRICS = ("f1",)
POS_METRICS = ("accuracy", "macro_f1")


def is_bio(labels: list[str]) -> bool:
    return any(label.startswith(("B-", "I-")) for label in labels)


def tagging_scores(gold: list[list[str]], predicted: list[list[str]], bio: bool) -> dict[str, float]:
    """NER: seqeval F1 over entities. POS: token accuracy and macro-F1 over tags (scikit-learn)."""
    if bio:
        from seqeval.metrics import f1_score

        return {"f1": float(f1_score(gold, predicted, zero_division=0))}
    from sklearn.metrics import accuracy_score, f1_score

    flat_gold = [tag for sentence in gold for tag in sentence]
    flat_pred = [tag for sentence in predicted for tag in sentence]
    return {
        "accuracy": float(accuracy_score(flat_gold, flat_pred)),
        "macro_f1": float(f1_score(flat_gold, flat_pred, average="macro", zero_division=0)),
    }


def first_subword_labels(word_ids: list[int | None], tags: list[int]) -> list[int]:
    """The word's tag on its first subword, ``IGNORE`` on the others and on special tokens."""
    labels, previous = [], None
    for word in word_ids:
        labels.append(tags[word] if word is not None and word != previous else IGNORE)
        previous = word
    return labels


class TaggingTask:
    task_type = "tagging"
    metrics = POS_METRICS
    higher_is_better = True

    def __init__(self, config: EvalConfig | None = None) -> None:
        self.config = config or EvalConfig()

    def load(self, folder: Path) -> TaskData:
        folder = Path(folder)
        labels = read_labels(folder)
        data = load_languages(folder, lambda lang_dir, lang: read_conll(lang_dir / "test.conll", labels))
        if load_training_splits(data, self.config.train_lang, lambda path: read_conll(path, labels), ".conll"):
            labels = labels or sorted({tag for sentence in data.extra["train"] for tag in sentence.tags})
            data.extra["labels"] = labels
        data.extra["metrics"] = NER_METRICS if labels and is_bio(labels) else POS_METRICS
        return data

    def score(self, encoder: Encoder, data: TaskData) -> list[ResultRow]:
        rows = RowMaker(self, encoder.name, data)
        if data.extra.get("task_error"):
            return score_each_language(self, encoder, data, self.config, lambda lang, _: [])
        cfg = self.config.finetune("tagging")
        labels: list[str] = data.extra["labels"]
        bio = is_bio(labels)
        fallback = "O" if "O" in labels else labels[0]
        label_id = {label: i for i, label in enumerate(labels)}
        model, tokenizer = encoder.finetunable("token", len(labels))
        device = str(next(model.parameters()).device)

        def encode(sentences: list[TaggedSentence]) -> tuple[list[Feature], list[list[int | None]]]:
            enc = tokenizer(
                [s.words for s in sentences], is_split_into_words=True, truncation=True, max_length=cfg.max_length
            )
            word_ids = [enc.word_ids(i) for i in range(len(sentences))]
            features = [
                Feature(enc["input_ids"][i], first_subword_labels(word_ids[i], [label_id.get(t, 0) for t in s.tags]))
                for i, s in enumerate(sentences)
            ]
            return features, word_ids

        def predict(sentences: list[TaggedSentence]) -> list[list[str]]:
            features, word_ids = encode(sentences)
            logits = predict_logits(model, features, tokenizer.pad_token_id, device, cfg.eval_batch_size)
            out = []
            for sentence, ids, scores in zip(sentences, word_ids, logits, strict=True):
                tags = [fallback] * len(sentence.words)
                for position, word in enumerate(ids):
                    if word is not None and (position == 0 or ids[position - 1] != word):
                        tags[word] = labels[int(np.argmax(scores[position]))]
                out.append(tags)
            return out

        dev = data.extra["dev"][: cfg.max_dev_examples]
        metric = NER_METRICS[0] if bio else "accuracy"
        train_features, _ = encode(data.extra["train"][: cfg.max_train_examples])
        fine_tune(
            model,
            train_features,
            lambda _: tagging_scores([s.tags for s in dev], predict(dev), bio)[metric],
            cfg,
            tokenizer.pad_token_id,
            device,
        )

        def score_one(lang: str, test: list[TaggedSentence]) -> list[ResultRow]:
            gold = [s.tags for s in test]
            predicted = predict(test)
            scores = tagging_scores(gold, predicted, bio)
            tokens = sum(len(tags) for tags in gold)
            if bio:
                return [rows.value(lang, "f1", scores["f1"], tokens)]
            hits = [float(p == g) for ps, gs in zip(predicted, gold, strict=True) for p, g in zip(ps, gs, strict=True)]
            return [
                rows.value(lang, "accuracy", scores["accuracy"], tokens, items=hits),
                rows.value(lang, "macro_f1", scores["macro_f1"], tokens),
            ]

        return score_each_language(self, encoder, data, self.config, score_one)
