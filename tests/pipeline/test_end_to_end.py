"""The real stages end to end on a tiny corpus the test writes: ``glot500 run`` as a subprocess, killed during
training and run again, ends with the same model and results as the uninterrupted run and skips what was done."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from glot500.pipeline import load_pipeline

pytestmark = pytest.mark.slow

LANGUAGES = {  # label -> letters its made-up words use (a head and a tail language per script)
    "eng_Latn": "etaoinshrdlu",
    "deu_Latn": "enisratdhulg",
    "quc_Latn": "aqkixtjwbl'",
    "rus_Cyrl": "оеаинтсвлрк",
    "kjh_Cyrl": "ыҷіӧңғаеол",
}


def write_corpus(root: Path) -> tuple[Path, Path]:
    """Made-up parallel text: sentence i is the 'same' in every language (same word ids, own spellings)."""
    rng = random.Random(0)
    lexicon = {
        label: ["".join(rng.choice(letters) for _ in range(rng.randint(2, 7))) for _ in range(120)]
        for label, letters in LANGUAGES.items()
    }
    sentences = [[rng.randrange(120) for _ in range(rng.randint(5, 12))] for _ in range(260)]
    raw, tasks = root / "raw", root / "tasks" / "retrieval_toy"
    raw.mkdir(parents=True)
    for label, words in lexicon.items():
        lines = [" ".join(words[i] for i in sentence) for sentence in sentences]
        (raw / f"{label}.txt").write_text("\n".join(lines[:240]) + "\n", encoding="utf-8")
        if label != "eng_Latn":  # the last 20 sentences are held out as a retrieval task against English
            folder = tasks / label
            folder.mkdir(parents=True)
            (folder / f"{label}.txt").write_text("\n".join(lines[240:]) + "\n", encoding="utf-8")
            english = [" ".join(lexicon["eng_Latn"][i] for i in s) for s in sentences[240:]]
            (folder / "eng_Latn.txt").write_text("\n".join(english) + "\n", encoding="utf-8")
    write_classification_task(tasks.parent / "topics_toy", lexicon, rng)
    return raw, tasks.parent


def write_classification_task(folder: Path, lexicon: dict[str, list[str]], rng: random.Random) -> None:
    """Two topics told apart by their words: English train/dev/test, other languages test only (zero-shot)."""
    examples = [(label, [rng.randrange(60) + 60 * label for _ in range(6)]) for label in (0, 1) for _ in range(24)]
    rng.shuffle(examples)
    for language, words in lexicon.items():
        (folder / language).mkdir(parents=True)
        lines = [f"{' '.join(words[i] for i in ids)}\t{'ab'[label]}" for label, ids in examples]
        splits = {"train": lines[:32], "dev": lines[32:40], "test": lines[40:]} if language == "eng_Latn" else {}
        for split, chunk in (splits or {"test": lines[40:]}).items():
            (folder / language / f"{split}.tsv").write_text("\n".join(chunk) + "\n", encoding="utf-8")
    (folder / "labels.txt").write_text("a\nb\n", encoding="utf-8")


def write_config(root: Path, raw: Path, tasks: Path) -> Path:
    train: dict[str, Any] = {
        "model": {"scratch": {"size": "tiny", "hidden_size": 32, "num_layers": 2, "num_heads": 2,
                              "intermediate_size": 64, "max_position_embeddings": 66}},
        "data": {"seq_len": 64},
        "max_steps": 8, "micro_batch_size": 4, "global_batch_size": 4, "checkpoint_every": 4,
        "optim": {"lr": 1e-3}, "device": "cpu", "progress": False, "log_every": 2,
    }  # fmt: skip
    config = {
        "workdir": str(root / "work"),
        "threads": 1,
        "corpus": {"input": [str(raw)], "minhash": {"enabled": False}, "corpus_level": {"min_chunks": 0}},
        "base": {"languages": "head", "vocab": {"vocab_size": 120, "sample_size": 2000}, "train": train},
        "extend": {
            "vocab": {"vocab_size": 160, "sample_size": 3000},
            # corpus-informed: fastText over the pipeline's corpus; two phases, the kill below lands in the first
            "model": {"init": "corpus-informed", "init_options": {"dim": 8, "epoch": 1}},
            "train": {**train, "model": {}, "max_steps": None, "checkpoint_every": 3, "data": {"seq_len": 64,
                      "head_floor": 0.3}, "phases": [{"steps": 20, "train": "new_rows", "lr": 5e-3},
                                                     {"steps": 40, "train": "all"}]},
        },
        "control": {"enabled": True},
        "vocab_report": {"max_sentences": 20, "plots": False},
        "evaluate": {"tasks": [str(tasks)], "profile": "cpu-small", "layer": 1, "batch_size": 32,
                     "ppl_max_sentences": 3, "roundtrip_max_sentences": 5},
        "report": {"base": "base", "resamples": 50},
    }  # fmt: skip
    path = root / "tiny.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def glot500(*args: str, **popen: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", "from glot500.cli import main; main()", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, **popen,
    )  # fmt: skip


def run_to_end(*args: str) -> str:
    process = glot500(*args)
    out, _ = process.communicate(timeout=600)
    assert process.returncode == 0, out[-3000:]
    return out


def results(workdir: Path) -> list[tuple]:
    rows = [json.loads(line) for line in (workdir / "evaluate" / "results.jsonl").read_text().splitlines()]
    return sorted((r["model"], r["task"], r["dataset"], r["lang"], r["metric"], r["value"]) for r in rows)


def weights(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(folder / "model.safetensors")


def test_run_killed_during_training_resumes_to_the_same_outputs(tmp_path: Path) -> None:
    raw, tasks = write_corpus(tmp_path)
    config = write_config(tmp_path, raw, tasks)
    workdir = tmp_path / "work"

    out = run_to_end("run", str(config))
    assert (workdir / "report" / "index.html").is_file(), out[-2000:]
    page = (workdir / "report" / "index.html").read_text(encoding="utf-8")
    assert "new rows init corpus-informed" in page and "20 steps, new rows only" in page  # each model's recipe
    uninterrupted_results, uninterrupted_glot = results(workdir), weights(workdir / "glot" / "final")
    models = {row[0] for row in uninterrupted_results}
    assert models == {"base", "glot", "control"}
    rows = [json.loads(line) for line in (workdir / "evaluate" / "results.jsonl").read_text().splitlines()]
    assert [row for row in rows if row["error"]] == []  # fine-tuning too loads each model by its path
    assert {row[1] for row in uninterrupted_results} == {"retrieval", "classification", "pseudo_perplexity"}

    # The same config again: everything is skipped.
    assert {item.action for item in load_pipeline(config).plan()} == {"skip"}

    # Re-run glot from scratch and kill it once it has written a checkpoint.
    record, checkpoints = workdir / "glot" / ".glot500-stage.json", workdir / "glot" / "checkpoints"
    process = glot500("run", str(config), "--force", "glot")
    deadline, wiped = time.monotonic() + 300, False
    while time.monotonic() < deadline and process.poll() is None:
        wiped = wiped or not record.exists()  # the forced stage starts by emptying its folder
        if wiped and checkpoints.is_dir() and any(not p.name.endswith(".partial") for p in checkpoints.iterdir()):
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert not record.exists(), "training finished before it could be killed"

    plan = {item.stage.name: item for item in load_pipeline(config).plan()}
    assert plan["glot"].reason == "resume: an interrupted run was found"
    assert all(plan[name].action == "skip" for name in ("corpus", "base", "vocab", "model_extend", "control"))

    out = run_to_end("run", str(config))
    assert "[skip] corpus" in out and "[run ] glot (train): resume" in out, out
    # The resumed glot/final is byte for byte the uninterrupted one, so what reads it has nothing to redo.
    assert "[skip] evaluate" in out and "[skip] report" in out, out
    resumed_glot = weights(workdir / "glot" / "final")
    assert resumed_glot.keys() == uninterrupted_glot.keys()
    assert all((resumed_glot[k] == uninterrupted_glot[k]).all() for k in resumed_glot)
    assert results(workdir) == uninterrupted_results
    assert (workdir / "report" / "index.html").is_file()


def test_config_errors_are_reported_before_any_work(tmp_path: Path) -> None:
    raw, tasks = write_corpus(tmp_path)
    config = yaml.safe_load(write_config(tmp_path, raw, tasks).read_text())
    config["base"]["train"]["max_steps"] = 0
    config["extend"]["model"]["init"] = "zeros"
    config["evaluate"]["layr"] = 3
    config["corpus"]["input"] = [str(tmp_path / "no-such-corpus")]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    process = glot500("run", str(bad))
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 2
    for expected in (
        "base.train.max_steps: Input should be greater than or equal to 1",
        "extend.model.init: 'zeros' is not one of random, mean, subword-mean, script-mean, corpus-informed",
        "evaluate.layr: Extra inputs are not permitted",
        f"corpus: input input not found: {tmp_path / 'no-such-corpus'}",
    ):
        assert expected in out, out
    assert not (tmp_path / "work").exists()
