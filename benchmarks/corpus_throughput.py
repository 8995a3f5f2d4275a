"""Throughput of the corpus build (MB/s per worker) against datatrove's stock Gopher filters, in one process.

    .venv/bin/python benchmarks/corpus_throughput.py --input ../shared/data/corpus/bible --max-mb 20

Takes a multilingual sample of ``--max-mb`` uncompressed megabytes (whole files of randomly chosen
language-scripts, decompressed beforehand so that decompression is not timed), then times complete builds
(``build_corpus``: read, cleaning filters, exact dedup, write ``data/`` and ``dropped/``, stats and card):

  (a) the whole cleaning chain without MinHash, 1 worker;
  (b) the same with MinHash near-dedup, 1 worker;
  (c) baseline: datatrove's stock GopherRepetitionFilter + GopherQualityFilter (spaCy word tokenizer) reading
      the same chunks, 1 worker, on the first ``--baseline-mb`` MB (it is ~100x slower);
  (d) (a) with 2 workers: the speed-up over (a) (both timed warm, after their small build).

Each figure is MB of input per second of wall-clock time per worker, plus, for one worker, per CPU second of
this process (steadier on a shared machine). A build has a fixed cost (imports, lookup tables, stage start-up,
stats, plots) that small inputs do not amortise, so (a) and (b) are also timed on ``--small-mb`` and the
*marginal* rate (MB_big - MB_small) / (t_big - t_small) is printed: the steady-state throughput of the chain.
Targets: (a) >= 5, (b) >= 2 MB/s per worker, (d) >= 1.7x.

Before and after a change, on the same machine in one sitting: ``--before-src`` names the ``src/`` of another
checkout (``git worktree add /tmp/corpus-before COMMIT``); each side runs in a fresh interpreter with its own
sources, alternating ``--rounds`` times, and each figure's best and the ratio after/before are printed:

    .venv/bin/python benchmarks/corpus_throughput.py --before-src /tmp/corpus-before/src --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from glot500.core.textio import open_binary

DEFAULT_INPUT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "corpus" / "bible"


def prepare_input(source: Path, max_mb: float, folder: Path, seed: int = 0) -> tuple[float, int]:
    """Decompress randomly chosen whole files until ``max_mb``; return (MB, number of language-scripts)."""
    files = sorted(p for p in source.iterdir() if p.name.endswith((".txt", ".txt.xz", ".txt.gz", ".txt.zst")))
    random.Random(seed).shuffle(files)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    count = 0
    for file in files:
        if total >= max_mb * 1e6:
            break
        with open_binary(file) as stream:
            data = stream.read()
        label = file.name.split(".")[0]
        (folder / f"{label}.txt").write_bytes(data)
        total += len(data)
        count += 1
    return total / 1e6, count


def limit_input(folder: Path, max_mb: float, target: Path) -> float:
    """The first files of ``folder`` up to ``max_mb`` (for the slow baseline), linked into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    total = 0
    for file in sorted(folder.iterdir()):
        if total >= max_mb * 1e6:
            break
        os.link(file, target / file.name)
        total += file.stat().st_size
    return total / 1e6


def import_build_corpus():
    """``build_corpus`` of the sources on ``PYTHONPATH`` (``glot500.corpus.pipeline`` before its rename)."""
    try:
        from glot500.corpus.build import build_corpus
    except ImportError:  # a checkout from before the rename, run with --before-src
        from glot500.corpus.pipeline import build_corpus
    return build_corpus


def time_build(folder: Path, out: Path, workers: int, minhash: bool, tasks: int) -> tuple[float, float]:
    from glot500.corpus.config import CorpusConfig, SourceConfig

    build_corpus = import_build_corpus()

    config = CorpusConfig(
        sources=[SourceConfig(type="text", path=str(folder), name="bench")],
        output=str(out),
        minhash={"enabled": minhash},
        executor={"workers": workers, "tasks": tasks},
    )
    wall, cpu = time.perf_counter(), time.process_time()
    stats = build_corpus(config, overwrite=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"    kept {stats['totals']['kept']:,} of {stats['totals']['chunks_in']:,} chunks")
    return wall, cpu


def time_gopher(folder: Path, out: Path) -> tuple[float, float]:
    """datatrove's stock filters on datatrove's stock local executor, reading the same chunks."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter
    from datatrove.utils.logging import logger

    from glot500.corpus.config import ReadingSettings, SourceConfig
    from glot500.corpus.steps import SourceReader, dropped_writer
    from glot500.corpus.units import expand_sources

    logger.disable("datatrove")  # this script's own process: its per-task console logs would bury the figures
    units = expand_sources([SourceConfig(type="text", path=str(folder), name="bench")])
    pipeline = [
        SourceReader(units, ReadingSettings(), str(out / "counts"), dropped_writer(str(out), "read")),
        GopherRepetitionFilter(),
        GopherQualityFilter(),
    ]
    executor = LocalPipelineExecutor(pipeline, tasks=1, workers=1, logging_dir=str(out / "logs"))
    wall, cpu = time.perf_counter(), time.process_time()
    executor.run()
    return time.perf_counter() - wall, time.process_time() - cpu


def report(name: str, mb: float, wall: float, cpu: float | None, workers: int = 1) -> float:
    rate = mb / wall / workers
    cpu_part = f", {mb / cpu:6.2f} MB per CPU-second" if cpu else ""
    print(f"{name:<52} {mb:7.1f} MB in {wall:7.1f} s: {rate:6.2f} MB/s per worker{cpu_part}")
    return rate


def report_marginal(name: str, big: tuple[float, float, float], small: tuple[float, float, float]) -> float:
    """Steady-state rate from two sizes: (MB, wall, cpu) each."""
    mb = big[0] - small[0]
    wall, cpu = big[1] - small[1], big[2] - small[2]
    rate = mb / wall if wall > 0 else float("nan")
    print(
        f"{name:<52} marginal: {rate:6.2f} MB/s per worker, {mb / cpu if cpu > 0 else float('nan'):6.2f} "
        "MB per CPU-second"
    )
    return rate


def timed_pair(work: Path, tag: str, minhash: bool, tasks: int, mb: float, small_mb: float, workers: int = 1):
    """Small-size then full-size builds: ((MB, wall, cpu), (MB, wall, cpu)) of the full and the small one.

    The small build comes first, so the full one runs warm (imports, lookup tables, and with several workers
    the pool's fork server, which lives as long as this process) for 1 and 2 workers alike."""
    small_mb_real = limit_input(work / "input", small_mb, work / f"small_{tag}")
    small = (small_mb_real, *time_build(work / f"small_{tag}", work / f"{tag}_small", workers, minhash, tasks))
    big = (mb, *time_build(work / "input", work / tag, workers, minhash, tasks))
    return big, small


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="folder of <label>.txt[.xz] files")
    parser.add_argument("--max-mb", type=float, default=20.0, help="uncompressed MB of input to time")
    parser.add_argument("--baseline-mb", type=float, default=1.0, help="MB for the slow stock Gopher baseline")
    parser.add_argument(
        "--tasks", type=int, default=8, help="input shards (the same for 1 and 2 workers; 8 lets 2 workers balance)"
    )
    parser.add_argument("--small-mb", type=float, default=2.0, help="size of the small build (marginal rates)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["a", "b", "c", "d"], help="parts to skip")
    parser.add_argument(
        "--before-src",
        type=Path,
        help="another checkout's src/ (e.g. of an older commit): time it and this one back to back, and compare",
    )
    parser.add_argument("--rounds", type=int, default=1, help="with --before-src: before/after pairs (best kept)")
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # where a --before-src child puts its figures
    args = parser.parse_args()
    if args.before_src is not None:
        compare_before_after(args)
        return
    figures = run_all(args)
    if args.json is not None:
        args.json.write_text(json.dumps(figures))


def child_arguments(args: argparse.Namespace, json_path: Path) -> list[str]:
    """This script's own arguments for one timed child, without the comparison options."""
    argv = ["--input", str(args.input), "--max-mb", str(args.max_mb), "--baseline-mb", str(args.baseline_mb)]
    argv += ["--tasks", str(args.tasks), "--small-mb", str(args.small_mb), "--json", str(json_path)]
    return argv + (["--skip", *args.skip] if args.skip else [])


def run_child(src: Path, args: argparse.Namespace, label: str) -> dict:
    """Time the sources under ``src`` in a fresh interpreter; its output goes to this console."""
    with tempfile.TemporaryDirectory(prefix="glot500-bench-json-") as folder:
        json_path = Path(folder) / "figures.json"
        env = os.environ | {"PYTHONPATH": str(src.resolve())}
        print(f"==== {label}: {src.resolve()}", flush=True)
        subprocess.run([sys.executable, __file__, *child_arguments(args, json_path)], env=env, check=True)
        return json.loads(json_path.read_text())


def compare_before_after(args: argparse.Namespace) -> None:
    """Before and after, back to back (``--rounds`` times, alternating), then each figure's best and the ratio."""
    after_src = Path(__file__).resolve().parents[1] / "src"
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for round_index in range(args.rounds):
        for label, src in (("before", args.before_src), ("after", after_src)):
            runs[label].append(run_child(src, args, f"{label}, round {round_index + 1}"))
    print(f"\nbefore ({args.before_src}) and after ({after_src}), best of {args.rounds} round(s), MB/s per worker")
    print(f"(or MB per CPU-second where named; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    names = sorted({name for run in runs["before"] + runs["after"] for name in run})
    for name in names:
        before = max((run[name] for run in runs["before"] if name in run), default=float("nan"))
        after = max((run[name] for run in runs["after"] if name in run), default=float("nan"))
        print(f"  {name:<28} before {before:8.2f}   after {after:8.2f}   after/before {after / before:6.2f}x")


def run_all(args: argparse.Namespace) -> dict[str, float]:
    """Every part not skipped; returns the figures by name (MB/s per worker)."""
    work = Path(tempfile.mkdtemp(prefix="glot500-bench-"))
    try:
        mb, languages = prepare_input(args.input, args.max_mb, work / "input")
        print(f"input: {mb:.1f} MB uncompressed, {languages} language-scripts from {args.input}")
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machines are noisy)")
        rates = {}
        marginal = {}
        per_cpu: dict[str, float] = {}  # one worker runs in this process: steadier than wall time when loaded
        for tag, minhash, name in (
            ("a", False, "(a) chain without MinHash, 1 worker"),
            ("b", True, "(b) chain with MinHash, 1 worker"),
        ):
            if tag not in args.skip:
                big, small = timed_pair(work, tag, minhash, args.tasks, mb, args.small_mb)
                rates[tag] = report(name, *big)
                marginal[tag] = report_marginal(name, big, small)
                per_cpu[f"({tag}) MB per CPU-second"] = big[0] / big[2]
                per_cpu[f"({tag}) marginal MB per CPU-second"] = (big[0] - small[0]) / (big[2] - small[2])
        if "c" not in args.skip:
            base_mb = limit_input(work / "input", args.baseline_mb, work / "baseline_input")
            try:
                timing = time_gopher(work / "baseline_input", work / "c")
            except ImportError as error:  # datatrove's English word tokenizer is spaCy's
                print(f"(c) skipped: {error} (pip install spacy)")
            else:
                rates["c"] = report("(c) stock GopherRepetition+GopherQuality, 1 worker", base_mb, *timing)
        if "d" not in args.skip:
            big, small = timed_pair(work, "d", False, args.tasks, mb, args.small_mb, workers=2)
            rates["d"] = report("(d) chain without MinHash, 2 workers", mb, big[1], None, workers=2)
            marginal["d"] = (big[0] - small[0]) / (big[1] - small[1]) / 2
            print(f"{'(d) chain without MinHash, 2 workers':<52} marginal: {marginal['d']:6.2f} MB/s per worker")
        print("ratios:")
        if "a" in rates and "c" in rates:
            print(f"  (a) / stock Gopher: {rates['a'] / rates['c']:8.1f}x")
        if "b" in rates and "c" in rates:
            print(f"  (b) / stock Gopher: {rates['b'] / rates['c']:8.1f}x")
        if "a" in rates and "d" in rates:
            print(f"  2 workers / 1 worker (total throughput): {2 * rates['d'] / rates['a']:.2f}x (target >= 1.7x)")
            print(f"  2 workers / 1 worker (marginal): {2 * marginal['d'] / marginal['a']:.2f}x")
        if "a" in marginal and "b" in marginal:
            print(f"  marginal (a) / (b): {marginal['a'] / marginal['b']:.2f}x (the cost of MinHash)")
        for tag, target in (("a", 5), ("b", 2)):
            if tag in rates:
                print(
                    f"target ({tag}) >= {target} MB/s per worker: end-to-end {rates[tag]:.2f} "
                    f"({'met' if rates[tag] >= target else 'NOT met'}), marginal {marginal[tag]:.2f} "
                    f"({'met' if marginal[tag] >= target else 'NOT met'})"
                )
        figures = {f"({tag}) end-to-end": rate for tag, rate in rates.items()}
        figures |= {f"({tag}) marginal": rate for tag, rate in marginal.items()} | per_cpu
        if "c" in rates:
            figures |= {f"({tag}) / stock Gopher": rates[tag] / rates["c"] for tag in ("a", "b") if tag in rates}
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
