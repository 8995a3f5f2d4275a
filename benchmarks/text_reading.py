"""Cost of reading text files by the bad-input rules (NUL, BOM, lone CR, invalid UTF-8, truncation), in one process.

    .venv/bin/python benchmarks/text_reading.py --input ../shared/data/corpus/bible --max-mb 20

Takes ``--max-mb`` of decompressed text (whole files, or a generated file when ``--input`` is not given) and
times, best of ``--repeats``:

  (a) ``glot500.corpus.sources.text.read_text_file``: the corpus stage's reader (chunks with ids and reasons);
  (b) ``glot500.corpus.reader.iter_texts``: what vocab, model init and ``corpus sample`` read;
  (b2) ``glot500.train.text.training_texts``: what the training stage tokenizes (the same rules as (a) and (b),
      from ``glot500.core.textio``);
  (c) baseline: Python's own line iteration, ``open(path, encoding="utf-8", errors="replace")`` + ``strip``,
      which applies none of the rules (NUL and replacement characters pass, lone CRs stay inside lines).

Each figure is MB/s of input; the ratios (a)/(c), (b)/(c) and (b2)/(c) are the price of the rules. The same
text is also read with CRLF line ends (Windows files), which take the same path.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from glot500.core.textio import open_binary
from glot500.corpus.reader import iter_texts
from glot500.corpus.sources.base import Problems
from glot500.corpus.sources.text import read_text_file
from glot500.train.text import TextAccount, training_texts


def sample_text(source: Path | None, max_mb: float, seed: int = 0) -> bytes:
    """``max_mb`` of text: whole files of ``source`` in a random order, or generated words."""
    rng = random.Random(seed)
    if source is None:
        words = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyzäöü") for _ in range(rng.randint(2, 9))) for _ in range(5000)
        ]
        lines = (" ".join(rng.choices(words, k=rng.randint(5, 25))) for _ in range(10**9))
        data = bytearray()
        for line in lines:
            data += line.encode() + b"\n"
            if len(data) >= max_mb * 1e6:
                return bytes(data)
    files = sorted(p for p in source.iterdir() if p.name.endswith((".txt", ".txt.xz", ".txt.gz", ".txt.zst")))
    rng.shuffle(files)
    data = bytearray()
    for file in files:
        if len(data) >= max_mb * 1e6:
            break
        with open_binary(file) as stream:
            data += stream.read()
    return bytes(data)


def best_of(repeats: int, run: Callable[[], int]) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = run()
        best = min(best, time.perf_counter() - start)
    return best, count


def python_lines(path: Path) -> int:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return sum(1 for line in handle if line.strip())


def runners(path: Path) -> dict[str, Callable[[], int]]:
    return {
        "(a) read_text_file": lambda: sum(1 for _ in read_text_file(path, "deu_Latn", "bench", Problems())),
        "(b) reader.iter_texts": lambda: sum(1 for _ in iter_texts([path])),
        "(b2) train training_texts": lambda: sum(1 for _ in training_texts(path, TextAccount())),
        "(c) baseline: open() lines": lambda: python_lines(path),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=None, help="A folder of <label>.txt[.xz] files (else generated).")
    parser.add_argument("--max-mb", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = sample_text(args.input, args.max_mb)
    megabytes = len(data) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in (("LF", data), ("CRLF", data.replace(b"\n", b"\r\n"))):
            path = Path(tmp) / "deu_Latn.txt"
            path.write_bytes(content)
            runs = runners(path)
            timings = {label: best_of(args.repeats, run) for label, run in runs.items()}
            base = timings["(c) baseline: open() lines"][0]
            print(f"{name} line ends, {megabytes:.1f} MB:")
            for label, (seconds, count) in timings.items():
                print(
                    f"  {label:<28} {megabytes / seconds:7.1f} MB/s  {count:>9} lines  {seconds / base:5.2f}x baseline time"
                )


if __name__ == "__main__":
    main()
