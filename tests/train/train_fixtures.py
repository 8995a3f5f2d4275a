"""Helpers shared by the training tests: a three-language toy corpus and a tiny-model config."""

from __future__ import annotations

import random
from pathlib import Path

# One fixed word cycle per language: lines are windows of it, so the next word is learnable.
WORD_CYCLES = {
    "eng_Latn": "the cat sees a dog and the dog runs to the house of the old man who sings",
    "deu_Latn": "der hund sieht eine katze und die katze läuft zum haus des alten mannes",
    "yor_Latn": "ọmọ náà rí ajá àti ajá náà sáré lọ sí ilé bàbá àgbà tí ń kọrin",
}


def write_corpus(folder: Path, lines: int = 120, seed: int = 0) -> Path:
    """``<label>.txt`` files whose lines follow a fixed word order (learnable) with random lengths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for label, cycle in WORD_CYCLES.items():
        words = cycle.split()
        count = lines if label != "yor_Latn" else lines // 4  # a smaller tail language
        with open(folder / f"{label}.txt", "w", encoding="utf-8") as handle:
            for _ in range(count):
                start = rng.randrange(len(words))
                length = rng.randint(4, 12)
                handle.write(" ".join(words[(start + i) % len(words)] for i in range(length)) + "\n")
    return folder


def tiny_config_dict(corpus: Path, tokenizer: Path, output: Path, **overrides) -> dict:
    """A scratch tiny-model config that trains in seconds on one CPU core."""
    config = {
        "output_dir": str(output),
        "data": {"corpus": str(corpus), "seq_len": 32},
        "model": {"scratch": {"size": "tiny", "hidden_size": 32, "intermediate_size": 64}, "tokenizer": str(tokenizer)},
        "optim": {"lr": 3e-3, "warmup_steps": 2},
        "max_steps": 20,
        "micro_batch_size": 4,
        "global_batch_size": 8,
        "log_every": 1,
        "checkpoint_every": 10,
        "progress": False,
        "device": "cpu",
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def kill_at_step(monkeypatch, step: int) -> None:
    """Make the next training run die (KeyboardInterrupt) right after it logs ``step``, as a killed job would;
    ``monkeypatch.undo()`` restores the writer before the same command runs again."""
    from glot500.train.metrics import MetricsWriter

    original_write = MetricsWriter.write

    def crash(self, record):
        original_write(self, record)
        if record["step"] == step:
            raise KeyboardInterrupt

    monkeypatch.setattr(MetricsWriter, "write", crash)

