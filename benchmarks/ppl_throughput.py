"""Pseudo-perplexity throughput on a case shaped like the demo: glot500's task vs the previous per-language loop.

    .venv/bin/python benchmarks/ppl_throughput.py                    # 450 languages x 2 sentences, 1 thread
    .venv/bin/python benchmarks/ppl_throughput.py --languages 60     # a quicker look

The demo scores 3 tiny models (hidden 96, 3 layers, 3 heads, FFN 192, vocabulary 6000, 128 positions) on
~455 languages x 2 short held-out paragraphs, on a CPU with torch limited to 1 thread. This builds a random
model of that shape over a SentencePiece vocabulary of 6000 trained on synthetic text in 9 scripts, writes a
pseudo-perplexity task folder of ``--languages`` languages x 2 sentences of 60-127 tokens, and times:

* before: the previous implementation (one call per language; each batch of masked copies runs the whole model
  and the LM head at the masked positions), kept here verbatim as the reference;
* after: ``PseudoPerplexityTask.score`` (one pass over every language's sentences, the last layer run at the
  masked positions only).

Prints wall and CPU seconds for each, the ratios, and the largest difference in per-sentence log-likelihood.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

SCRIPTS = [(0x61, 26), (0x430, 32), (0x3B1, 24), (0x561, 38), (0x10D0, 33), (0x905, 40), (0x1200, 60), (0xAC00, 80),
           (0x0E01, 46)]  # fmt: skip


def _alphabet(lang: int) -> list[str]:
    start, size = SCRIPTS[lang % len(SCRIPTS)]
    rng = random.Random(lang)
    return [chr(start + i) for i in rng.sample(range(size), min(size, 20))]


def _sentence(rng: random.Random, alphabet: list[str], words: int) -> str:
    return " ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(2, 7))) for _ in range(words))


def make_model(root: Path) -> Path:
    """A random demo-shaped model over a 6000-piece SentencePiece vocabulary trained on synthetic text."""
    from glot500.model.tiny import make_tiny_mlm
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    rng = random.Random(0)
    texts = [_sentence(rng, _alphabet(lang), 15) for lang in range(450) for _ in range(40)]
    tokenizer = spm_to_hf_tokenizer(train_spm(texts, root / "spm" / "sp", vocab_size=6000), root / "tok")
    return make_tiny_mlm(
        tokenizer, root / "model", seed=0, hidden_size=96, num_layers=3, num_heads=3, intermediate_size=192
    )


def make_task(root: Path, tokenizer, languages: int) -> Path:
    """``languages`` folders of 2 sentences each, 60-127 tokens long (cut to the model's 128 positions)."""
    rng = random.Random(1)
    folder = root / f"ppl_bench_{languages}"
    for index, label in enumerate(_labels(languages)):
        lines = []
        for _ in range(2):
            target = rng.randint(60, 127)
            words = 4
            while len(tokenizer(_sentence(random.Random(words), _alphabet(index), words))["input_ids"]) < target:
                words += 3
            lines.append(_sentence(random.Random(words), _alphabet(index), words))
        (folder / label).mkdir(parents=True, exist_ok=True)
        (folder / label / f"{label}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _labels(count: int) -> list[str]:
    """``count`` valid language-script labels (ISO 639-3 codes the registry knows)."""
    from glot500.core.errors import Glot500Error
    from glot500.languages import LangScript

    letters = "abcdefghijklmnopqrstuvwxyz"
    labels = []
    for code in (a + b + c for a in letters for b in letters for c in letters):
        try:
            labels.append(str(LangScript.parse(f"{code}_Latn")))
        except Glot500Error:
            continue
        if len(labels) == count:
            break
    return labels


def reference_plls(encoder, sentences: list[str], batch_size: int = 64) -> list[float]:
    """The previous implementation: masked copies in length-sorted batches, the whole model on each."""
    from glot500.evaluate.batching import length_sorted_batches, pad_batch

    tokenizer, model = encoder.tokenizer, encoder.model
    ids_list = tokenizer(list(sentences), truncation=True, max_length=encoder.max_length)["input_ids"]
    special = set(tokenizer.all_special_ids) - {tokenizer.unk_token_id}
    jobs = [(s, p) for s, ids in enumerate(ids_list) for p, tok in enumerate(ids) if tok not in special]
    log_probs = np.zeros(len(sentences))
    with torch.inference_mode():
        for batch in length_sorted_batches([len(ids_list[s]) for s, _ in jobs], batch_size):
            copies = [list(ids_list[jobs[j][0]]) for j in batch]
            positions = [jobs[j][1] for j in batch]
            gold = [copy[p] for copy, p in zip(copies, positions, strict=True)]
            for copy, position in zip(copies, positions, strict=True):
                copy[position] = tokenizer.mask_token_id
            input_ids, mask = pad_batch(copies, tokenizer.pad_token_id)
            rows = torch.arange(len(positions))
            hidden = model.base_model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            scores = torch.log_softmax(model.lm_head(hidden[rows, positions]).float(), -1)[rows, torch.tensor(gold)]
            for j, score in zip(batch, scores.tolist(), strict=True):
                log_probs[jobs[j][0]] += score
    return log_probs.tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", type=int, default=450)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep the model and task here (reused).")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from glot500.evaluate import EvalConfig, HFEncoder, PseudoPerplexityTask

    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        model_dir = root / "model" if (root / "model" / "config.json").is_file() else make_model(root)
        encoder = HFEncoder(str(model_dir), device="cpu", progress=False)
        folder = make_task(root, encoder.tokenizer, args.languages)
        task = PseudoPerplexityTask(EvalConfig())
        data = task.load(folder)
        tokens = sum(len(encoder.tokenizer(s)["input_ids"]) - 2 for lines in data.languages.values() for s in lines)
        print(f"{len(data.languages)} languages, {tokens} scored tokens, torch threads {torch.get_num_threads()}")

        start, cpu = time.perf_counter(), time.process_time()
        before = {lang: reference_plls(encoder, lines) for lang, lines in data.languages.items()}
        before_s, before_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        task.score(encoder, data)
        after_s, after_cpu = time.perf_counter() - start, time.process_time() - cpu
        flat = [s for lines in data.languages.values() for s in lines]
        after = encoder.pseudo_log_likelihoods(flat, task.config.ppl_batch_size)
        reference = [value for lang in data.languages for value in before[lang]]
        diff = max(abs(a.log_prob - b) for a, b in zip(after, reference, strict=True))
        for what, wall, cpu in (("before (per language, whole model per copy)", before_s, before_cpu),
                                ("after  (glot500 PseudoPerplexityTask)      ", after_s, after_cpu)):  # fmt: skip
            print(f"{what}: {wall:7.1f} s wall, {cpu:7.1f} s CPU, {tokens / wall:7.0f} tokens/s")
        print(
            f"speed-up: {before_s / after_s:.2f}x wall, {before_cpu / after_cpu:.2f}x CPU (CPU time is steadier on a "
            f"shared machine); largest per-sentence log-likelihood difference: {diff:.2e}"
        )


if __name__ == "__main__":
    main()
