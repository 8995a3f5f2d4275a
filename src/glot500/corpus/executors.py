"""The executor factory: the same stage list runs on datatrove's local, Slurm or Ray executor, unchanged.

* ``local`` (default): datatrove's ``LocalPipelineExecutor``: one task after the other in this process when
  ``workers == 1``, else a process pool of ``workers`` per stage (datatrove's default ``forkserver`` start);
  its tasks start with datatrove's console logs off (:class:`QuietLocalPipelineExecutor`).
* ``slurm``: one job array per stage, chained with dependencies; ``build_corpus`` returns after submitting.
* ``ray``: tasks on the Ray cluster that ``ray.init()`` connected to (started locally with ``workers`` CPUs when
  none is running).
"""

from __future__ import annotations

from pathlib import Path

from datatrove.executor import LocalPipelineExecutor

from glot500.core.errors import ConfigError, MissingDependencyError
from glot500.corpus.config import ExecutorSettings
from glot500.corpus.process_settings import freeze_task_process, quiet_datatrove_task

# What a pool worker of a corpus stage imports. The fork server (started once per process, for the first pool)
# imports them, so that each stage's workers start with them loaded instead of importing them again
# (~1.5 CPU-seconds per worker and stage). Plain imports: none of these modules does work when imported.
WORKER_MODULES = (
    "glot500.corpus.build",
    "glot500.corpus.dedup",
    "glot500.corpus.filters",
    "glot500.corpus.finalize",
    "glot500.corpus.publish",
    "glot500.corpus.steps",
    "glot500.languages",  # script detection and the language registry (the read check, finalize)
    "pyarrow.compute",
    "pyarrow.dataset",  # what pyarrow.parquet reads files with (and pandas, which it imports): ~0.15 s a worker
    "pyarrow.parquet",
)


class QuietLocalPipelineExecutor(LocalPipelineExecutor):
    """datatrove's local executor, whose tasks run with datatrove's console logs and inner progress bars off
    unless GLOT500_DATATROVE_LOGS=1 (:mod:`glot500.corpus.process_settings`).

    ``get_distributed_env`` is the documented hook datatrove calls for each task, in the process that runs it,
    just before it sets up the task's loggers: the one place that reaches a pool worker early enough. With
    several workers the tasks run in pool workers (datatrove's ``run``), which also freeze their imports for the
    garbage collector there; with one they run in the building process, whose ``frozen_gc`` has done so."""

    def get_distributed_env(self, node_rank: int = -1):
        quiet_datatrove_task()
        if self.workers > 1:
            freeze_task_process()
        return super().get_distributed_env(node_rank)


def make_executor(name: str, pipeline: list, tasks: int, settings: ExecutorSettings, logging_dir: Path, depends=None):
    """A datatrove executor for one stage; ``depends`` is the previous stage's executor."""
    workers = min(settings.workers, tasks)
    if settings.kind == "local":
        return QuietLocalPipelineExecutor(
            pipeline=pipeline, tasks=tasks, workers=workers, logging_dir=str(logging_dir), depends=depends
        )
    if settings.kind == "slurm":
        return _slurm_executor(name, pipeline, tasks, settings, logging_dir, depends)
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


def _slurm_executor(name: str, pipeline: list, tasks: int, settings: ExecutorSettings, logging_dir: Path, depends):
    from datatrove.executor import SlurmPipelineExecutor

    slurm = settings.slurm
    if slurm.partition is None:
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


def preload_worker_modules(settings: ExecutorSettings) -> None:
    """Ask the local pool's fork server to import :data:`WORKER_MODULES` when it starts (the standard library's
    ``set_forkserver_preload``; no effect once a fork server is running, and none with one worker)."""
    if settings.kind != "local" or settings.workers < 2:
        return
    import multiprocess

    multiprocess.set_forkserver_preload(list(WORKER_MODULES))
