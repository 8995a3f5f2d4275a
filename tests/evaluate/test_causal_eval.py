"""A tiny causal LM on every task type: finite scores or a clear error row; its likelihood is the exact one."""

from __future__ import annotations

import math

import pytest
import torch
from eval_helpers import LATIN, make_sentences, write_lines

from glot500.evaluate.config import EvalConfig
from glot500.evaluate.suite import TaskSpec, evaluate


@pytest.fixture(scope="module")
def causal_model(tiny_model, tmp_path_factory):
    from glot500.model.tiny import make_tiny_model

    return make_tiny_model(tiny_model, tmp_path_factory.mktemp("causal") / "llama", family="llama", seed=0)


def _tasks(root):
    verses = make_sentences(LATIN, 10, seed=21)
    for lang in ("deu_Latn", "fra_Latn", "yor_Latn"):
        write_lines(root / "bible" / lang / f"{lang}.txt", verses)
        write_lines(root / "bible" / lang / "eng_Latn.txt", verses)
        write_lines(root / "bible" / lang / "vref.txt", [f"GEN 1:{i}" for i in range(10)])
    rows = [f"{s}\t{'good' if i % 2 else 'bad'}" for i, s in enumerate(make_sentences(LATIN, 24, seed=22))]
    for split in ("train", "dev", "test"):
        write_lines(root / "topics" / "eng_Latn" / f"{split}.tsv", rows)
    write_lines(root / "topics" / "yor_Latn" / "test.tsv", rows[:8])
    conll = "river\tNOUN\nsong\tVERB\n\nstone\tNOUN\n"
    for split in ("train", "dev", "test"):
        write_lines(root / "pos" / "eng_Latn" / f"{split}.conll", [conll])
    write_lines(root / "pos" / "deu_Latn" / "test.conll", [conll])
    return [TaskSpec("retrieval", root / "bible"), TaskSpec("pseudo_perplexity", root / "bible"),
            TaskSpec("roundtrip", root / "bible"), TaskSpec("classification", root / "topics"),
            TaskSpec("tagging", root / "pos")]  # fmt: skip


def test_every_task_type_gives_finite_scores_or_a_clear_error_row(causal_model, tmp_path):
    config = EvalConfig(profile="cpu-small", layer=8, device="cpu", batch_size=8)
    rows = evaluate([str(causal_model)], _tasks(tmp_path), tmp_path / "out", config)
    by_task = {row.task: [] for row in rows}
    for row in rows:
        by_task[row.task].append(row)
    assert set(by_task) == {"retrieval", "pseudo_perplexity", "roundtrip", "classification", "tagging"}
    for task, task_rows in by_task.items():
        for row in task_rows:
            if row.is_error:
                assert row.error and row.value is None, (task, row)
            else:
                assert math.isfinite(row.value), (task, row)
        assert any(not row.is_error for row in task_rows), (task, [row.error for row in task_rows])


def test_causal_likelihood_is_the_models_exact_log_probability(causal_model):
    from glot500.evaluate.encoder import HFEncoder

    encoder = HFEncoder(str(causal_model), device="cpu", batch_size=4, progress=False)
    sentences = make_sentences(LATIN, 5, seed=3)
    scored = encoder.pseudo_log_likelihoods(sentences, batch_size=2)  # batched and padded
    tokenizer, model = encoder.tokenizer, encoder.model
    for sentence, item in zip(sentences, scored, strict=True):
        ids = [tokenizer.bos_token_id, *tokenizer(sentence, add_special_tokens=False)["input_ids"]]
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0].double()
        expected = torch.log_softmax(logits[:-1], -1).gather(1, torch.tensor(ids[1:])[:, None]).sum()
        assert item.log_prob == pytest.approx(float(expected), rel=1e-4)
        assert item.tokens == len(ids) - 1 and item.chars == len(sentence)


@pytest.mark.parametrize("family", ["modernbert", "bert", "qwen", "gemma"])
def test_every_family_scores_likelihood_and_embeddings(tiny_model, tmp_path, family):
    from glot500.evaluate.encoder import HFEncoder
    from glot500.model.tiny import make_tiny_model

    folder = make_tiny_model(tiny_model, tmp_path / family, family=family, hidden_size=32, intermediate_size=64)
    encoder = HFEncoder(str(folder), device="cpu", batch_size=4, progress=False)
    sentences = make_sentences(LATIN, 4, seed=5)
    scored = encoder.pseudo_log_likelihoods(sentences, batch_size=8)
    assert all(math.isfinite(item.log_prob) and item.log_prob < 0 and item.tokens > 0 for item in scored)
    vectors = encoder.embed(sentences, layer=8)  # past the depth: the family's default layer
    assert vectors.shape == (4, 32) and bool((vectors == vectors).all())
