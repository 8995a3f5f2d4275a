from __future__ import annotations

import random

import pytest
from eval_helpers import write_lines

from glot500.evaluate.classification import ClassificationTask, classification_scores
from glot500.evaluate.config import EvalConfig, FinetuneConfig
from glot500.evaluate.finetune import IGNORE
from glot500.evaluate.tagging import TaggingTask, first_subword_labels, tagging_scores

FAST = FinetuneConfig(
    epochs=4, learning_rate=2e-3, batch_size=8, gradient_accumulation=1, max_length=32, seed=0, eval_batch_size=16
)


def test_classification_macro_f1_is_over_the_whole_test_set():
    gold = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "c", "c"]
    # by hand: F1(a) = 2*1*(2/3)/(1+2/3) = 0.8; F1(b) = 0.5; F1(c) = 2*0.5*1/1.5 = 2/3
    scores = classification_scores(gold, predicted)
    assert scores["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert scores["accuracy"] == pytest.approx(4 / 6)
    # Glot500's script averaged per batch: batches of 2 would give a different number
    per_batch = [classification_scores(gold[i : i + 2], predicted[i : i + 2])["macro_f1"] for i in (0, 2, 4)]
    assert sum(per_batch) / 3 != pytest.approx(scores["macro_f1"])


def test_ner_f1_agrees_with_seqeval_and_pos_with_scikit_learn():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "I-ORG"]]
    predicted = [["B-PER", "I-PER", "O", "O"], ["O", "B-ORG", "O"]]
    # entities: gold {PER, LOC, ORG}, predicted {PER, ORG(1 token)}: 1 correct -> P=1/2, R=1/3, F1=0.4
    assert tagging_scores(gold, predicted, bio=True)["f1"] == pytest.approx(0.4)
    gold_pos = [["NOUN", "VERB", "NOUN"], ["DET", "NOUN"]]
    pred_pos = [["NOUN", "NOUN", "NOUN"], ["DET", "VERB"]]
    scores = tagging_scores(gold_pos, pred_pos, bio=False)
    assert scores["accuracy"] == pytest.approx(3 / 5)
    # F1(NOUN) = 2*(2/3)*(2/3)/(4/3) = 2/3, F1(VERB) = 0, F1(DET) = 1
    assert scores["macro_f1"] == pytest.approx((2 / 3 + 0 + 1) / 3)


def test_labels_go_on_the_first_subword_only():
    word_ids = [None, 0, 0, 1, 2, 2, 2, None]
    assert first_subword_labels(word_ids, [5, 6, 7]) == [IGNORE, 5, IGNORE, 6, 7, IGNORE, IGNORE, IGNORE]


def _classification_folder(root):
    rng = random.Random(0)
    filler = ["river", "stone", "house", "light", "water", "green", "small", "bird"]

    def examples(n):
        rows = []
        for _ in range(n):
            label = rng.choice(["good", "bad"])
            words = rng.sample(filler, 3) + [label] + rng.sample(filler, 2)
            rows.append(f"{' '.join(words)}\t{label}")
        return rows

    write_lines(root / "labels.txt", ["bad", "good"])
    write_lines(root / "eng_Latn" / "train.tsv", examples(96))
    write_lines(root / "eng_Latn" / "dev.tsv", examples(24))
    write_lines(root / "eng_Latn" / "test.tsv", examples(40))
    write_lines(root / "deu_Latn" / "test.tsv", examples(40))
    write_lines(root / "fra_Latn" / "test.tsv", ["river stone good\tgreat"])  # a label not in labels.txt
    (root / "spa_Latn").mkdir()  # no test.tsv


@pytest.mark.slow
def test_classification_learns_from_english_and_reports_bad_languages(tmp_path, encoder):
    _classification_folder(tmp_path)
    task = ClassificationTask(EvalConfig(classification=FAST))
    rows = {(r.lang, r.metric): r for r in task.score(encoder, task.load(tmp_path))}
    assert rows[("eng_Latn", "accuracy")].value >= 0.9  # the label word is in the sentence
    assert rows[("deu_Latn", "macro_f1")].value >= 0.85 and rows[("deu_Latn", "macro_f1")].n == 40
    assert len(rows[("deu_Latn", "accuracy")].items) == 40
    assert "not in labels.txt" in rows[("fra_Latn", "macro_f1")].error
    assert "test.tsv: file missing" in rows[("spa_Latn", "accuracy")].error
    assert rows[("spa_Latn", "accuracy")].value is None


def test_classification_without_english_training_data_fails_every_language(tmp_path, encoder):
    write_lines(tmp_path / "deu_Latn" / "test.tsv", ["a b\tx"])
    task = ClassificationTask(EvalConfig(classification=FAST))
    rows = task.score(encoder, task.load(tmp_path))
    assert {r.metric for r in rows} == {"macro_f1", "accuracy"}
    assert all("no usable eng_Latn training data" in r.error for r in rows)


def _tagging_folder(root):
    rng = random.Random(1)
    nouns, verbs = ["river", "stone", "house", "bird", "tree"], ["song", "light", "fire"]

    def sentences(n):
        blocks = []
        for _ in range(n):
            words = [rng.choice(nouns + verbs) for _ in range(rng.randint(3, 6))]
            blocks.append("\n".join(f"{w}\t{'NOUN' if w in nouns else 'VERB'}" for w in words))
        return "\n\n".join(blocks) + "\n"

    for split, n in (("train", 96), ("dev", 16), ("test", 30)):
        (root / "eng_Latn").mkdir(parents=True, exist_ok=True)
        (root / "eng_Latn" / f"{split}.conll").write_text(sentences(n), encoding="utf-8")
    (root / "deu_Latn").mkdir()
    (root / "deu_Latn" / "test.conll").write_text(sentences(30), encoding="utf-8")
    (root / "fra_Latn").mkdir()
    (root / "fra_Latn" / "test.conll").write_text("river NOUN\n", encoding="utf-8")  # no tab


@pytest.mark.slow
def test_pos_tagging_learns_and_reports_malformed_files(tmp_path, encoder):
    _tagging_folder(tmp_path)
    task = TaggingTask(EvalConfig(tagging=FAST))
    rows = {(r.lang, r.metric): r for r in task.score(encoder, task.load(tmp_path))}
    assert rows[("deu_Latn", "accuracy")].value >= 0.9
    assert len(rows[("deu_Latn", "accuracy")].items) == rows[("deu_Latn", "accuracy")].n
    assert 0 <= rows[("deu_Latn", "macro_f1")].value <= 1
    assert "test.conll:1: expected 'token<TAB>tag'" in rows[("fra_Latn", "accuracy")].error
    assert rows[("fra_Latn", "macro_f1")].error


def test_ner_tag_sets_are_scored_with_entity_f1(tmp_path, encoder):
    text = "river\tB-LOC\nstone\tI-LOC\nbird\tO\n\nhouse\tB-PER\ntree\tO\n"
    for lang in ("eng_Latn", "deu_Latn"):
        (tmp_path / lang).mkdir()
        for split in ("train", "dev", "test"):
            (tmp_path / lang / f"{split}.conll").write_text(text, encoding="utf-8")
    task = TaggingTask(EvalConfig(profile="cpu-small"))
    rows = task.score(encoder, task.load(tmp_path))
    assert {(r.lang, r.metric) for r in rows} == {("eng_Latn", "f1"), ("deu_Latn", "f1")}
    assert all(r.error is None and 0 <= r.value <= 1 for r in rows)
