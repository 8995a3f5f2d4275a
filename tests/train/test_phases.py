"""Training in phases: freezing, the new rows' learning-rate multiplier, per-phase schedules and language
mixes, and resuming a run killed inside either phase."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from train_fixtures import tiny_config_dict

from glot500.core.errors import ConfigError
from glot500.train import train, train_config_from_dict
from glot500.train.checkpoint import checkpoint_dir
from glot500.train.metrics import MetricsWriter, read_metrics
from glot500.train.phases import PhaseControl, lr_scheduler, resolve_phases
from glot500.train.shards import Shard
from glot500.train.stream import MixedStream, PackedLanguage

EMBEDDING = "roberta.embeddings.word_embeddings.weight"
BIAS = "lm_head.bias"


@pytest.fixture(scope="module")
def extended_model(tmp_path_factory, corpus_dir: Path) -> dict:
    """A tiny base model (eng + deu tokenizer) extended to a merged tokenizer (+ yor pieces), with extension.json."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from glot500.corpus.reader import discover_languages, iter_texts
    from glot500.model.extend import extend_embeddings
    from glot500.model.io import save_mlm
    from glot500.model.tiny import make_tiny_mlm
    from glot500.vocab.merge import merge
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    root = tmp_path_factory.mktemp("extended")
    files = discover_languages(corpus_dir)
    head = [text for label in ("eng_Latn", "deu_Latn") for text in iter_texts(files[label])]
    base_tok = spm_to_hf_tokenizer(train_spm(head, root / "base" / "sp", vocab_size=70, num_threads=1), root / "b")
    added = train_spm(list(iter_texts(files["yor_Latn"])), root / "added" / "sp", vocab_size=60, num_threads=1)
    merged_tok = merge(base_tok, added, root / "merged")
    base_dir = make_tiny_mlm(base_tok, root / "base_model", seed=0, hidden_size=32, intermediate_size=64)
    model = AutoModelForMaskedLM.from_pretrained(base_dir, use_safetensors=True)
    old, new = AutoTokenizer.from_pretrained(base_tok), AutoTokenizer.from_pretrained(merged_tok)
    extend_embeddings(model, old, new, init="mean")
    folder = save_mlm(model, new, root / "extended_model")
    fresh = sorted(i for token, i in new.get_vocab().items() if token not in old.get_vocab())
    ranges = [[fresh[0], fresh[0] + 1]]
    for i in fresh[1:]:
        if i == ranges[-1][1]:
            ranges[-1][1] += 1
        else:
            ranges.append([i, i + 1])
    record = {"schema_version": 1, "base_vocab_size": len(old), "vocab_size": len(new), "new_token_ids": ranges}
    (folder / "extension.json").write_text(json.dumps(record), encoding="utf-8")
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    new_mask = torch.zeros(len(new), dtype=torch.bool)
    new_mask[fresh] = True
    assert 10 < len(fresh) < len(new) - 30  # both kinds of rows exist
    return {"dir": folder, "weights": weights, "new": new_mask}


def _config(corpus_dir, extended_model, out, phases, **overrides):
    data = tiny_config_dict(corpus_dir, extended_model["dir"], out, **overrides)
    data["model"] = {"checkpoint": str(extended_model["dir"])}
    data.pop("max_steps")
    data["phases"] = phases
    return train_config_from_dict(data)


def _state(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(folder / "model" / "model.safetensors"))


def _assert_only_new_rows_changed(before: dict, after: dict, new: torch.Tensor) -> None:
    for name, tensor in before.items():
        if name in (EMBEDDING, BIAS):
            assert torch.equal(tensor[~new], after[name][~new]), f"old rows of {name} moved"
            assert (tensor[new] != after[name][new]).any(dim=-1 if tensor.ndim == 2 else 0).all(), name
        elif name in after:
            assert torch.equal(tensor, after[name]), f"frozen {name} moved"


def test_new_rows_phases_freeze_everything_else(corpus_dir, extended_model, tmp_path):
    phases = [
        {"name": "rows", "steps": 3, "train": "new_rows", "lr": 1e-2},
        {"name": "all", "steps": 3},
        {"name": "rows-again", "steps": 3, "train": "new_rows"},  # after a phase that moved everything
    ]
    config = _config(corpus_dir, extended_model, tmp_path / "run", phases, checkpoint_every=3, keep_checkpoints=5,
                     optim={"weight_decay": 0.1})  # fmt: skip
    train(config)
    at = {step: _state(checkpoint_dir(tmp_path / "run", step)) for step in (3, 6, 9)}
    start = {name: tensor for name, tensor in extended_model["weights"].items() if name in at[3]}
    _assert_only_new_rows_changed(start, at[3], extended_model["new"])
    moved = [name for name in at[3] if not torch.equal(at[3][name], at[6][name])]
    assert len(moved) == len(at[3])  # phase "all" trains every parameter
    _assert_only_new_rows_changed(at[6], at[9], extended_model["new"])

    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    hidden, new_rows = 32, int(extended_model["new"].sum())
    trained = [phase["trained_parameters"] for phase in manifest["phases"]]
    assert trained[0] == trained[2] == new_rows * (hidden + 1)  # embedding rows + their bias entries
    assert trained[1] == sum(t.numel() for t in at[3].values())
    records = read_metrics(tmp_path / "run")
    assert [r["phase"] for r in records] == ["rows"] * 3 + ["all"] * 3 + ["rows-again"] * 3
    assert records[0]["lr"] == 0.0 and records[2]["lr"] == pytest.approx(1e-2 * 2 / 2)  # warmup_steps 2
    assert records[3]["lr"] == 0.0  # warm-up restarts in phase "all"


def test_a_run_killed_inside_either_phase_resumes_exactly(corpus_dir, extended_model, tmp_path, monkeypatch):
    phases = [
        {"name": "rows", "steps": 6, "train": "new_rows", "lr": 1e-2, "new_rows_lr_multiplier": 3.0, "alpha": 0.7},
        {"name": "all", "steps": 6, "lr": 2e-3, "warmup_steps": 1, "alpha": 0.3, "head_floor": 0.9},
    ]
    settings = {"checkpoint_every": 3, "optim": {"weight_decay": 0.01}, "model": {"dropout": 0.1}}
    reference = train(_config(corpus_dir, extended_model, tmp_path / "whole", phases, **settings))
    config = _config(corpus_dir, extended_model, tmp_path / "killed", phases, **settings)

    original_write = MetricsWriter.write
    kill_at = {5, 7, 11}  # inside phase 1; just after the boundary (resumes from step 6); inside phase 2

    def crash(self, record):
        original_write(self, record)
        if record["step"] in kill_at:
            kill_at.discard(record["step"])
            raise KeyboardInterrupt

    monkeypatch.setattr(MetricsWriter, "write", crash)
    for _ in range(3):
        with pytest.raises(KeyboardInterrupt):
            train(config)  # killed; then the same command again
    result = train(config)
    assert not kill_at
    assert result.resumed_from == 9
    logged = [(r["step"], r["phase"], r["loss"]) for r in read_metrics(tmp_path / "killed")]
    assert logged == [(r["step"], r["phase"], r["loss"]) for r in read_metrics(tmp_path / "whole")]
    assert [result.losses[s] for s in range(10, 13)] == [reference.losses[s] for s in range(10, 13)]
    for name, tensor in reference.model.state_dict().items():
        assert torch.equal(tensor, result.model.state_dict()[name]), name
    stream = json.loads((checkpoint_dir(tmp_path / "killed", 12) / "data.json").read_text())
    assert stream["phase"] == 1 and stream["position"] == 12 * 8


def _tiny_model(seed: int = 0):
    from transformers import XLMRobertaForMaskedLM

    from glot500.model.tiny import tiny_config

    torch.manual_seed(seed)
    return XLMRobertaForMaskedLM(tiny_config(40, hidden_size=16, num_layers=1, intermediate_size=32))


@pytest.mark.parametrize("train_what", ["all", "new_rows"])
def test_new_rows_lr_multiplier_scales_their_adam_update(train_what):
    phases = [{"steps": 5, "train": train_what, "new_rows_lr_multiplier": 4.0}]
    config = train_config_from_dict({**tiny_config_dict("c", "t", "o"), "max_steps": None, "phases": phases})
    phase_m = resolve_phases(config)[0]
    phase_1 = replace(phase_m, new_rows_lr_multiplier=1.0)
    runs = []
    for phase in (phase_1, phase_m):
        model = _tiny_model()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
        control = PhaseControl(model, optimizer, [(30, 40)], toggle_requires_grad=True)
        control.enter(phase)
        start = {k: v.detach().clone() for k, v in model.state_dict().items()}
        gradients = torch.Generator().manual_seed(1)
        for _ in range(3):  # the same gradients for both runs: Adam's moments are then identical too
            for param in model.parameters():
                param.grad = torch.randn(param.shape, generator=gradients) * 0.1
            control.mask_gradients()
            control.step()
        runs.append({k: v.detach() - start[k] for k, v in model.state_dict().items()})
    plain, scaled = runs
    for name in (EMBEDDING, BIAS):
        torch.testing.assert_close(scaled[name][30:40], 4.0 * plain[name][30:40], rtol=1e-5, atol=1e-7)  # float32 ulps
        assert torch.equal(scaled[name][:30], plain[name][:30])  # old rows: no multiplier
        assert (plain[name][30:40] != 0).all()
    if train_what == "new_rows":
        rows = (EMBEDDING, BIAS, "lm_head.decoder.weight", "lm_head.decoder.bias")  # the last two: tied to the first
        assert all((scaled[name] == 0).all() for name in scaled if name not in rows)
        assert (scaled[EMBEDDING][:30] == 0).all()


@pytest.mark.parametrize("schedule", ["linear", "cosine", "constant"])
def test_one_phase_schedule_is_transformers_schedule(schedule):
    from transformers import get_scheduler

    config = train_config_from_dict(
        {**tiny_config_dict("c", "t", "o", optim={"schedule": schedule, "warmup_steps": 3}), "max_steps": 17}
    )
    names = {"linear": "linear", "cosine": "cosine", "constant": "constant_with_warmup"}
    ours = lr_scheduler(torch.optim.AdamW([torch.nn.Parameter(torch.ones(1))], lr=3e-3),
                        resolve_phases(config), schedule, 3e-3)  # fmt: skip
    theirs = get_scheduler(names[schedule], torch.optim.AdamW([torch.nn.Parameter(torch.ones(1))], lr=3e-3), 3, 17)
    for _ in range(19):
        assert ours.get_last_lr() == theirs.get_last_lr()  # bit for bit: the single-phase run is unchanged
        ours.optimizer.step(), theirs.optimizer.step()
        ours.step(), theirs.step()


def test_each_phase_warms_up_to_its_own_lr_and_decays_over_its_steps():
    phases = [{"steps": 4, "lr": 1e-2, "warmup_steps": 2}, {"steps": 6, "warmup_steps": 0}]
    config = train_config_from_dict({**tiny_config_dict("c", "t", "o"), "max_steps": None, "phases": phases})
    scheduler = lr_scheduler(torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=3e-3),
                             resolve_phases(config), "linear", 3e-3)  # fmt: skip
    lrs = []
    for _ in range(10):
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    expected = [0, 5e-3, 1e-2, 5e-3] + [3e-3 * (6 - i) / 6 for i in range(6)]
    assert lrs == pytest.approx(expected)


def _packed(tmp_path, label: str, sequences: int) -> PackedLanguage:
    path = tmp_path / f"{label}.u32"
    (np.arange(sequences * 9) % 90 + 4).astype(np.uint32).tofile(path)
    return PackedLanguage(label, [Shard(label, "x", path, documents=1, tokens=sequences * 9)], 10)


def test_stream_reproduces_the_schedule_and_the_head_floor(tmp_path):
    from glot500.corpus.sampler import sampling_probabilities
    from glot500.languages import is_head

    sizes = {"eng_Latn": 20, "yor_Latn": 400, "ewe_Latn": 300, "quy_Latn": 500}  # eng: a small head language
    assert is_head("eng_Latn") and not any(is_head(label) for label in sizes if label != "eng_Latn")
    labels = sorted(sizes)
    languages = [_packed(tmp_path, label, sizes[label]) for label in labels]
    first = sampling_probabilities(sizes, alpha=0.7)
    second = sampling_probabilities(sizes, alpha=0.3, head_floor=0.4)
    assert first["eng_Latn"] < 0.4 and second["eng_Latn"] == pytest.approx(0.4, abs=1e-12)  # the floor binds
    draws = 6000
    schedule = [(0, [first[x] for x in labels]), (draws, [second[x] for x in labels])]
    stream = MixedStream(languages, None, seed=1, schedule=schedule)
    for probabilities in (first, second):
        picks = np.array([language for language, _, _ in stream.take(draws)])
        for index, label in enumerate(labels):
            frequency = float((picks == index).mean())
            assert frequency == pytest.approx(probabilities[label], abs=4 * math.sqrt(0.25 / draws)), label
    assert stream.state_dict()["phase"] == 1
    assert stream.state_dict()["probabilities"] == second


def test_stream_state_carries_the_phase_across_a_boundary(tmp_path):
    languages = [_packed(tmp_path, "eng_Latn", 30), _packed(tmp_path, "yor_Latn", 30)]

    def make():
        return MixedStream(languages, None, seed=0, schedule=[(0, [0.9, 0.1]), (40, [0.2, 0.8])])

    stream = make()
    stream.take(36)
    saved = json.loads(json.dumps(stream.state_dict()))  # as the checkpoint's data.json holds it
    assert saved["phase"] == 0 and saved["probabilities"] == {"eng_Latn": 0.9, "yor_Latn": 0.1}
    expected = stream.take(8) + stream.take(30)  # the first take spans the boundary at position 40
    restored = make()
    restored.load_state_dict(saved)
    assert restored.take(8) + restored.take(30) == expected
    other = MixedStream(languages, None, seed=0, schedule=[(0, [0.5, 0.5]), (40, [0.2, 0.8])])
    with pytest.raises(ConfigError, match="other language probabilities"):
        other.load_state_dict(saved)


def test_without_a_schedule_the_stream_draws_as_before(tmp_path):
    """One schedule entry = the single-phase stream: one ``choice`` per take from the same generator."""
    languages = [_packed(tmp_path, "eng_Latn", 30), _packed(tmp_path, "yor_Latn", 30)]
    stream = MixedStream(languages, [0.7, 0.3], seed=4)
    rng = np.random.default_rng([4, 0x5EED])
    for count in (5, 8, 13):
        assert [language for language, _, _ in stream.take(count)] == rng.choice(2, size=count, p=[0.7, 0.3]).tolist()


def test_manifest_lists_shares_and_epochs_per_phase(corpus_dir, tokenizer_dir, tmp_path):
    phases = [{"name": "warm", "steps": 2, "alpha": 1.0}, {"name": "floor", "steps": 3, "head_floor": 0.8}]
    data = {**tiny_config_dict(corpus_dir, tokenizer_dir, tmp_path / "run"), "max_steps": None, "phases": phases}
    data["data"]["languages"] = ["yor_Latn", "eng_Latn"]  # one head, one tail language
    train(train_config_from_dict(data))
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    warm, floor = manifest["phases"]
    assert (warm["steps"], warm["alpha"], floor["alpha"], floor["head_floor"]) == (2, 1.0, 0.3, 0.8)
    assert floor["head_share"] == pytest.approx(0.8) and floor["languages"]["eng_Latn"]["share"] == pytest.approx(0.8)
    sizes = {label: manifest["counts"][label]["sequences"] for label in ("eng_Latn", "yor_Latn")}
    assert warm["languages"]["eng_Latn"]["share"] == pytest.approx(sizes["eng_Latn"] / sum(sizes.values()))
    for label, size in sizes.items():
        drawn = warm["languages"][label]["share"] * 2 * 8 + floor["languages"][label]["share"] * 3 * 8
        assert manifest["languages"][label]["sequences_available"] == size
        assert manifest["languages"][label]["epochs"] == pytest.approx(drawn / size, abs=1e-4)


def test_new_rows_need_the_extension_record(corpus_dir, tokenizer_dir, tmp_path):
    from glot500.model.tiny import make_tiny_mlm

    plain = make_tiny_mlm(tokenizer_dir, tmp_path / "plain", hidden_size=16, intermediate_size=32)
    phases = [{"steps": 2, "train": "new_rows"}]
    data = {**tiny_config_dict(corpus_dir, tokenizer_dir, tmp_path / "a"), "max_steps": None, "phases": phases}
    data["model"] = {"checkpoint": str(plain)}
    with pytest.raises(ConfigError, match=r"phases\[0\]\.train: new_rows needs .*plain/extension\.json"):
        train(train_config_from_dict(data))
    data["model"] = {"scratch": {"size": "tiny"}, "tokenizer": str(tokenizer_dir)}
    data["phases"] = [{"steps": 2, "new_rows_lr_multiplier": 2.0}]
    with pytest.raises(ConfigError, match=r"phases\[0\]\.new_rows_lr_multiplier needs a model\.checkpoint"):
        train(train_config_from_dict(data))


def test_frozen_parameters_give_the_same_run_with_or_without_requires_grad(
    corpus_dir, extended_model, tmp_path, monkeypatch
):
    """Alone, frozen parameters get requires_grad=False (faster); under DDP their gradients are dropped."""
    phases = [{"steps": 3, "train": "new_rows", "new_rows_lr_multiplier": 2.0}, {"steps": 2}]
    alone = train(_config(corpus_dir, extended_model, tmp_path / "alone", phases))
    original = PhaseControl.__init__

    def like_ddp(self, model, optimizer, new_ranges, toggle_requires_grad):
        original(self, model, optimizer, new_ranges, toggle_requires_grad=False)

    monkeypatch.setattr(PhaseControl, "__init__", like_ddp)
    dropped = train(_config(corpus_dir, extended_model, tmp_path / "dropped", phases))
    assert dropped.losses == alone.losses
    for name, tensor in alone.model.state_dict().items():
        assert torch.equal(tensor, dropped.model.state_dict()[name]), name
