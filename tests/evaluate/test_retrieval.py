from __future__ import annotations

import logging
import random

import numpy as np
import pytest
import torch
from eval_helpers import CYRILLIC, LATIN, make_sentences, write_lines

from glot500.evaluate.config import EvalConfig
from glot500.evaluate.retrieval import RetrievalTask, top_k_hits


def test_top_k_hits_on_hand_made_vectors():
    queries = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    candidates = np.array([[0.0, 1.0], [0.0, 2.0], [1.0, 0.9]])  # query 0's gold is far, query 1's is nearest
    hits = top_k_hits(queries, candidates, (1, 2))
    assert hits[1] == [0.0, 1.0, 1.0]
    assert hits[2] == [0.0, 1.0, 1.0]
    assert top_k_hits(queries, candidates, (3,))[3] == [1.0, 1.0, 1.0]


def _retrieval_folder(root, lang, english, target):
    write_lines(root / lang / "eng_Latn.txt", english)
    write_lines(root / lang / f"{lang}.txt", target)


def test_identical_pairs_score_100_and_shuffled_pairs_near_chance(tmp_path, encoder):
    english = make_sentences(LATIN, 60, seed=3)
    shuffled = english[:]
    random.Random(0).shuffle(shuffled)
    _retrieval_folder(tmp_path, "deu_Latn", english, english)  # identical text: every query finds itself
    _retrieval_folder(tmp_path, "fra_Latn", english, shuffled)  # line i is some other sentence
    _retrieval_folder(tmp_path, "rus_Cyrl", english, make_sentences(CYRILLIC, 60, seed=4))
    task = RetrievalTask(EvalConfig(layer=2))
    rows = {(r.lang, r.metric): r for r in task.score(encoder, task.load(tmp_path))}
    assert rows[("deu_Latn", "top1")].value == 1.0
    assert rows[("deu_Latn", "top1")].items == [1.0] * 60
    assert rows[("deu_Latn", "top10")].n == 60
    # chance is 1/60 at top-1 and 1/6 at top-10
    assert rows[("fra_Latn", "top1")].value <= 0.1
    assert rows[("rus_Cyrl", "top1")].value <= 0.15
    assert rows[("rus_Cyrl", "top10")].value <= 0.45
    assert rows[("deu_Latn", "top1")].head and not rows[("deu_Latn", "top1")].error


def test_english_side_is_embedded_once(tmp_path, tiny_model, monkeypatch):
    from glot500.evaluate.encoder import HFEncoder

    encoder = HFEncoder(str(tiny_model), device="cpu", progress=False)
    english = make_sentences(LATIN, 20, seed=5)
    for seed, lang in enumerate(("deu_Latn", "fra_Latn", "spa_Latn"), start=30):
        _retrieval_folder(tmp_path, lang, english, make_sentences(LATIN, 20, seed=seed))
    embedded: list[str] = []
    original = encoder._embed_uncached
    monkeypatch.setattr(
        encoder, "_embed_uncached", lambda texts, layer: (embedded.extend(texts), original(texts, layer))[1]
    )
    task = RetrievalTask(EvalConfig(layer=1))
    task.score(encoder, task.load(tmp_path))
    assert sum(text in english for text in embedded) == len(english)  # not 3x


def test_embedding_is_masked_mean_of_the_layer_and_batching_does_not_change_it(encoder):
    sentences = ["river stone", "house light water green small bird song", "tree"]
    vectors = encoder.embed(sentences, layer=1)
    tokenizer, model = encoder.tokenizer, encoder.model
    for sentence, vector in zip(sentences, vectors, strict=True):
        ids = torch.tensor([tokenizer(sentence)["input_ids"]])
        with torch.no_grad():
            hidden = model.base_model(input_ids=ids, output_hidden_states=True).hidden_states[1][0]
        np.testing.assert_allclose(vector, hidden.mean(0).numpy(), atol=1e-5)


def test_layer_beyond_the_model_is_clipped_with_a_warning(encoder, caplog):
    with caplog.at_level(logging.WARNING):
        deep = encoder.embed(["river stone"], layer=8)
    assert "using layer 2" in caplog.text
    np.testing.assert_allclose(deep, encoder.embed(["river stone"], layer=2))
    assert not np.allclose(deep, encoder.embed(["river stone"], layer=1))


@pytest.mark.parametrize("batch_size", [1, 3])
def test_length_sorted_batches_keep_every_index(batch_size):
    from glot500.evaluate.batching import length_sorted_batches

    lengths = [5, 1, 9, 3, 3, 7, 2]
    batches = length_sorted_batches(lengths, batch_size)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths, reverse=True)
    assert all(len(b) <= batch_size for b in batches)
    assert length_sorted_batches(lengths, 10, max_tokens=18)[0] == [2, 5]  # 2 x 9 tokens fit, a third does not


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_bf16_cuda_embeddings_agree_with_cpu(tiny_model):
    from glot500.evaluate.encoder import HFEncoder

    sentences = make_sentences(LATIN, 40, seed=9)
    cpu = HFEncoder(str(tiny_model), device="cpu", progress=False).embed(sentences, 2)
    gpu = HFEncoder(str(tiny_model), device="cuda", progress=False).embed(sentences, 2)
    cosine = np.sum(cpu * gpu, 1) / (np.linalg.norm(cpu, axis=1) * np.linalg.norm(gpu, axis=1))
    assert cosine.min() > 0.99


def test_a_folder_named_with_a_collective_code_is_scored_like_any_other(tmp_path, encoder):
    """LASER's and Glot500's Tatoeba ship Berber as ``ber_Latn`` (an ISO 639-5 collective code): it used to be
    rejected as 'not a known ISO 639 language code' and the whole language was lost from the evaluation."""
    english = make_sentences(LATIN, 30, seed=7)
    _retrieval_folder(tmp_path, "ber_Latn", english, english)
    _retrieval_folder(tmp_path, "deu_Latn", english, english)
    task = RetrievalTask(EvalConfig(layer=2))
    rows = {(r.lang, r.metric): r for r in task.score(encoder, task.load(tmp_path))}
    assert rows[("ber_Latn", "top1")].value == rows[("deu_Latn", "top1")].value == 1.0
    assert not rows[("ber_Latn", "top1")].error and not rows[("ber_Latn", "top1")].head
