"""The pipeline framework over stub stages defined here: plan, skip, resume after a kill, force, config errors.

The stubs do small real work on files (concatenate, count, "train" in checkpointed steps) so that outputs
depend on inputs and options, and they log every call, so the tests see exactly which stages ran.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from glot500.core.errors import ConfigError
from glot500.core.manifest import write_manifest
from glot500.pipeline import StageContext, StageKind, load_pipeline
from glot500.pipeline.runner import RECORD_NAME, RUNNING_DIR


def _log_call(ctx: StageContext, what: str = "") -> None:
    with open(ctx.workdir.parent / "calls.log", "a") as log:
        log.write(f"{ctx.stage.name}{':' + what if what else ''}\n")


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def stub_corpus(ctx: StageContext) -> None:
    _log_call(ctx)
    lines = [
        line
        for path in ctx.inputs["input"]
        for f in sorted(Path(path).glob("*.txt"))
        for line in f.read_text().splitlines()
    ]
    (ctx.out_dir / "corpus.txt").write_text("\n".join(lines) + "\n")
    write_manifest(ctx.out_dir, "corpus", 1, counts={"lines": len(lines)})


def stub_vocab(ctx: StageContext) -> None:
    _log_call(ctx)
    text = (Path(ctx.inputs["corpus"]) / "corpus.txt").read_text()
    size = ctx.stage.options.get("vocab_size", 10)
    (ctx.out_dir / "vocab.txt").write_text("".join(sorted(set(text)))[:size])


def stub_extend(ctx: StageContext) -> None:
    _log_call(ctx)
    parts = [Path(value).read_text() if Path(value).is_file() else _digest(str(value)) for value in _files(ctx)]
    (ctx.out_dir / "model.txt").write_text(_digest(parts, ctx.stage.options))


def _files(ctx: StageContext) -> list[Path]:
    found = []
    for role in sorted(ctx.inputs):
        path = Path(ctx.inputs[role])
        found += sorted(p for p in path.glob("*.txt")) if path.is_dir() else [path]
    return found


def stub_train(ctx: StageContext) -> None:
    """Resumable like the real trainer: one checkpoint file per step, restart from the newest one."""
    steps = int(ctx.stage.options["max_steps"])
    delay = float(ctx.stage.options.get("step_seconds", 0.0))
    settings = {key: value for key, value in ctx.stage.options.items() if key != "step_seconds"}  # pacing only
    state = _digest([p.read_text() for p in _files(ctx)], settings)
    done = sorted(int(p.stem.split("-")[1]) for p in ctx.out_dir.glob("ckpt-*.txt"))
    start = done[-1] if done else 0
    if done:
        state = (ctx.out_dir / f"ckpt-{start}.txt").read_text()
    for step in range(start + 1, steps + 1):
        _log_call(ctx, f"step{step}")
        state = _digest(state, step)
        time.sleep(delay)
        (ctx.out_dir / f"ckpt-{step}.txt").write_text(state)
    (ctx.out_dir / "final").mkdir()
    (ctx.out_dir / "final" / "model.txt").write_text(state)  # like glot500.train: the model in <out>/final


def validate_train(stage) -> list[str]:
    steps = stage.options.get("max_steps")
    return [] if isinstance(steps, int) and steps > 0 else [f"max_steps: must be a positive integer, got {steps!r}"]


def stub_evaluate(ctx: StageContext) -> None:
    _log_call(ctx)
    rows = [
        {"model": role.split(":")[1], "score": _digest((Path(path) / "model.txt").read_text())}
        for role, path in sorted(ctx.inputs.items())
        if role.startswith("model:")
    ]
    (ctx.out_dir / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def stub_report(ctx: StageContext) -> None:
    _log_call(ctx)
    results = (Path(ctx.inputs["results"]) / "results.jsonl").read_text()
    (ctx.out_dir / "index.md").write_text(f"# report\n{results}")


REGISTRY = {
    "corpus": StageKind(stub_corpus),
    "vocab_train": StageKind(stub_vocab),
    "vocab_extend": StageKind(stub_extend),
    "model_extend": StageKind(stub_extend),
    "train": StageKind(stub_train, validate_train),
    "evaluate": StageKind(stub_evaluate),
    "report": StageKind(stub_report),
}


def write_config(root: Path, name: str = "run", **changes: Any) -> Path:
    raw = root / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "eng_Latn.txt").write_text("the cat sat\non the mat\n")
    (raw / "yor_Latn.txt").write_text("ọmọ ológbò\n")
    config: dict[str, Any] = {
        "workdir": str(root / name),
        "corpus": {"input": [str(raw)]},
        "base": {"vocab": {"vocab_size": 5}, "train": {"max_steps": 3}},
        "extend": {"vocab": {"vocab_size": 8}, "train": {"max_steps": 6, "step_seconds": 0.0}},
        "control": {"enabled": True},
        "evaluate": {},
        "report": {},
    }
    for dotted, value in changes.items():
        node = config
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def calls(root: Path) -> list[str]:
    log = root / "calls.log"
    return log.read_text().split() if log.exists() else []


def outputs(workdir: Path) -> dict[str, str]:
    """Every output file's content, minus records and timestamped manifests."""
    return {
        str(p.relative_to(workdir)): p.read_text()
        for p in sorted(workdir.rglob("*"))
        if p.is_file() and p.name not in (RECORD_NAME, "manifest.json", ".glot500-run.lock")
    }


STAGES = [
    "corpus",
    "base_vocab",
    "base",
    "vocab",
    "vocab_extend",
    "model_extend",
    "glot",
    "control",
    "evaluate",
    "report",
]


def test_first_plan_runs_everything_then_a_rerun_skips_everything(tmp_path: Path) -> None:
    pipeline = load_pipeline(write_config(tmp_path), registry=REGISTRY)
    plan = pipeline.plan()
    assert [item.stage.name for item in plan] == STAGES
    assert all(item.action == "run" and item.reason == "not run yet" for item in plan)
    pipeline.run()
    assert [c for c in calls(tmp_path) if ":" not in c] == [s for s in STAGES if s not in ("base", "glot", "control")]
    assert (tmp_path / "run" / "report" / "index.md").read_text().count('"model"') == 3  # base, glot, control
    first_calls = len(calls(tmp_path))
    assert all(item.action == "skip" for item in pipeline.plan())
    pipeline.run()
    assert len(calls(tmp_path)) == first_calls


def test_changed_settings_rerun_that_stage_and_what_reads_it(tmp_path: Path) -> None:
    load_pipeline(write_config(tmp_path), registry=REGISTRY).run()
    pipeline = load_pipeline(write_config(tmp_path, extend__train__max_steps=7), registry=REGISTRY)
    plan = {item.stage.name: item for item in pipeline.plan()}
    assert plan["glot"].action == "run" and plan["glot"].reason == "settings changed: max_steps"
    assert plan["control"].action == "run"  # control repeats glot's training settings
    assert plan["evaluate"].action == "run" and "glot" in plan["evaluate"].reason
    assert [name for name, item in plan.items() if item.action == "skip"] == STAGES[:6]
    before = len(calls(tmp_path))
    pipeline.run()
    assert "glot:step7" in calls(tmp_path)[before:]
    assert "corpus" not in calls(tmp_path)[before:]


def test_changed_input_data_reruns_from_the_corpus(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    load_pipeline(config, registry=REGISTRY).run()
    (tmp_path / "raw" / "eng_Latn.txt").write_text("a different cat\n")
    plan = load_pipeline(config, registry=REGISTRY).plan()
    assert plan[0].action == "run" and plan[0].reason == "input data changed: input"
    assert all(item.action == "run" for item in plan)


def test_force_reruns_a_stage_from_scratch_and_its_readers(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    load_pipeline(config, registry=REGISTRY).run()
    before = len(calls(tmp_path))
    pipeline = load_pipeline(config, registry=REGISTRY)
    plan = {i.stage.name: i.reason for i in pipeline.plan({"glot"})}
    assert plan["glot"] == "forced (--force)" and plan["evaluate"] == "reads a forced stage"
    assert plan["control"].startswith("unchanged since")
    pipeline.run({"glot"})
    rerun = calls(tmp_path)[before:]
    assert rerun[:6] == [f"glot:step{i}" for i in range(1, 7)]  # from step 1: the old checkpoints were removed
    assert rerun[6:] == ["evaluate", "report"]  # its readers run again; control does not read glot
    with pytest.raises(ConfigError, match="no such stage"):
        pipeline.plan({"nope"})


def _run_in_child(config: Path) -> None:
    load_pipeline(config, registry=REGISTRY).run()


def test_killed_during_training_resumes_and_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    reference_root, killed_root = tmp_path / "reference", tmp_path / "killed"
    reference_root.mkdir(), killed_root.mkdir()
    load_pipeline(write_config(reference_root), registry=REGISTRY).run()

    config = write_config(killed_root, extend__train__step_seconds=0.2)
    child = multiprocessing.get_context("fork").Process(target=_run_in_child, args=(config,))
    child.start()
    glot = killed_root / "run" / "glot"
    deadline = time.monotonic() + 60
    while not (glot / "ckpt-2.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert (killed_root / "run" / RUNNING_DIR / "glot.json").exists() and not (glot / RECORD_NAME).exists()

    pipeline = load_pipeline(config, registry=REGISTRY)
    plan = {item.stage.name: item for item in pipeline.plan()}
    assert plan["glot"].reason == "resume: an interrupted run was found"
    assert [name for name, item in plan.items() if item.action == "skip"] == STAGES[:6]
    before = len(calls(killed_root))
    pipeline.run()
    resumed = calls(killed_root)[before:]
    assert "glot:step1" not in resumed and "glot:step6" in resumed  # continued from its checkpoint
    assert not any(name in resumed for name in ("corpus", "vocab", "base_vocab", "base:step1"))
    assert outputs(killed_root / "run") == outputs(reference_root / "run")
    assert all(item.action == "skip" for item in pipeline.plan())


def test_config_errors_are_all_reported_before_any_work(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        base__train__max_steps=0,
        extend__train__max_steps="many",
        corpus__input=[str(tmp_path / "missing")],
        report__colour="red",
    )
    with pytest.raises(ConfigError) as error:
        load_pipeline(config, registry=REGISTRY)
    message = str(error.value)
    assert "base.train.max_steps: must be a positive integer, got 0" in message
    assert "extend.train.max_steps: must be a positive integer, got 'many'" in message
    assert f"corpus: input input not found: {tmp_path / 'missing'}" in message
    assert not (tmp_path / "run").exists() and calls(tmp_path) == []


def test_structural_errors_name_their_keys(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump({"workdir": 3, "corpus": {"input": []}, "base": {}, "evalute": {}}))
    with pytest.raises(ConfigError) as error:
        load_pipeline(config, registry=REGISTRY)
    message = str(error.value)
    assert "workdir: Input should be a valid string" in message
    assert "evalute: Extra inputs are not permitted" in message
    assert "base: Value error, give either 'model'" in message


def test_a_stage_failure_leaves_no_completion_record(tmp_path: Path) -> None:
    def failing(ctx: StageContext) -> None:
        (ctx.out_dir / "partial.txt").write_text("half")
        raise RuntimeError("disk full")

    registry = {**REGISTRY, "vocab_train": StageKind(failing)}
    pipeline = load_pipeline(write_config(tmp_path), registry=registry)
    with pytest.raises(RuntimeError, match="disk full"):
        pipeline.run()
    assert not (tmp_path / "run" / "base_vocab" / RECORD_NAME).exists()
    assert (tmp_path / "run" / "corpus" / RECORD_NAME).exists()
    plan = {item.stage.name: item for item in load_pipeline(write_config(tmp_path), registry=REGISTRY).plan()}
    assert plan["corpus"].action == "skip" and plan["base_vocab"].reason == "resume: an interrupted run was found"
