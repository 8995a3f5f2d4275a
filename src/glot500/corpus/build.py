"""``build_corpus(config)``: the Glot500-c pipeline as a chain of datatrove stages, on any datatrove executor.

Stages (``T`` = tasks, one shard of the input units each; every task has a completion marker, so a killed
run restarted with the same config skips finished tasks and redoes the others from scratch):

1. ``ingest`` (T): read sources -> drop read errors -> cleaning filters -> shard ``work/clean/<rank>``
   -> exact-dedup signatures (language + text without punctuation/digits/whitespace).
2. ``exact_find`` (F/4): datatrove's hash-partitioned duplicate finder over all shards (correct for any T).
3. ``minhash_signatures`` (T/4): shard minus exact duplicates -> MinHash signatures.
4. ``minhash_buckets`` (buckets/4) and 5. ``minhash_cluster`` (1): datatrove's MinHash stages 2 and 3.
6. ``publish`` (T/4): shard minus both kinds of duplicates -> ``data/<label>/<shard>.parquet``; the duplicates
   -> ``dropped/exact_dedup|minhash/<shard>.parquet``; relabel tally (columnar: ``glot500.corpus.publish``).
7. ``finalize`` (1): small-language exclusion, ``stats.json`` (+ accounting check), corpus card, manifest.

Stages 2, 3, 4 and 6 work partition by partition (F finder partitions, one per shard or MinHash bucket), and
each of their tasks runs :data:`RANKS_PER_TASK` partitions (:class:`~glot500.corpus.steps.RankGroup`, rounded
up): the files are those of one task per partition, with a task's fixed cost paid a quarter as often.

Stages that are switched off are left out (no exact dedup: the MinHash signatures are computed in ``ingest``;
no dedup at all: ``publish`` copies the shard to ``data/``). Every drop goes to ``dropped/<step>/<rank>.parquet``
with its reason.
"""

from __future__ import annotations

import json
import logging
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig, ExactFindDedups
from datatrove.pipeline.dedup.minhash import MinhashDedupCluster

from glot500.core.errors import ConfigError, InputError
from glot500.core.stats import read_corpus_stats, require_some_text
from glot500.corpus.config import CorpusConfig
from glot500.corpus.dedup import (
    LanguageExactDedupSignature,
    LanguageMinhashSignature,
    SortedMinhashBuckets,
    exact_dedup_key,
    minhash_config,
)
from glot500.corpus.executors import make_executor, preload_worker_modules
from glot500.corpus.finalize import FinalizeStep
from glot500.corpus.process_settings import frozen_gc, quiet_datatrove
from glot500.corpus.publish import DedupShardReader, Removal, ShardPublisher
from glot500.corpus.steps import READ_STEP, RankGroup, SourceReader, dropped_writer, shard_writer
from glot500.corpus.units import expand_sources

logger = logging.getLogger(__name__)
MAX_DEFAULT_TASKS = 64
MAX_FINDER_TASKS = 8
RANKS_PER_TASK = 4  # partitions per task in the stages after ingest (see the module docstring)
# The layout of work/ (which stage writes which files, in how many tasks): a build is resumed only by the same.
WORK_LAYOUT = 2


@dataclass
class DatatroveStage:
    """One datatrove stage of the build: its blocks, run as ``tasks`` tasks by one executor."""

    name: str
    pipeline: list
    tasks: int


def grouped_stage(name: str, pipeline: list, ranks: int, ranks_per_task: int) -> DatatroveStage:
    """A stage of ``pipeline``'s ``ranks`` ranks run ``ranks_per_task`` to a task."""
    tasks = -(-ranks // ranks_per_task)
    return DatatroveStage(name, [RankGroup(pipeline, ranks)] if tasks < ranks else pipeline, tasks)


def default_tasks(config: CorpusConfig, n_units: int) -> int:
    return config.executor.tasks or max(1, min(n_units, MAX_DEFAULT_TASKS))


def datatrove_stages(
    config: CorpusConfig, units: list, tasks: int, ranks_per_task: int = RANKS_PER_TASK
) -> list[DatatroveStage]:
    """The datatrove stages for ``config`` (see the module docstring; ``ranks_per_task=1``: one task per
    finder partition, MinHash bucket and shard, the same files)."""
    out = Path(config.output)
    work = out / "work"
    # fixed by the task count, not by --workers: signatures of finished tasks are partitioned for it (resume)
    finder_workers = max(1, min(tasks, MAX_FINDER_TASKS))
    exact = ExactDedupConfig(content_getter=exact_dedup_key)
    minhash = minhash_config(
        config.minhash.n_grams, config.minhash.num_buckets, config.minhash.hashes_per_bucket, config.minhash.seed
    )
    shards = str(work / "clean")
    ingest = [
        SourceReader(
            units, config.reading, str(work / "ingest_counts"), dropped_writer(str(out), READ_STEP, "read_error")
        ),
        *cleaning_filters(config),
        shard_writer(shards),
    ]
    stages = [DatatroveStage("ingest", ingest, tasks)]
    removals: list[Removal] = []
    if config.exact_dedup.enabled:
        ingest.append(LanguageExactDedupSignature(str(work / "exact_sigs"), exact, finder_workers=finder_workers))
        find = ExactFindDedups(str(work / "exact_sigs"), str(work / "exact_dups"), exact)
        stages.append(grouped_stage("exact_find", [find], finder_workers, ranks_per_task))
        removals.append(Removal("exact", str(work / "exact_dups"), "exact_dedup", "duplicate"))
    if config.minhash.enabled:
        signatures = LanguageMinhashSignature(str(work / "minhash_sigs"), minhash)
        if removals:  # the MinHash stream is the shard minus exact duplicates
            reader = DedupShardReader(shards, removals)
            stages.append(grouped_stage("minhash_signatures", [reader, signatures], tasks, ranks_per_task))
        else:  # the shard's own order is the MinHash stream
            ingest.append(signatures)
        buckets = SortedMinhashBuckets(str(work / "minhash_sigs"), str(work / "minhash_buckets"), config=minhash)
        stages.append(grouped_stage("minhash_buckets", [buckets], config.minhash.num_buckets, ranks_per_task))
        cluster = MinhashDedupCluster(str(work / "minhash_buckets"), str(work / "minhash_remove"), config=minhash)
        stages.append(DatatroveStage("minhash_cluster", [cluster], 1))
        removals.append(Removal("minhash", str(work / "minhash_remove"), "minhash", "near_duplicate"))
    stages.append(
        grouped_stage(
            "publish", [ShardPublisher(shards, removals, str(out), str(work / "relabels"))], tasks, ranks_per_task
        )
    )
    stages.append(DatatroveStage("finalize", [FinalizeStep(config.model_dump(mode="json"), tasks, len(units))], 1))
    return stages


def cleaning_filters(config: CorpusConfig) -> list:
    """The cleaning engineer's filter blocks, each with a ``dropped/<step>`` writer (none when not installed)."""
    if config.cleaning is None:
        from glot500.corpus.config import CLEANING_IMPORT_ERROR

        if CLEANING_IMPORT_ERROR is not None:
            logger.warning("cleaning filters not available (%s): only read checks and dedup", CLEANING_IMPORT_ERROR)
        else:
            logger.info("cleaning: null in the config: no cleaning filters, only read checks and dedup")
        return []
    from glot500.corpus.filters import build_cleaning_filters

    output = config.output
    return list(build_cleaning_filters(config.cleaning, lambda step: dropped_writer(output, step)))


def build_corpus(config: CorpusConfig, overwrite: bool = False) -> dict[str, Any]:
    """Run (or resume) the corpus build described by ``config``; return the ``stats.json`` document.

    Raises:
        ConfigError: the output folder holds a build of a different config (pass ``overwrite=True``).
        InputError: the output overlaps an input, another build holds it, ``overwrite`` would delete a folder
            glot500 did not write, or no chunk at all was read.
    """
    out = Path(config.output)
    # the output lock is held until the build ends: one build per output folder
    with quiet_datatrove(), frozen_gc() as refreeze_gc, prepare_output(out, config, overwrite):
        preload_worker_modules(config.executor)
        units = expand_sources(config.sources)
        if not units:  # an empty folder: nothing to read is the user's mistake, not a crash deep in a stage
            names = ", ".join(str(source.path or source.display_name()) for source in config.sources)
            raise InputError(f"{names}: no input files found (expected e.g. <label>.txt files; see docs/corpus.md)")
        tasks = default_tasks(config, len(units))
        stages = datatrove_stages(config, units, tasks)
        logger.info(
            "corpus build: %d input units, %d tasks, %d workers, %s executor, stages: %s",
            len(units),
            tasks,
            config.executor.workers,
            config.executor.kind,
            ", ".join(stage.name for stage in stages),
        )
        executors = chain_executors(stages, config, out / "work" / "logs")
        with StageProgress(stages, out / "work" / "logs", enabled=config.executor.kind != "slurm"):
            for executor in executors:
                refreeze_gc()  # what the previous stage imported and built stays, too
                executor.run()
    if config.executor.kind == "slurm":
        logger.info("submitted to Slurm; %s/stats.json appears when the finalize job has run", out)
        return {}
    return require_some_text(read_corpus_stats(out), out)  # nothing read at all: one error line, stats kept


def prepare_output(out: Path, config: CorpusConfig, overwrite: bool) -> ExitStack:
    """Refuse to resume into a folder built from a different config; remember this config's fingerprint.

    Returns the held lock of ``out`` (close it when the build ends).
    """
    from glot500.core.locks import LOCK_NAME, held_output_lock, require_unlocked
    from glot500.core.paths import check_apart, remove_own_output

    marker = out / "work" / "config_fingerprint.json"
    inputs = [source.path for source in config.sources if source.path]
    check_apart(out, inputs)  # an output inside an input would be read back as input by the next build
    if out.exists() and not out.is_dir() and not overwrite:
        raise InputError(f"--output {out} is a file, not a folder; choose a folder")
    if overwrite:
        require_unlocked(out, "corpus build")
        remove_own_output(out, markers=("manifest.json", "work/config_fingerprint.json"), inputs=inputs)
    if marker.is_file():
        previous = json.loads(marker.read_text(encoding="utf-8"))
        if previous.get("fingerprint") != config.fingerprint():
            raise ConfigError(
                f"{out} holds a corpus built with a different config; resuming would mix them. "
                "Use another --output, or --overwrite to start again"
            )
        require_same_work_layout(out, previous)
        return held_output_lock(out, "corpus build")
    if out.exists() and any(path.name != LOCK_NAME for path in out.iterdir()):
        raise ConfigError(f"{out} exists and is not a glot500 corpus build; choose an empty or new folder")
    lock = held_output_lock(out, "corpus build")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"fingerprint": config.fingerprint(), "work_layout": WORK_LAYOUT}), encoding="utf-8")
    return lock


def require_same_work_layout(out: Path, previous: dict) -> None:
    """An unfinished build is resumed only by a glot500 that splits the stages into the same tasks (a finished
    one is complete whichever way it was split: rerunning it does nothing)."""
    layout = previous.get("work_layout", 1)
    if layout != WORK_LAYOUT and not (out / "stats.json").is_file():
        raise ConfigError(
            f"{out} holds an unfinished corpus build of another glot500 version (work layout {layout}, this one "
            f"writes {WORK_LAYOUT}); resuming would mix them. Use --overwrite to start again"
        )


class StageProgress:
    """A progress bar over all stages' tasks, fed by datatrove's completion markers (works for every executor)."""

    def __init__(self, stages: list[DatatroveStage], logs: Path, enabled: bool = True, interval: float = 1.0) -> None:
        self.stages = stages
        self.logs = logs
        self.enabled = enabled
        self.interval = interval
        self._stop = None

    def _done(self) -> tuple[int, str]:
        done, current = 0, self.stages[-1].name
        for stage in self.stages:
            folder = self.logs / stage.name / "completions"
            finished = len(list(folder.iterdir())) if folder.is_dir() else 0
            done += finished
            if finished < stage.tasks and current == self.stages[-1].name:
                current = stage.name
        return done, current

    def _poll(self) -> None:
        from glot500.core.progress import progress

        total = sum(stage.tasks for stage in self.stages)
        with progress(total=total, desc="corpus", unit="task") as bar:
            while True:
                stopped = self._stop.wait(self.interval)
                done, current = self._done()
                bar.set_postfix_str(current)
                bar.update(done - bar.n)
                if stopped:
                    return

    def __enter__(self) -> StageProgress:
        if self.enabled:
            import threading

            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._stop is not None:
            self._stop.set()
            self._thread.join(timeout=5)


def chain_executors(stages: list[DatatroveStage], config: CorpusConfig, logs: Path) -> list:
    """One datatrove executor per stage. On Slurm each depends on the previous (submitting the last submits
    all); local and Ray executors block until their tasks are done, so they simply run one after the other
    (datatrove's Ray ``depends`` re-checks unfinished dependencies only every 2 minutes)."""
    executors: list = []
    for stage in stages:
        depends = executors[-1] if executors and config.executor.kind == "slurm" else None
        executor = make_executor(stage.name, stage.pipeline, stage.tasks, config.executor, logs / stage.name, depends)
        executors.append(executor)
    return executors[-1:] if config.executor.kind == "slurm" else executors
