"""Sentence retrieval as in Glot500: English sentences query the target language's sentences.

Each sentence is the mean of layer-8 hidden states over its attention mask; similarity is cosine (faiss inner
product on L2-normalised vectors). A query hits at k when its own translation is among the k nearest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glot500.core.results import ResultRow
from glot500.evaluate.base import RowMaker, TaskData, load_languages, score_each_language
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import ENGLISH, read_parallel
from glot500.evaluate.encoder import Encoder


@dataclass
class ParallelText:
    target: list[str]
    english: list[str]
    ids: list[str] | None


def top_k_hits(
    queries: np.ndarray, candidates: np.ndarray, k_values: tuple[int, ...] = (1, 10)
) -> dict[int, list[float]]:
    """Per query, 1.0 when candidate ``i`` (the gold of query ``i``) is among its ``k`` most cosine-similar.

    Args:
        queries: ``(n, hidden)``; candidates: ``(n, hidden)``, row ``i`` the translation of query ``i``.
    """
    import faiss

    queries = _normalised(queries)
    candidates = _normalised(candidates)
    index = faiss.IndexFlatIP(candidates.shape[1])
    index.add(candidates)
    depth = min(max(k_values), len(candidates))
    _, neighbours = index.search(queries, depth)  # (n, depth), best first
    gold = np.arange(len(queries))[:, None]
    return {k: (neighbours[:, :k] == gold).any(axis=1).astype(float).tolist() for k in k_values}


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class RetrievalTask:
    task_type = "retrieval"
    metrics = ("top1", "top10")
    higher_is_better = True

    def __init__(self, config: EvalConfig | None = None) -> None:
        self.config = config or EvalConfig()

    def load(self, folder: Path) -> TaskData:
        def read(lang_dir: Path, lang: str) -> ParallelText:
            return ParallelText(*read_parallel(lang_dir, lang, ENGLISH))

        return load_languages(Path(folder), read)

    def score(self, encoder: Encoder, data: TaskData) -> list[ResultRow]:
        rows = RowMaker(self, encoder.name, data)

        def score_one(lang: str, text: ParallelText) -> list[ResultRow]:
            queries = encoder.embed(text.english, self.config.layer, cache=True)  # shared English: embedded once
            candidates = encoder.embed(text.target, self.config.layer)
            hits = top_k_hits(queries, candidates, (1, 10))
            return [rows.value(lang, f"top{k}", float(np.mean(h)), len(h), items=h) for k, h in hits.items()]

        return score_each_language(self, encoder, data, self.config, score_one)
