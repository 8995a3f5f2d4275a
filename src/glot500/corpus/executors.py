"""The executor factory: the same stage list runs on datatrove's local, Slurm or Ray executor.

* ``local`` (default): a process pool of ``workers``; one task at a time runs in-process when ``workers == 1``.
* ``slurm``: one job array per stage, chained with dependencies; ``build_corpus`` returns after submitting.
* ``ray``: tasks on the Ray cluster that ``ray.init()`` connected to (started locally with ``workers`` CPUs when
  none is running).
"""

from __future__ import annotations

from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.utils.stats import PipelineStats

from glot500.core.errors import MissingDependencyError
from glot500.corpus.config import ExecutorSettings
from glot500.corpus.steps import cache_loguru_lib_dirs, quiet_datatrove_logs


def make_executor(name: str, pipeline: list, tasks: int, settings: ExecutorSettings, logging_dir: Path, depends=None):
    """A datatrove executor for one stage; ``depends`` is the previous stage's executor."""
    workers = min(settings.workers, tasks)
    if settings.kind == "local":
        if settings.workers > 1:
            _preload_in_fork_server()
        return SequentialAwareLocalExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=workers,
            logging_dir=str(logging_dir),
            depends=depends,
            start_method="forkserver",
            pool_size=settings.workers,
        )
    if settings.kind == "slurm":
        from datatrove.executor import SlurmPipelineExecutor

        slurm = settings.slurm
        if slurm.partition is None:
            from glot500.core.errors import ConfigError

            raise ConfigError("executor.slurm.partition is required for the Slurm executor")
        return SlurmPipelineExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=settings.workers,
            time=slurm.time,
            partition=slurm.partition,
            cpus_per_task=slurm.cpus_per_task,
            mem_per_cpu_gb=slurm.mem_per_cpu_gb,
            qos=slurm.qos or "normal",
            venv_path=slurm.venv_path,
            sbatch_args=slurm.sbatch_args or None,
            job_name=f"glot500-corpus-{name}",
            logging_dir=str(logging_dir),
            depends=depends,
        )
    try:
        import ray
        from datatrove.executor.ray import RayPipelineExecutor
    except ImportError as error:
        raise MissingDependencyError("the Ray executor needs ray: pip install 'ray[default]'") from error
    if not ray.is_initialized():
        ray.init(num_cpus=settings.workers, include_dashboard=False, log_to_driver=False)
    return RayPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=workers,
        logging_dir=str(logging_dir),
        depends=depends,
        cpus_per_task=1,
        mem_per_cpu_gb=1,
    )


def _run_pickled_task(job: tuple[bytes, int]) -> PipelineStats:
    """A pool task: a fresh copy of the stage's executor (as ``imap`` of the bound method would make) runs ``rank``."""
    import dill

    payload, rank = job
    return dill.loads(payload)._run_for_rank(rank)


_SHARED_POOLS: dict[tuple[str, int], object] | None = None


@contextmanager
def shared_pools():
    """Within this block the local executor's stages share one worker pool per (start method, size) instead of
    starting one per stage (~0.3 s each on 2 cores); the pools are closed when the block ends."""
    global _SHARED_POOLS
    outer, _SHARED_POOLS = _SHARED_POOLS, {}
    failed = True
    try:
        yield
        failed = False
    finally:
        pools, _SHARED_POOLS = _SHARED_POOLS, outer
        for pool in pools.values():
            if failed:  # a task raised or the build was interrupted: do not wait for the other tasks
                pool.terminate()
            else:
                pool.close()
            pool.join()


@contextmanager
def _pool(start_method: str, workers: int):
    import multiprocess

    if _SHARED_POOLS is None:
        with multiprocess.get_context(start_method).Pool(workers) as pool:
            yield pool
        return
    key = (start_method, workers)
    if key not in _SHARED_POOLS:
        _SHARED_POOLS[key] = multiprocess.get_context(start_method).Pool(workers)
    yield _SHARED_POOLS[key]


def _preload_in_fork_server() -> None:
    import multiprocess

    # The fork server starts with the first pool and serves every later stage: warm it once.
    multiprocess.set_forkserver_preload(["__main__", "glot500.corpus.warmup"])


def start_fork_server(settings: ExecutorSettings) -> None:
    """Start the local pool's fork server now, so that its imports and tables (~1.5 CPU-s) are built on
    another core while this process plans the stages, instead of after."""
    if settings.kind != "local" or settings.workers < 2:
        return
    from multiprocess import forkserver

    _preload_in_fork_server()
    forkserver.ensure_running()


class SequentialAwareLocalExecutor(LocalPipelineExecutor):
    """datatrove's local executor, quiet unless asked, without the ``multiprocess.Manager`` process it starts per
    stage (~1 s each on a loaded machine): one worker runs the tasks in this process, several a plain pool —
    also for a one-task stage, whose worker has the fork server's preloaded modules (the card's matplotlib)."""

    def __init__(self, *args, pool_size: int = 1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool_size = pool_size  # the build's worker count: the shared pool's size, 1 = in this process

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1) -> PipelineStats:
        quiet_datatrove_logs(None)  # before datatrove's task logger prints the pipeline (in pool workers too)
        cache_loguru_lib_dirs()
        return super()._run_for_rank(rank, local_rank, node_rank)

    def run(self):
        if self.depends is not None and not self.depends._launched:
            self.depends.run()
        self._launched = True
        ranks = self.get_incomplete_ranks(range(self.local_rank_offset, self.local_rank_offset + self.local_tasks))
        if not ranks:
            return None
        self.save_executor_as_json()
        if self.pool_size == 1:
            pipeline = self.pipeline
            stats = []
            for rank in ranks:
                self.pipeline = deepcopy(pipeline)
                stats.append(self._run_for_rank(rank))
            self.pipeline = pipeline
        else:  # a plain pool: datatrove's run also starts a Manager process per stage just to number log lines
            import dill

            # pickled once, not once per task: the ingest stage holds every input unit (~20 ms per pickle)
            payload = dill.dumps(self)
            with _pool(self.start_method, self.pool_size) as pool:
                stats = list(pool.imap_unordered(_run_pickled_task, [(payload, rank) for rank in ranks]))
        merged = sum(stats, start=PipelineStats())
        with self.logging_dir.open("stats.json", "wt") as file:
            merged.save_to_disk(file)
        return merged
