"""Sentence retrieval as in Glot500: English sentences query the target language's sentences.

Each sentence is the mean of layer-8 hidden states over its attention mask; similarity is cosine (faiss inner
product on L2-normalised vectors; an exact torch top-k where faiss is not installed). A query hits at k when its
own translation is among the k nearest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glot500.core.results import ResultRow
from glot500.evaluate.base import RowMaker, TaskData, load_languages, score_each_language
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import ENGLISH, read_parallel
from glot500.evaluate.encoder import Encoder

logger = logging.getLogger(__name__)
_warned_no_faiss = False  # one log line per process, not one per language


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
    queries = _normalised(queries)
    candidates = _normalised(candidates)
    depth = min(max(k_values), len(candidates))
    neighbours = _nearest(queries, candidates, depth)  # (n, depth), best first
    gold = np.arange(len(queries))[:, None]
    return {k: (neighbours[:, :k] == gold).any(axis=1).astype(float).tolist() for k in k_values}


def _nearest(queries: np.ndarray, candidates: np.ndarray, depth: int) -> np.ndarray:
    """Indices of the ``depth`` highest inner products per query: faiss's exact flat index where installed."""
    try:
        import faiss
    except ImportError:  # e.g. a GPU machine without registry access: the exact search, done by torch
        return _nearest_torch(queries, candidates, depth)
    index = faiss.IndexFlatIP(candidates.shape[1])
    index.add(candidates)
    return index.search(queries, depth)[1]


def _nearest_torch(queries: np.ndarray, candidates: np.ndarray, depth: int, chunk: int = 1024) -> np.ndarray:
    """The same exact search as ``faiss.IndexFlatIP`` (float32 inner products, best first), in query chunks."""
    import torch

    global _warned_no_faiss
    if not _warned_no_faiss:
        logger.warning("faiss is not installed: retrieval uses an exact torch top-k instead (same neighbours)")
        _warned_no_faiss = True
    keys = torch.from_numpy(candidates)
    parts = [
        _faiss_order(torch.from_numpy(queries[start : start + chunk]) @ keys.T, depth).numpy()
        for start in range(0, len(queries), chunk)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, depth), dtype=np.int64)


def _faiss_order(scores, depth: int):
    """Per row, the ``depth`` candidates faiss's k-heap keeps, listed as it lists them.

    Only ties need care (duplicate sentences have equal scores, and a hit can hinge on which of them is kept):
    faiss scans candidates in index order and lets one in only when strictly better than its worst, and of tied
    worst ones it evicts the lowest index first. So of the candidates tied at the cut-off score ``t``, the ones
    seen before the ``depth``-th candidate scoring ``>= t`` got in, and the highest-indexed of those stay. Within
    equal scores faiss lists the higher index first.
    """
    import torch

    cut = torch.sort(scores, dim=1, descending=True).values[:, depth - 1 : depth]
    at_least = scores >= cut
    tied = scores == cut
    full_at = torch.argmax((at_least.cumsum(1) >= depth).int(), dim=1, keepdim=True)  # heap's worst reaches t
    positions = torch.arange(scores.shape[1]).unsqueeze(0)
    entered = tied & (positions <= full_at)
    room = depth - (scores > cut).sum(1, keepdim=True)
    stays = entered & (entered.flip(1).cumsum(1).flip(1) <= room)
    kept_scores = torch.where((scores > cut) | stays, scores, torch.tensor(float("-inf"), dtype=scores.dtype))
    kept = torch.sort(kept_scores, dim=1, descending=True, stable=True).indices[:, :depth]
    ascending = torch.sort(scores.gather(1, kept), dim=1, stable=True).indices  # ties: lower index first
    return kept.gather(1, ascending.flip(1))  # best first, ties: higher index first


def top_k_chance(k: int, candidates: int) -> float:
    """Top-k accuracy of a random ranking: the gold is among ``k`` of ``candidates`` picked at random."""
    return min(k, candidates) / candidates if candidates else 0.0


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
            return [
                rows.value(lang, f"top{k}", float(np.mean(h)), len(h), items=h, chance=top_k_chance(k, len(candidates)))
                for k, h in hits.items()
            ]

        return score_each_language(self, encoder, data, self.config, score_one)
