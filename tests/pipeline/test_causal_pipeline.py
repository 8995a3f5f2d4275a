"""``glot500 run`` with decoder LLMs: a tiny Llama base trained here and extended with LoRA + new rows, and an
existing causal LM with a byte-level BPE tokenizer (trained directly on all languages) as ``base.model``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from test_end_to_end import run_to_end, write_config, write_corpus

pytestmark = pytest.mark.slow


def _rows(workdir: Path) -> list[dict]:
    return [json.loads(line) for line in (workdir / "evaluate" / "results.jsonl").read_text().splitlines()]


def test_causal_base_trained_here_is_extended_with_lora_and_evaluated(tmp_path: Path) -> None:
    """The causal demo's shape: a byte-level BPE base vocabulary, new pieces trained in its family and merged."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    raw, tasks = write_corpus(tmp_path)
    path = write_config(tmp_path, raw, tasks)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["base"]["vocab"].update(family="byte-level-bpe", vocab_size=300)
    config["extend"]["vocab"]["vocab_size"] = 420
    scratch = config["base"]["train"]["model"]["scratch"]
    scratch.update(family="llama", tie_word_embeddings=False, max_position_embeddings=64)
    config["extend"]["train"]["model"] = {}
    config["extend"]["train"]["peft"] = {"r": 4, "alpha": 8}
    config["extend"]["train"]["phases"] = [{"steps": 6, "train": "lora", "lr": 5e-3}]
    config["extend"]["train"]["data"] = {"seq_len": 64}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    run_to_end("run", str(path))
    workdir = tmp_path / "work"
    model = AutoModelForCausalLM.from_pretrained(workdir / "glot" / "final")
    assert type(model).__name__ == "LlamaForCausalLM"  # the adapter merged: a plain HF folder
    rows = _rows(workdir)
    assert {row["model"] for row in rows} >= {"base", "glot", "control"}
    ppl = [row for row in rows if row["metric"] == "ppl_per_char" and row["error"] is None]
    assert ppl and all(row["value"] > 1 for row in ppl)
    assert (workdir / "report" / "index.html").is_file()
    # The extension pieces were trained like the base (byte-level BPE) and appended after its ids.
    assert json.loads((workdir / "vocab" / "manifest.json").read_text())["family"] == "byte-level-bpe"
    base_tokenizer = AutoTokenizer.from_pretrained(workdir / "base_vocab")
    glot_tokenizer = AutoTokenizer.from_pretrained(workdir / "glot" / "final")
    assert len(glot_tokenizer) > len(base_tokenizer)
    base_vocab = base_tokenizer.get_vocab()
    assert {token: glot_tokenizer.get_vocab()[token] for token in base_vocab} == base_vocab
    text = "Konojel ri winaq"
    assert glot_tokenizer.decode(glot_tokenizer(text, add_special_tokens=False)["input_ids"]) == text


def test_existing_causal_model_with_a_byte_level_bpe_tokenizer_as_base_model(tmp_path: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from glot500.model.tiny import make_tiny_model

    raw, tasks = write_corpus(tmp_path)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<s>", "<pad>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    bpe.train([str(file) for file in sorted(raw.iterdir())], trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", pad_token="<pad>", eos_token="</s>")
    tokenizer.save_pretrained(tmp_path / "bpe")
    base = make_tiny_model(tmp_path / "bpe", tmp_path / "qwen", family="qwen", hidden_size=32, intermediate_size=64)
    config = {
        "workdir": str(tmp_path / "work"), "threads": 1,
        "corpus": {"input": [str(raw)], "minhash": {"enabled": False}, "corpus_level": {"min_chunks": 0}},
        "base": {"model": str(base)},
        "evaluate": {"tasks": [str(tasks)], "profile": "cpu-small", "layer": 1, "batch_size": 32,
                     "ppl_max_sentences": 3, "roundtrip_max_sentences": 5},
        "report": {"base": "base", "resamples": 50},
    }  # fmt: skip
    path = tmp_path / "causal.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    run_to_end("run", str(path))
    rows = _rows(tmp_path / "work")
    ppl = [row for row in rows if row["metric"] == "ppl_per_char"]
    assert ppl and all(row["error"] is None and row["value"] > 1 for row in ppl)
    assert all(row["error"] is None for row in rows if row["metric"] == "unk_char_share")  # byte-level: no <unk>
