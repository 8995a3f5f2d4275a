"""Train fastText in a fresh interpreter: ``python -m glot500.lid.fasttext_run MODE ARGUMENTS_JSON OUTPUT``.

* ``supervised``: ``fasttext.train_supervised(**arguments)`` saved to the file ``OUTPUT`` (language ID);
* ``unsupervised``: ``fasttext.train_unsupervised(**arguments)``; its words and their vectors are written to
  the folder ``OUTPUT`` as ``words.json`` and ``vectors.npy`` (float32, ``(words, dim)``; the corpus-informed
  embedding init).

Why a fresh interpreter: inside a process that has run other work (the corpus pipeline, torch) the same seeded
training on the same file intermittently "encounters NaN"; a clean interpreter never did. This module
therefore imports only the standard library, fastText and numpy. :func:`run_fasttext` is the caller's side.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

logger = logging.getLogger(__name__)

Mode = Literal["supervised", "unsupervised"]
MODES = ("supervised", "unsupervised")
MIN_BUCKETS = 1000


class FastTextRunError(RuntimeError):
    """fastText training failed in the child interpreter (its last line of stderr)."""


def run_fasttext(mode: Mode, arguments: dict, output: Path, attempts: int = 3) -> float:
    """Run this module on ``arguments`` in a fresh interpreter; returns the learning rate used.

    A divergence ("NaN" in fastText's error) is retried with half the learning rate, at most ``attempts`` times.

    Raises:
        FastTextRunError: any other failure, or the last attempt diverged too (the message is fastText's).
    """
    lr = arguments["lr"]
    for attempt in range(attempts):
        command = [sys.executable, "-m", __name__, mode, json.dumps(arguments | {"lr": lr}), str(output)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0:
            return lr
        error = (result.stderr.strip().splitlines() or ["no message"])[-1]
        if "NaN" not in error or attempt == attempts - 1:
            raise FastTextRunError(f"fastText training failed at lr {lr}: {error}")
        logger.warning("fastText %s at lr %s; retrying with lr %s", error, lr, lr / 2)
        lr /= 2
    raise AssertionError("unreachable")


def train_supervised(arguments: dict, output: Path) -> None:
    import fasttext

    fasttext.train_supervised(**arguments).save_model(str(output))


@contextmanager
def _unsupervised_seed(seed: int) -> Iterator[None]:
    """``train_unsupervised`` takes no ``seed`` argument; it fills every argument it does not take from the
    public ``FastText.unsupervised_default`` table, seed included: set the seed there for this call only."""
    from fasttext import FastText

    before = FastText.unsupervised_default["seed"]
    FastText.unsupervised_default["seed"] = seed
    try:
        yield
    finally:
        FastText.unsupervised_default["seed"] = before


def train_unsupervised(arguments: dict, output: Path) -> None:
    import fasttext
    import numpy as np

    arguments = dict(arguments)
    seed = arguments.pop("seed", 0)
    if arguments.get("maxn", 0) == 0 and arguments.get("wordNgrams", 1) <= 1:
        # Without character n-grams fastText sets bucket = 0, and that path diverges at random (vector norms of
        # 1e3 to 1e14, or "Encountered NaN", from run to run with one thread and one seed); a few unused buckets
        # avoid it. fastText keeps the buckets when wordNgrams > 1, which only supervised training reads.
        arguments["wordNgrams"] = 2
        arguments["bucket"] = max(arguments.get("bucket", MIN_BUCKETS), MIN_BUCKETS)
    with _unsupervised_seed(seed):
        model = fasttext.train_unsupervised(**arguments)
    words = [word for word in model.get_words(on_unicode_error="replace") if word != "</s>"]
    rows = [model.get_word_vector(word) for word in words]
    vectors = np.stack(rows) if rows else np.zeros((0, arguments["dim"]), dtype=np.float32)
    output.mkdir(parents=True, exist_ok=True)
    np.save(output / "vectors.npy", vectors.astype(np.float32), allow_pickle=False)
    (output / "words.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m glot500.lid.fasttext_run", description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("arguments", help="fastText's keyword arguments as one JSON object")
    parser.add_argument("output", type=Path, help="model file (supervised) or folder (unsupervised)")
    args = parser.parse_args(argv)
    train = train_supervised if args.mode == "supervised" else train_unsupervised
    train(json.loads(args.arguments), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
