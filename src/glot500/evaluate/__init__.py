"""Evaluation: task folders -> ``results.jsonl`` for any XLM-R-compatible encoder (Glot500's task suite).

>>> from glot500.evaluate import EvalConfig, discover_tasks, evaluate
>>> rows = evaluate(["xlm-roberta-base"], discover_tasks("tasks/"), "out/", EvalConfig())  # doctest: +SKIP
"""

from glot500.evaluate.base import Task, TaskData
from glot500.evaluate.classification import ClassificationTask
from glot500.evaluate.config import EvalConfig, FinetuneConfig
from glot500.evaluate.encoder import Encoder, HFEncoder, SentenceLikelihood
from glot500.evaluate.perplexity import PseudoPerplexityTask
from glot500.evaluate.retrieval import RetrievalTask
from glot500.evaluate.roundtrip import RoundTripTask
from glot500.evaluate.suite import TASKS, TaskSpec, discover_tasks, evaluate, make_task, spec_for
from glot500.evaluate.tagging import TaggingTask

__all__ = [
    "TASKS",
    "ClassificationTask",
    "Encoder",
    "EvalConfig",
    "FinetuneConfig",
    "HFEncoder",
    "PseudoPerplexityTask",
    "RetrievalTask",
    "RoundTripTask",
    "SentenceLikelihood",
    "TaggingTask",
    "Task",
    "TaskData",
    "TaskSpec",
    "discover_tasks",
    "evaluate",
    "make_task",
    "spec_for",
]
