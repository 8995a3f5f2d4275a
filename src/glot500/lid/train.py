"""Train a fastText language-ID model (labels = language-scripts) and score it on held-out chunks.

``train_lid(texts_by_label, output)`` writes ``output`` (the fastText ``.bin``) and beside it
``<output>.report.json`` (config, counts, timings, macro and per-label precision/recall/F1, versions) and
``<output>.report.tsv`` (one row per label). ``lid`` sits below ``corpus`` in the import layers, so it takes
texts, not a corpus folder: :func:`glot500.corpus.filters.train_lid_from_corpus` (and ``glot500 lid train``)
read a corpus folder with :mod:`glot500.corpus.reader` and call this.
"""

from __future__ import annotations

import json
import logging
import lzma
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import islice
from pathlib import Path
from typing import Literal

from pydantic import Field

from glot500.core.config import StrictModel
from glot500.core.errors import ConfigError, InputError
from glot500.core.manifest import git_sha, library_versions
from glot500.lid.fasttext_run import FastTextRunError, run_fasttext
from glot500.lid.identifier import LABEL_PREFIX, LanguageIdentifier

logger = logging.getLogger(__name__)

REPORT_SCHEMA_VERSION = 1


class LidTrainConfig(StrictModel):
    """fastText supervised settings (defaults sized for a few hundred labels on a laptop) and the split."""

    max_per_label: int | None = Field(None, ge=2, description="read at most this many chunks per label")
    holdout: float = Field(0.1, gt=0, lt=1, description="share of each label's chunks held out for the report")
    seed: int = 0
    epoch: int = Field(5, ge=1)
    lr: float = Field(0.5, gt=0)
    dim: int = Field(32, ge=2, description="GlotLID: 256; 32 loses ~0.5 point of macro F1 on eBible, 2x smaller")
    minn: int = Field(2, ge=0, description="shortest character n-gram (GlotLID: 2)")
    maxn: int = Field(4, ge=0, description="longest character n-gram (GlotLID: 5; 4 predicts faster)")
    word_ngrams: int = Field(1, ge=1)
    min_count: int = Field(2, ge=1, description="words seen fewer times get no vector of their own")
    bucket: int = Field(500_000, ge=1000, description="hash buckets for character n-grams (GlotLID: 1M)")
    loss: Literal["softmax", "hs", "ova"] = Field(
        "hs", description="hierarchical softmax: faster to train and predict, and more accurate here than softmax"
    )
    threads: int = Field(2, ge=1)


def train_lid(
    texts_by_label: Mapping[str, Iterable[str]],
    output: str | Path,
    config: LidTrainConfig | None = None,
    source: str = "",
) -> dict:
    """Train on ``{label: texts}`` and save the model to ``output``.

    Each label's texts (at most ``config.max_per_label``, read lazily) are shuffled (seeded) and a ``holdout``
    share (at least one chunk, when the label has two or more) is kept out of training for the per-label
    report. A label whose texts cannot be read (the iterable raises ``OSError``, ``EOFError``, ``ValueError``
    or ``LZMAError``) is logged, recorded under ``errors`` in the report, and skipped.

    Args:
        texts_by_label: language-script label -> its texts (e.g. lazy generators over corpus files).
        output: the model file to write.
        config: fastText settings and the split.
        source: where the texts came from, for the report.

    Returns:
        The report (also written to ``<output>.report.json``).

    Raises:
        InputError: the corpus holds no usable chunks.
    """

    config = config or LidTrainConfig()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    train, heldout, errors = _split_examples(texts_by_label, config)
    if not train:
        raise InputError(f"{source or 'the corpus'}: no chunks to train a language-ID model on")
    timings["read_s"] = time.perf_counter() - start

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glot500-lid-") as scratch:
        train_file = Path(scratch) / "train.txt"
        _write_fasttext_file(train_file, train, random.Random(config.seed))
        lr_used = _train_supervised(train_file, output, config)
    timings["train_s"] = time.perf_counter() - start

    start = time.perf_counter()
    metrics = evaluate_lid(LanguageIdentifier(output), heldout)
    timings["evaluate_s"] = time.perf_counter() - start
    report = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "model": str(output),
        "corpus": source,
        "config": config.model_dump(),
        "lr_used": lr_used,
        "labels": len({label for label, _ in train}),
        "train_chunks": len(train),
        "heldout_chunks": len(heldout),
        "timings": {key: round(value, 2) for key, value in timings.items()},
        **metrics,
        "errors": errors,
        "versions": library_versions() | {"fasttext": _fasttext_version()},
        "git_sha": git_sha(),
    }
    _write_report(output, report)
    return report


def evaluate_lid(identifier: LanguageIdentifier, examples: list[tuple[str, str]], batch_size: int = 4096) -> dict:
    """Precision, recall and F1 per label (and their macro means, accuracy) on ``(label, text)`` pairs.

    Labels are those of ``examples``; a prediction outside them counts against precision of nothing and
    recall of the true label. Counted directly: importing scikit-learn for this costs seconds per process.
    """
    if not examples:
        return {"accuracy": None, "macro": None, "per_label": {}}
    predicted: list[str] = []
    for begin in range(0, len(examples), batch_size):
        texts = [text for _, text in examples[begin : begin + batch_size]]
        predicted.extend(prediction[0][0] for prediction in identifier.predict(texts, k=1))
    truth = [label for label, _ in examples]
    support = Counter(truth)
    claimed = Counter(predicted)
    correct = Counter(label for label, guess in zip(truth, predicted, strict=True) if label == guess)
    per_label = {}
    for label in sorted(support):
        precision = correct[label] / claimed[label] if claimed[label] else 0.0
        recall = correct[label] / support[label]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support[label]}
    macro = {
        metric: sum(row[metric] for row in per_label.values()) / len(per_label)
        for metric in ("precision", "recall", "f1")
    }
    return {"accuracy": sum(correct.values()) / len(truth), "macro": macro, "per_label": per_label}


def _split_examples(
    texts_by_label: Mapping[str, Iterable[str]], config: LidTrainConfig
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[dict[str, str]]]:
    """``(train, heldout, errors)``: ``(label, text)`` pairs; a label whose texts cannot be read is an error row."""
    from glot500.core.progress import progress

    rng = random.Random(config.seed)
    train: list[tuple[str, str]] = []
    heldout: list[tuple[str, str]] = []
    errors: list[dict[str, str]] = []
    for label in progress(sorted(texts_by_label), desc="reading", unit="label"):
        try:
            texts = [_one_line(text) for text in islice(texts_by_label[label], config.max_per_label)]
        except (OSError, EOFError, ValueError, lzma.LZMAError) as error:  # corrupt archives, unreadable files
            logger.error("lid train: skipping %s (%s: %s)", label, type(error).__name__, error)
            errors.append({"label": label, "error": f"{type(error).__name__}: {error}"})
            continue
        texts = [text for text in texts if text]
        rng.shuffle(texts)
        n_heldout = max(1, round(len(texts) * config.holdout)) if len(texts) >= 2 else 0
        heldout.extend((label, text) for text in texts[:n_heldout])
        train.extend((label, text) for text in texts[n_heldout:])
    return train, heldout, errors


def _train_supervised(train_file: Path, output: Path, config: LidTrainConfig, attempts: int = 3) -> float:
    """fastText supervised training into ``output``; returns the learning rate used.

    fastText runs in a fresh interpreter (:mod:`glot500.lid.fasttext_run`, which says why); a divergence is
    retried with half the learning rate.
    """
    arguments = {
        "input": str(train_file),
        "epoch": config.epoch,
        "lr": config.lr,
        "dim": config.dim,
        "minn": config.minn,
        "maxn": config.maxn,
        "wordNgrams": config.word_ngrams,
        "minCount": config.min_count,
        "bucket": config.bucket,
        "loss": config.loss,
        "thread": config.threads,
        "seed": config.seed,
        "verbose": 2 if logger.isEnabledFor(logging.DEBUG) else 0,
    }
    try:
        return run_fasttext("supervised", arguments, output, attempts=attempts)
    except FastTextRunError as error:
        raise ConfigError(f"lid train: {error}; try a lower --lr") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _write_fasttext_file(path: Path, examples: list[tuple[str, str]], rng: random.Random) -> None:
    """fastText reads its input in order: shuffle so that labels are mixed throughout the epoch."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    with open(path, "w", encoding="utf-8") as handle:
        for index in order:
            label, text = examples[index]
            handle.write(f"{LABEL_PREFIX}{label} {text}\n")


def _write_report(output: Path, report: dict) -> None:
    Path(f"{output}.report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    lines = ["label\tprecision\trecall\tf1\tsupport"]
    for label, row in report["per_label"].items():
        lines.append(f"{label}\t{row['precision']:.4f}\t{row['recall']:.4f}\t{row['f1']:.4f}\t{row['support']}")
    Path(f"{output}.report.tsv").write_text("\n".join(lines) + "\n")


def _fasttext_version() -> str:
    from importlib import metadata

    for name in ("fasttext-numpy2-wheel", "fasttext"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"
