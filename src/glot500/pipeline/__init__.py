"""``glot500 run CONFIG`` / ``glot500 demo``: the stages, over on-disk artifacts, from one YAML config.

>>> pipeline = load_pipeline("configs/demo.yaml")      # doctest: +SKIP
>>> for item in pipeline.plan(): print(item.stage.name, item.action, item.reason)   # doctest: +SKIP
>>> pipeline.run()                                      # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from glot500.pipeline.config import PipelineConfig, load_pipeline_config, parse_overrides
from glot500.pipeline.graph import Stage, build_stages
from glot500.pipeline.runner import Pipeline, PlanItem, Registry, StageContext, StageKind


def pipeline_from_config(config: PipelineConfig, registry: Registry | None = None) -> Pipeline:
    """The stages of ``config`` with their adapters (``registry`` replaces the default ones, e.g. in tests)."""
    if registry is None:
        from glot500.pipeline.stages import default_registry

        registry = default_registry()
    return Pipeline(build_stages(config), Path(config.workdir), registry, threads=config.threads)


def load_pipeline(
    path: str | Path, overrides: dict[str, Any] | None = None, registry: Registry | None = None
) -> Pipeline:
    """Read and validate a pipeline config (all problems at once, before any work) and return its pipeline."""
    pipeline = pipeline_from_config(load_pipeline_config(path, overrides), registry)
    pipeline.validate()
    return pipeline


__all__ = [
    "Pipeline",
    "PipelineConfig",
    "PlanItem",
    "Stage",
    "StageContext",
    "StageKind",
    "build_stages",
    "load_pipeline",
    "load_pipeline_config",
    "parse_overrides",
    "pipeline_from_config",
]
