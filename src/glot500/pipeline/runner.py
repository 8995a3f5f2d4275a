"""Run stages in order, skipping those whose settings and inputs are unchanged, resuming interrupted ones.

Each stage writes into ``<workdir>/<stage>/``. Two small records say how far it got:

* ``<workdir>/.glot500-running/<stage>.json`` — written when the stage starts, with its fingerprint. If the process is
  killed, the next run finds it: same fingerprint -> the stage is run again *in place* so that it resumes
  from its own markers (datatrove's completion markers, training checkpoints); a different fingerprint ->
  the folder is emptied first, since half-done work under other settings must not be resumed.
* ``<workdir>/<stage>/.glot500-stage.json`` — written only after the stage returns: fingerprint, options, input hashes, the
  hash of the output and timings. A stage is skipped when this record's fingerprint equals the current one
  and its output is unchanged.

The fingerprint is the SHA-256 of the stage's kind and version, its options and input references, and the
hash of every input artifact: an upstream stage's recorded output hash, or for an external path a hash of
its files (content for files up to 1 MiB, size and mtime for larger ones). A hub name is hashed as a name.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import resource
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from glot500.core.errors import ConfigError, Glot500Error
from glot500.core.io import write_json_atomic
from glot500.core.paths import remove_own_output
from glot500.pipeline.graph import InputValue, Stage, is_reference, reference_stage

logger = logging.getLogger(__name__)

RECORD_NAME = ".glot500-stage.json"
RUNNING_DIR = ".glot500-running"  # <workdir>/.glot500-running/<stage>.json, outside the stage's own folder
LOCK_NAME = ".glot500-run.lock"
_SMALL_FILE = 1 << 20


@dataclass(frozen=True)
class StageContext:
    """What a stage adapter gets: its stage, its output folder and its inputs resolved to paths or names."""

    stage: Stage
    out_dir: Path
    inputs: dict[str, Any]
    workdir: Path


@dataclass(frozen=True)
class StageKind:
    """An adapter: ``run`` does the work; ``validate`` lists problems (``"key: message"``) before any work."""

    run: Callable[[StageContext], None]
    validate: Callable[[Stage], list[str]] | None = None
    version: int = 1


@dataclass(frozen=True)
class PlanItem:
    stage: Stage
    action: Literal["run", "skip"]
    reason: str


Registry = Mapping[str, StageKind]


def artifact_hash(path: str | Path) -> str:
    """A hash of a file or folder's files (stage records excluded); cheap for large files."""
    path = Path(path)
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if file.name in (RECORD_NAME, LOCK_NAME):
            continue
        stat = file.stat()
        digest.update(f"{file.relative_to(path) if file != path else file.name}\0{stat.st_size}\0".encode())
        if stat.st_size <= _SMALL_FILE:
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        else:
            digest.update(str(stat.st_mtime_ns).encode())
    return digest.hexdigest()


def read_record(out_dir: Path) -> dict[str, Any] | None:
    """The completion record of a stage folder (``None`` when the stage has not completed there)."""
    return read_json(out_dir / RECORD_NAME)


def read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError):
        return None  # a record torn by a kill is no record


class Pipeline:
    """The stages of one config over one workdir, with the adapters that run them."""

    def __init__(
        self, stages: list[Stage], workdir: str | Path, registry: Registry, threads: int | None = None
    ) -> None:
        self.stages = stages
        self.threads = threads
        self.workdir = Path(workdir).resolve()
        self.registry = registry
        self._by_name = {stage.name: stage for stage in stages}
        self._forced_roots: set[str] = set()

    # ---- checks before any work -------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise one :class:`ConfigError` listing every problem: unknown kinds, stage options, missing paths."""
        problems: list[str] = []
        for stage in self.stages:
            kind = self.registry.get(stage.kind)
            if kind is None:
                problems.append(f"{stage.section}: no adapter for stage kind {stage.kind!r}")
                continue
            for missing in stage.upstream():
                if missing not in self._by_name:
                    problems.append(f"{stage.section}: input '@{missing}' names no stage of this pipeline")
            if kind.validate is not None:
                problems.extend(_prefixed(stage.section, kind.validate(stage)))
            problems.extend(_missing_paths(stage))
        if problems:
            raise ConfigError("invalid pipeline config:\n" + "\n".join(f"  {p}" for p in dict.fromkeys(problems)))

    # ---- the plan ---------------------------------------------------------------------------------------
    def out_dir(self, name: str) -> Path:
        return self.workdir / name

    def running_path(self, name: str) -> Path:
        """Where a started stage keeps its fingerprint until it completes (stages may want an empty folder)."""
        return self.workdir / RUNNING_DIR / f"{name}.json"

    def plan(self, force: set[str] | None = None) -> list[PlanItem]:
        """Each stage's action and the reason, without running anything."""
        force = self._check_force(force or set())
        items: list[PlanItem] = []
        running: set[str] = set()
        for stage in self.stages:
            item = self._decide(stage, force, running)
            if item.action == "run":
                running.add(stage.name)
            items.append(item)
        return items

    def _check_force(self, force: set[str]) -> set[str]:
        self._forced_roots = set(force)
        if "all" in force:
            self._forced_roots = {stage.name for stage in self.stages}
            return self._forced_roots
        unknown = sorted(force - set(self._by_name))
        if unknown:
            raise ConfigError(f"--force {', '.join(unknown)}: no such stage (stages: {', '.join(self._by_name)})")
        forced = set(force)
        for stage in self.stages:  # run order: readers of a forced stage are forced too
            if any(name in forced for name in stage.upstream()):
                forced.add(stage.name)
        return forced

    def _decide(self, stage: Stage, force: set[str], running: set[str]) -> PlanItem:
        if stage.name in force:
            return PlanItem(
                stage, "run", "forced (--force)" if stage.name in self._forced_roots else "reads a forced stage"
            )
        out_dir = self.out_dir(stage.name)
        record, interrupted = read_record(out_dir), read_json(self.running_path(stage.name))
        if record is None and interrupted is None:
            return PlanItem(stage, "run", "not run yet")
        upstream_running = [name for name in stage.upstream() if name in running]
        if upstream_running:
            return PlanItem(
                stage,
                "run",
                f"reads {', '.join(upstream_running)}, which run first (skipped then if their output is unchanged)",
            )
        current = self.fingerprint(stage)
        if record is None:
            assert interrupted is not None
            if interrupted.get("fingerprint") == current["fingerprint"]:
                return PlanItem(stage, "run", "resume: an interrupted run was found")
            return PlanItem(stage, "run", "restart: an interrupted run had other settings or inputs")
        if record.get("fingerprint") != current["fingerprint"]:
            return PlanItem(stage, "run", _what_changed(record, current))
        if artifact_hash(out_dir) != record.get("output_hash"):
            return PlanItem(stage, "run", "its output changed since it completed")
        return PlanItem(stage, "skip", f"unchanged since {record.get('finished', '?')}")

    def fingerprint(self, stage: Stage) -> dict[str, Any]:
        """The stage's identity: kind, version, options, input references and the hashes of its inputs."""
        kind = self.registry[stage.kind]
        input_hashes = {
            role: [self._input_hash(item) for item in _items(value)] for role, value in stage.inputs.items()
        }
        identity = {
            "kind": stage.kind,
            "version": kind.version,
            "options": stage.options,
            "inputs": stage.inputs,
            "input_hashes": input_hashes,
        }
        blob = json.dumps(identity, sort_keys=True, default=str)
        # Compared with what a record read back holds: JSON types (a tuple becomes a list).
        return {**json.loads(blob), "fingerprint": hashlib.sha256(blob.encode()).hexdigest()}

    def _input_hash(self, value: str) -> str:
        if is_reference(value):
            record = read_record(self.out_dir(reference_stage(value)))
            if record is None:
                return "missing"
            if "/" in value:  # a part of the stage's output (@udhr/text, @base/final): that part only
                path = self.workdir / value[1:]
                return artifact_hash(path) if path.exists() else "missing"
            return str(record.get("output_hash", "missing"))
        if value and Path(value).exists():
            return artifact_hash(value)
        return f"name:{value}"  # a hub name (or "" for a source fetched by the stage itself)

    # ---- running ----------------------------------------------------------------------------------------
    def run(
        self, force: set[str] | None = None, on_event: Callable[[str, PlanItem, float], None] | None = None
    ) -> list[PlanItem]:
        """Run the plan; returns the items as decided when each stage came up."""
        force = self._check_force(force or set())
        done: list[PlanItem] = []
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.threads is not None:
            # Tiny models gain little from intra-op threads, and on a busy machine spinning threads cost more.
            import torch

            torch.set_num_threads(self.threads)
        with _exclusive_lock(self.workdir / LOCK_NAME):
            for stage in self.stages:
                # Decided now, not upfront: an upstream that just ran changed this stage's input hashes.
                item = self._decide(stage, force, running=set())
                done.append(item)
                if on_event:
                    on_event("start" if item.action == "run" else "skip", item, 0.0)
                if item.action == "skip":
                    continue
                seconds = self._run_stage(stage, fresh=stage.name in force)
                if on_event:
                    on_event("done", item, seconds)
        return done

    def _run_stage(self, stage: Stage, fresh: bool) -> float:
        out_dir = self.out_dir(stage.name)
        identity = self.fingerprint(stage)
        running = self.running_path(stage.name)
        interrupted = read_json(running)
        resume = not fresh and interrupted is not None and interrupted.get("fingerprint") == identity["fingerprint"]
        if out_dir.exists() and not resume:
            # Only an interrupted run of these very settings and inputs is resumed; anything else starts clean,
            # but only a folder this pipeline wrote (its record, or the running marker beside it) is deleted.
            running_marker = Path("..", RUNNING_DIR, running.name)
            external = [item for value in stage.inputs.values() for item in _items(value) if not is_reference(item)]
            remove_own_output(out_dir, markers=(RECORD_NAME, str(running_marker)), inputs=external, option="stage")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / RECORD_NAME).unlink(missing_ok=True)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        running.parent.mkdir(exist_ok=True)
        write_json_atomic(running, {"fingerprint": identity["fingerprint"], "started": started}, indent=2, default=str)
        context = StageContext(stage, out_dir, self._resolve_inputs(stage), self.workdir)
        begin, cpu_begin = time.perf_counter(), _cpu_seconds()
        logger.info("stage %s (%s): running into %s", stage.name, stage.kind, out_dir)
        self.registry[stage.kind].run(context)
        seconds = time.perf_counter() - begin
        record = {
            **identity,
            "stage": stage.name,
            "output_hash": artifact_hash(out_dir),
            "started": started,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 3),
            # CPU time of this process and its finished children: on a shared machine, a better measure of
            # the work than wall time (wall on an idle machine >= cpu_seconds / cores).
            "cpu_seconds": round(_cpu_seconds() - cpu_begin, 3),
        }
        write_json_atomic(out_dir / RECORD_NAME, record, indent=2, default=str)
        running.unlink(missing_ok=True)
        return seconds

    def _resolve_inputs(self, stage: Stage) -> dict[str, Any]:
        resolved: dict[str, Any] = {}
        for role, value in stage.inputs.items():
            items = [self._resolve(item) for item in _items(value)]
            resolved[role] = items[0] if isinstance(value, str) else items
        return resolved

    def _resolve(self, value: str) -> Path | str:
        if is_reference(value):
            return self.workdir / value[1:]
        return Path(value).resolve() if value and Path(value).exists() else value


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _items(value: InputValue) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _prefixed(section: str, problems: list[str]) -> Iterator[str]:
    for problem in problems:
        yield f"{section}.{problem}" if not problem.startswith(section) else problem


def _may_be_hub_name(role: str, value: str) -> bool:
    """Model inputs may name a hub model (``xlm-roberta-base``, ``cis-lmu/glot500-base``); data inputs are paths."""
    hub_role = role in ("base", "model") or role.startswith("model:")
    return hub_role and not value.startswith(("/", ".", "~")) and value.count("/") <= 1


def _missing_paths(stage: Stage) -> Iterator[str]:
    """External inputs that are paths must exist (hub names are checked by the stage that loads them)."""
    for role, value in stage.inputs.items():
        for item in _items(value):
            if not item or is_reference(item) or _may_be_hub_name(role, item):
                continue
            if not Path(item).expanduser().exists():
                yield f"{stage.section}: input {role.split(':')[-1]} not found: {item}"


def _what_changed(record: dict[str, Any], current: dict[str, Any]) -> str:
    if record.get("kind") != current["kind"] or record.get("version") != current["version"]:
        return "the stage's code version changed"
    old, new = record.get("options", {}), current["options"]
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    if changed:
        return "settings changed: " + ", ".join(changed)
    if record.get("inputs") != current["inputs"]:
        return "inputs changed: " + ", ".join(
            sorted(k for k in current["inputs"] if record["inputs"].get(k) != current["inputs"][k])
        )
    roles = sorted(
        role
        for role in current["input_hashes"]
        if record.get("input_hashes", {}).get(role) != current["input_hashes"][role]
    )
    return "input data changed: " + ", ".join(roles or ["?"])


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """One ``glot500 run`` per workdir at a time (an advisory lock, released when the process dies)."""
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Glot500Error(
                f"{path.parent} is in use by another 'glot500 run'; wait for it or use another workdir"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
